"""E-mail verification end to end on both databases: the console asks, a real SMTP server
receives the link, the customer redeems it once, and the identity becomes verified."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.app import create_app
from hub.db.engine import Database
from hub.db.jobs_models import EmailVerification, MailOutbox
from hub.db.models import AuditEntry, Customer
from hub.jobs.runner import InProcessRunner
from hub.profiles.identity import Identity
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store
from tests.fakes.smtp import FakeSmtpServer
from tests.integration.test_inbox import inbound

PUBLIC_URL = "https://hub.example.com"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/verify#([A-Za-z0-9_-]+)")


@pytest.fixture
async def client(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> TestClient:
    settings = make_settings(database_url, smtp_relay=smtp.relay, public_url=PUBLIC_URL)
    return await aiohttp_client(create_app(settings, clock=clock))


@pytest.fixture
def emitted(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, str]]:
    """Socket events the hub emits, by (event, data, room)."""
    sio = client.app[SERVICES].sio
    seen: list[tuple[str, Any, str]] = []
    original = sio.emit

    async def emit(event: str, data: Any = None, **kw: Any) -> None:
        seen.append((event, data, kw.get("to") or kw.get("room") or ""))
        await original(event, data, **kw)

    monkeypatch.setattr(sio, "emit", emit)
    return seen


async def jobs_settled(client: TestClient) -> None:
    """Wait until the embedded runner has finished what it started (the outbox is updated)."""
    runner = client.app[SERVICES].jobs
    assert isinstance(runner, InProcessRunner)
    await runner.run_due()


async def login(client: TestClient, email: str) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


@pytest.fixture
async def world(client: TestClient, clock: FakeClock) -> dict[str, Any]:
    """Paris and London; Ada chatted with Paris and typed her address (a claim)."""
    db: Database = client.app[SERVICES].db
    await make_store(db, clock())
    await make_store(
        db, clock(), "LONDON01", languages="en", timezone="Europe/London", country="GB"
    )
    await make_staff(db, clock(), email="amelie@test.concierge", name="Amélie Laurent")
    await make_staff(db, clock(), "LONDON01", email="james@test.concierge")
    ada = replace(
        inbound("Bonjour", visitor="a" * 32),
        claimed=(Identity("email", "ada@example.com"), Identity("phone", "+33142965000")),
        display_name="Ada Lovelace",
    )
    stored = await client.app[SERVICES].inbox.receive(ada)
    return {
        "db": db,
        "customer_id": stored.conversation.customer_id,
        "amelie": await login(client, "amelie@test.concierge"),
        "james": await login(client, "james@test.concierge"),
    }


async def profile(client: TestClient, world: dict[str, Any], customer_id: str | None = None) -> Any:
    response = await client.get(
        f"/api/customers/{customer_id or world['customer_id']}", headers=world["amelie"]
    )
    assert response.status == 200, await response.text()
    return await response.json()


def identity_id(body: Any, kind: str = "email") -> str:
    return str(next(i["id"] for i in body["identities"] if i["kind"] == kind))


def verify_path(world: dict[str, Any], identity: str) -> str:
    return f"/api/customers/{world['customer_id']}/identities/{identity}/verify"


async def send_link(client: TestClient, world: dict[str, Any], smtp: FakeSmtpServer) -> str:
    identity = identity_id(await profile(client, world))
    response = await client.post(verify_path(world, identity), headers=world["amelie"])
    assert response.status == 202, await response.text()
    received = await smtp.next_message()
    found = LINK.search(received.text)
    assert found is not None, received.text
    return found.group(1)


async def test_the_customer_opens_the_link_and_the_address_becomes_verified_once(
    client: TestClient,
    world: dict[str, Any],
    smtp: FakeSmtpServer,
    emitted: list[tuple[str, Any, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    before = await profile(client, world)
    assert {(i["kind"], i["verified"]) for i in before["identities"]} >= {("email", False)}
    token = await send_link(client, world, smtp)
    mail = smtp.received[-1]
    assert mail.rcpt_tos == ("ada@example.com",)
    # In the language of her chat with Paris (no language named: the boutique's, fr).
    assert mail.message["Subject"] == "Merci de confirmer votre adresse e-mail"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert "Amélie Laurent" in mail.text
    db: Database = world["db"]
    await jobs_settled(client)
    async with db.reading() as session:
        stored = (await session.scalars(select(EmailVerification))).one()
        outbox = (await session.scalars(select(MailOutbox))).one()
    # Only the hash is kept; the sent mail's body (with the link) is dropped from the outbox.
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert outbox.status == "sent" and token.encode() not in outbox.message

    redeemed = await client.post("/api/verifications", json={"token": token})
    assert redeemed.status == 200, await redeemed.text()
    assert await redeemed.json() == {"verified": True, "email": "ada@example.com"}
    after = await profile(client, world)
    emails = [i for i in after["identities"] if i["kind"] == "email"]
    assert [(i["value"], i["verified"]) for i in emails] == [("ada@example.com", True)]
    room = f"customer:{world['customer_id']}"
    assert ("customer_updated", {"customer_id": world["customer_id"]}, room) in emitted

    again = await client.post("/api/verifications", json={"token": token})
    assert again.status == 400
    assert (await again.json())["error"]["code"] == "token_used"
    async with db.reading() as session:
        audit = {
            (a.action, a.actor_kind): a.data
            for a in await session.scalars(select(AuditEntry))
            if a.action.startswith("customer.")
        }
    assert audit[("customer.identity_verified", "customer")]["via"] == "email_link"
    assert ("customer.verification_requested", "staff") in audit
    # The hub's own logs (requests, jobs, mail) never carry the token; the fake SMTP
    # server's debug log and aiosqlite's are the test's and the driver's business.
    ours = [r for r in caplog.records if r.name.startswith(("hub", "aiohttp", "sqlalchemy"))]
    assert ours and not any(token in f"{r.getMessage()} {r.__dict__}" for r in ours)


async def test_only_ambassadors_who_see_the_customer_can_send_and_only_unverified_addresses(
    client: TestClient, world: dict[str, Any], smtp: FakeSmtpServer
) -> None:
    body = await profile(client, world)
    email, phone = identity_id(body), identity_id(body, "phone")
    outside = await client.post(verify_path(world, email), headers=world["james"])
    assert outside.status == 404
    assert (await outside.json())["error"]["code"] == "not_found"
    unknown = await client.post(verify_path(world, "no-such-identity"), headers=world["amelie"])
    assert unknown.status == 404
    not_email = await client.post(verify_path(world, phone), headers=world["amelie"])
    assert not_email.status == 400
    assert (await not_email.json())["error"]["code"] == "not_email"
    anonymous = await client.post(verify_path(world, email))
    assert anonymous.status == 401
    for _ in range(3):
        sent = await client.post(verify_path(world, email), headers=world["amelie"])
        assert sent.status == 202
    flooded = await client.post(verify_path(world, email), headers=world["amelie"])
    assert flooded.status == 429 and "Retry-After" in flooded.headers
    for _ in range(3):
        await smtp.next_message()
    assert len(smtp.received) == 3


async def test_bad_and_expired_links_are_refused_with_a_clear_message(
    client: TestClient, world: dict[str, Any], smtp: FakeSmtpServer, clock: FakeClock
) -> None:
    for body in ({"token": "x" * 43}, {"token": 42}, {}):
        refused = await client.post("/api/verifications", json=body)
        assert refused.status == 400
        error = (await refused.json())["error"]
        assert error["code"] == "invalid_token" and "not valid" in error["message"]
    token = await send_link(client, world, smtp)
    clock.advance(days=7)
    expired = await client.post("/api/verifications", json={"token": token})
    assert expired.status == 400
    assert (await expired.json())["error"]["code"] == "token_expired"
    world["amelie"] = await login(client, "amelie@test.concierge")  # a week later
    emails = [i for i in (await profile(client, world))["identities"] if i["kind"] == "email"]
    assert [i["verified"] for i in emails] == [False]
    async with world["db"].reading() as session:
        assert (await session.scalars(select(EmailVerification.used_at))).one() is None


@pytest.mark.parametrize("owner_is_older", [False, True])
async def test_a_link_proving_an_address_another_profile_holds_verified_merges_them(
    client: TestClient,
    world: dict[str, Any],
    smtp: FakeSmtpServer,
    clock: FakeClock,
    owner_is_older: bool,
) -> None:
    # Someone whose mail server proved the same address, say by writing to the boutique.
    owner = replace(
        inbound("Hello from my mailbox", visitor="b" * 32, key="m"),
        proven=(Identity("email", "ada@example.com"),),
    )
    owner_id = (await client.app[SERVICES].inbox.receive(owner)).conversation.customer_id
    ages = {world["customer_id"]: 1, owner_id: 0 if owner_is_older else 2}
    async with world["db"].transaction() as session:  # the older profile survives a merge
        for customer_id, minutes in ages.items():
            customer = await session.get(Customer, customer_id)
            assert customer is not None
            customer.created_at = clock() - timedelta(days=1) + timedelta(minutes=minutes)
    token = await send_link(client, world, smtp)
    redeemed = await client.post("/api/verifications", json={"token": token})
    assert redeemed.status == 200, await redeemed.text()
    merged = await profile(client, world)
    assert merged["id"] == (owner_id if owner_is_older else world["customer_id"])
    assert (await profile(client, world, owner_id))["id"] == merged["id"]
    emails = [(i["value"], i["verified"]) for i in merged["identities"] if i["kind"] == "email"]
    assert emails == [("ada@example.com", True)]
    visitors = {i["value"] for i in merged["identities"] if i["kind"] == "visitor"}
    assert visitors == {"a" * 32, "b" * 32}
    assert len(merged["conversations"]) == 2


async def test_the_verify_page_is_a_strict_static_page(client: TestClient) -> None:
    page = await client.get("/verify")
    assert page.status == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = await page.text()
    assert '<script type="module" src="/static/verify.js">' in html
    assert (await client.get("/static/verify.js")).status == 200
