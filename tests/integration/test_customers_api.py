"""Customer profiles over HTTP on both databases: access, search, changes, consents,
merges, export and erasure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from hub.app import create_app
from hub.db.engine import Database
from hub.db.models import AuditEntry, Message
from hub.db.profile_models import Purchase
from hub.profiles.identity import Identity
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store
from tests.integration.test_inbox import inbound


@pytest.fixture
async def client(aiohttp_client: Any, database_url: str, clock: FakeClock) -> TestClient:
    return await aiohttp_client(create_app(make_settings(database_url), clock=clock))


@pytest.fixture
async def world(client: TestClient, clock: FakeClock) -> dict[str, Any]:
    """Two boutiques, their people, and Ada, who chatted with Paris and bought there."""
    db: Database = client.app[SERVICES].db
    paris = await make_store(db, clock())
    await make_store(
        db, clock(), "LONDON01", languages="en", timezone="Europe/London", country="GB"
    )
    await make_staff(db, clock(), email="amelie@test.concierge")
    await make_staff(db, clock(), role="manager", email="claire@test.concierge")
    await make_staff(db, clock(), "LONDON01", email="james@test.concierge")
    ada = replace(
        inbound("Bonjour", visitor="a" * 32),
        claimed=(Identity("email", "ada@example.com"),),
        display_name="Ada Lovelace",
    )
    stored = await client.app[SERVICES].inbox.receive(ada)
    customer_id = stored.conversation.customer_id
    async with db.transaction() as session:
        for line, (price, currency) in enumerate(
            [(Decimal("12500.00"), "EUR"), (Decimal("900.50"), "EUR"), (Decimal("4000"), "GBP")], 1
        ):
            session.add(
                Purchase(
                    store_id=paris,
                    transaction_id="T1",
                    line_no=line,
                    customer_id=customer_id,
                    purchased_at=clock() - timedelta(days=line),
                    sku=f"SKU{line}",
                    description="Solitaire",
                    category="rings",
                    carat=Decimal("1.02"),
                    colour="D",
                    clarity="VVS1",
                    cut="excellent",
                    metal="platinum",
                    quantity=1,
                    unit_price=price,
                    currency=currency,
                )
            )
    tokens = {}
    for who in ("amelie", "claire", "james"):
        response = await client.post(
            "/api/auth/login", json={"email": f"{who}@test.concierge", "password": PASSWORD}
        )
        tokens[who] = {"Authorization": f"Bearer {(await response.json())['token']}"}
    return {
        "customer_id": customer_id,
        "tokens": tokens,
        "db": db,
        "conversation_id": stored.conversation.id,
    }


async def test_search_and_profile_stay_inside_the_callers_stores(
    client: TestClient, world: dict[str, Any]
) -> None:
    amelie, james = world["tokens"]["amelie"], world["tokens"]["james"]
    for q in ("ada@example", "Lovelace"):
        found = await (await client.get(f"/api/customers?q={q}", headers=amelie)).json()
        assert [c["id"] for c in found["customers"]] == [world["customer_id"]]
    assert (await (await client.get("/api/customers?q=Lovelace", headers=james)).json())[
        "customers"
    ] == []
    outside = await client.get(f"/api/customers/{world['customer_id']}", headers=james)
    assert outside.status == 404


async def test_the_profile_shows_identities_purchases_and_lifetime_value(
    client: TestClient, world: dict[str, Any]
) -> None:
    body = await (
        await client.get(
            f"/api/customers/{world['customer_id']}", headers=world["tokens"]["amelie"]
        )
    ).json()
    kinds = {(i["kind"], i["verified"]) for i in body["identities"]}
    assert ("visitor", True) in kinds and ("email", False) in kinds
    assert body["lifetime_value"] == {"EUR": "13400.50", "GBP": "4000.00"}
    assert body["purchases"][0]["stone"] == {
        "carat": "1.020",
        "colour": "D",
        "clarity": "VVS1",
        "cut": "excellent",
    }
    assert [c["id"] for c in body["conversations"]] == [world["conversation_id"]]


async def test_preferences_notes_and_consents_change_and_are_audited(
    client: TestClient, world: dict[str, Any]
) -> None:
    headers, cid = world["tokens"]["amelie"], world["customer_id"]
    patched = await client.patch(
        f"/api/customers/{cid}",
        headers=headers,
        json={
            "preferences": {
                "metals": ["platinum", "rose gold"],
                "ring_size": "52",
                "language": "fr",
            }
        },
    )
    assert patched.status == 200, await patched.text()
    assert (await patched.json())["preferences"]["metals"] == ["platinum", "rose gold"]
    bad = await client.patch(
        f"/api/customers/{cid}", headers=headers, json={"preferences": {"shoe_size": 38}}
    )
    assert bad.status == 400 and "preferences" in (await bad.json())["error"]["field"]
    note = await client.post(
        f"/api/customers/{cid}/notes", headers=headers, json={"text": "Prefers morning visits"}
    )
    assert note.status == 201
    grant = {
        "channel": "email",
        "purpose": "marketing",
        "granted": True,
        "policy_version": "2026-01",
    }
    assert (
        await client.post(f"/api/customers/{cid}/consents", headers=headers, json=grant)
    ).status == 201
    withdraw = await client.post(
        f"/api/customers/{cid}/consents", headers=headers, json={**grant, "granted": False}
    )
    current = {(c["channel"], c["purpose"]): c["granted"] for c in await withdraw.json()}
    assert current[("email", "marketing")] is False
    tier = await client.patch(f"/api/customers/{cid}", headers=headers, json={"tier": "vvip"})
    assert tier.status == 403
    async with world["db"].reading() as session:
        actions = set((await session.scalars(select(AuditEntry.action))).all())
    assert "customer.updated" in actions


async def test_merging_moves_everything_and_the_old_id_still_resolves(
    client: TestClient, world: dict[str, Any]
) -> None:
    headers = world["tokens"]["amelie"]
    twin = replace(
        inbound("Me again", visitor="b" * 32, key="t"),
        claimed=(Identity("email", "ada@example.com"),),
    )
    other = (await client.app[SERVICES].inbox.receive(twin)).conversation.customer_id
    profile = await (
        await client.get(f"/api/customers/{world['customer_id']}", headers=headers)
    ).json()
    assert [m["customer"]["id"] for m in profile["merge_candidates"]] == [other]
    merged = await client.post(
        f"/api/customers/{world['customer_id']}/merge", headers=headers, json={"other_id": other}
    )
    assert merged.status == 200, await merged.text()
    body = await merged.json()
    assert len(body["conversations"]) == 2
    assert {i["value"] for i in body["identities"] if i["kind"] == "visitor"} == {
        "a" * 32,
        "b" * 32,
    }
    old = await (await client.get(f"/api/customers/{other}", headers=headers)).json()
    assert old["id"] == world["customer_id"]


async def test_export_then_erase_removes_the_person_but_keeps_the_sales(
    client: TestClient, world: dict[str, Any]
) -> None:
    cid = world["customer_id"]
    exported = await client.get(f"/api/customers/{cid}/export", headers=world["tokens"]["amelie"])
    data = await exported.json()
    assert (
        data["conversations"][0]["messages"][0]["text"] == "Bonjour" and len(data["purchases"]) == 3
    )
    refused = await client.delete(f"/api/customers/{cid}", headers=world["tokens"]["amelie"])
    assert refused.status == 403
    erased = await client.delete(f"/api/customers/{cid}", headers=world["tokens"]["claire"])
    assert erased.status == 204
    async with world["db"].reading() as session:
        texts = (await session.scalars(select(Message.text))).all()
        kept = await session.scalar(
            select(func.sum(Purchase.unit_price)).where(Purchase.customer_id.is_(None))
        )
        actions = set((await session.scalars(select(AuditEntry.action))).all())
    assert texts == ["[erased]"] and kept == Decimal("17400.50")
    assert {"customer.exported", "customer.erased"} <= actions
