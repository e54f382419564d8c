"""Inviting a colleague on both databases: the e-mail over a real SMTP server, the link
looked up and accepted once, the newcomer signed in; expired and replaced links refused."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import pytest
from sqlalchemy import select

from hub.db.jobs_models import MailOutbox
from hub.db.models import AuditEntry
from hub.db.staff_models import StaffInvitation
from tests.conftest import FakeClock
from tests.fakes.smtp import FakeSmtpServer
from tests.integration.staff_admin_support import (
    World,
    client,
    invite_token,
    jobs_settled,
    login,
    world,
)

__all__ = ["client", "world"]  # fixtures
NEWCOMER = "Sophie.Bernard@Example.com"
NEW_PASSWORD = "a fine long secret"


def invitation(**overrides: Any) -> dict[str, Any]:
    return {
        "email": NEWCOMER,
        "name": "Sophie Bernard",
        "role": "ambassador",
        "stores": ["PARIS01"],
        "languages": ["fr", "en"],
        "skills": ["bridal"],
        **overrides,
    }


async def invite(world: World, smtp: FakeSmtpServer, **overrides: Any) -> str:
    status, body = await world.call(
        "POST", "/api/staff/invitations", "paris_manager", json=invitation(**overrides)
    )
    assert status == 201, body
    return invite_token((await smtp.next_message()).text)


async def test_an_invited_ambassador_sets_a_password_and_signs_in(
    world: World, smtp: FakeSmtpServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, body = await world.call(
        "POST", "/api/staff/invitations", "paris_manager", json=invitation()
    )
    assert status == 201, body
    assert body["staff"]["status"] == "invited" and body["staff"]["active"] is False
    assert body["expires_at"] == "2026-11-28T10:00:00Z"  # 72 hours
    mail = await smtp.next_message()
    assert mail.rcpt_tos == ("sophie.bernard@example.com",)
    # In the first language she speaks: French.
    assert mail.message["Subject"] == "Votre invitation à rejoindre Boutique PARIS01 sur Concierge"
    assert "Marc Dubois vous invite" in mail.text and "72 prochaines heures" in mail.text
    token = invite_token(mail.text)
    assert len(token) >= 43  # 256 random bits

    # Not a working account yet.
    refused = await world.client.post(
        "/api/auth/login", json={"email": NEWCOMER.lower(), "password": NEW_PASSWORD}
    )
    assert refused.status == 401

    status, found = await world.call("POST", "/api/invitations/lookup", json={"token": token})
    assert status == 200
    assert found == {
        "email": "sophie.bernard@example.com",
        "name": "Sophie Bernard",
        "stores": [{"code": "PARIS01", "name": "Boutique PARIS01"}],
    }
    response = await world.client.post(
        "/api/invitations/accept", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status == 200, await response.text()
    signed_in = await response.json()
    assert signed_in["staff"]["stores"] == ["PARIS01"]
    assert signed_in["staff"]["skills"] == ["bridal"]
    assert {"hub_session", "hub_csrf"} <= set(response.cookies)  # the console is signed in
    me = await world.client.get(
        "/api/me", headers={"Authorization": f"Bearer {signed_in['token']}"}
    )
    assert (await me.json())["staff"]["email"] == "sophie.bernard@example.com"
    await login(world.client, "sophie.bernard@example.com", NEW_PASSWORD)

    again = await world.client.post(
        "/api/invitations/accept", json={"token": token, "password": "another secret!"}
    )
    assert again.status == 404
    assert (await again.json())["error"]["code"] == "invitation_not_found"

    await jobs_settled(world.client)
    async with world.db.reading() as session:
        stored = (await session.scalars(select(StaffInvitation))).one()
        outbox = (await session.scalars(select(MailOutbox))).one()
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.used_at == clock() and stored.created_by == world.id("paris_manager")
    assert outbox.status == "sent" and token.encode() not in outbox.message
    invited = next(e for e in entries if e.action == "staff.invited")
    assert invited.actor_id == world.id("paris_manager")
    assert invited.data is not None and invited.data["stores"] == ["PARIS01"]
    assert any(e.action == "staff.invitation_accepted" for e in entries)
    assert not any(token in str(e.data) for e in entries)
    ours = [r for r in caplog.records if r.name.startswith(("hub", "aiohttp", "sqlalchemy"))]
    assert ours and not any(token in f"{r.getMessage()} {r.__dict__}" for r in ours)


async def test_two_simultaneous_acceptances_sign_in_only_one(
    world: World, smtp: FakeSmtpServer
) -> None:
    token = await invite(world, smtp)
    responses = await asyncio.gather(
        *(
            world.client.post(
                "/api/invitations/accept", json={"token": token, "password": f"{NEW_PASSWORD}{i}"}
            )
            for i in range(2)
        )
    )
    assert sorted(r.status for r in responses) == [200, 404]
    winner = next(i for i, r in enumerate(responses) if r.status == 200)
    await login(world.client, "sophie.bernard@example.com", f"{NEW_PASSWORD}{winner}")


async def test_an_expired_link_is_refused_and_a_new_invitation_replaces_the_old_link(
    world: World, smtp: FakeSmtpServer, clock: FakeClock
) -> None:
    first = await invite(world, smtp)
    clock.advance(hours=72)
    world.headers["paris_manager"] = await login(world.client, "paris.manager@test.concierge")
    for path, body in (
        ("/api/invitations/lookup", {"token": first}),
        ("/api/invitations/accept", {"token": first, "password": NEW_PASSWORD}),
    ):
        status, answer = await world.call("POST", path, json=body)
        assert (status, answer["error"]["code"]) == (404, "invitation_not_found")
    status, listed = await world.call("GET", "/api/staff?active=false", "paris_manager")
    assert listed["staff"][0]["invitation"]["expired"] is True

    status, body = await world.call(
        "POST",
        "/api/staff/invitations",
        "paris_manager",
        json=invitation(name="Sophie Bernard-Lévy", role="manager"),
    )
    assert status == 201 and body["replaced"] is True
    second = invite_token((await smtp.next_message()).text)
    clock.advance(hours=1)
    status, found = await world.call("POST", "/api/invitations/lookup", json={"token": second})
    assert status == 200 and found["name"] == "Sophie Bernard-Lévy"
    # Replaced before it expired too: the third link kills the second.
    third = await invite(world, smtp)
    assert (await world.call("POST", "/api/invitations/lookup", json={"token": second}))[0] == 404
    assert (await world.call("POST", "/api/invitations/lookup", json={"token": third}))[0] == 200


async def test_who_may_be_invited_by_whom(world: World, smtp: FakeSmtpServer) -> None:
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("paris_manager", invitation(role="admin"), 403, "admin_only"),
        ("paris_manager", invitation(stores=["LONDON01"]), 403, "outside_your_stores"),
        ("paris_manager", invitation(email="amelie@test.concierge"), 409, "staff_exists"),
        ("paris_manager", invitation(stores=[]), 400, "invalid_input"),
        ("paris_manager", invitation(languages="fr"), 201, ""),
        ("london_manager", invitation(stores=["LONDON01"]), 409, "staff_exists"),
        ("amelie", invitation(email="x@example.com"), 403, "not_manager"),
    ]
    for who, payload, status, code in cases:
        answer, body = await world.call("POST", "/api/staff/invitations", who, json=payload)
        assert answer == status, (who, payload, body)
        if code:
            assert body["error"]["code"] == code
    await smtp.next_message()
    status, body = await world.call(
        "POST", f"/api/staff/{world.id('amelie')}/deactivate", "paris_manager"
    )
    assert status == 200
    status, body = await world.call(
        "POST",
        "/api/staff/invitations",
        "paris_manager",
        json=invitation(email="amelie@test.concierge"),
    )
    assert (status, body["error"]["code"]) == (409, "staff_deactivated")
    status, body = await world.call(
        "POST", "/api/staff/invitations", "admin", json=invitation(email="a@b.co", role="admin")
    )
    assert status == 201
    assert (await smtp.next_message()).rcpt_tos == ("a@b.co",)


async def test_a_refused_password_leaves_the_link_usable_and_bad_tokens_are_not_found(
    world: World, smtp: FakeSmtpServer
) -> None:
    token = await invite(world, smtp)
    status, body = await world.call(
        "POST", "/api/invitations/accept", json={"token": token, "password": "short"}
    )
    assert (status, body["error"]["field"]) == (400, "password")
    assert (await world.call("POST", "/api/invitations/lookup", json={"token": token}))[0] == 200
    for bad in ({"token": "x" * 43}, {"token": 42}, {}, {"token": token[:-1]}):
        status, body = await world.call("POST", "/api/invitations/lookup", json=bad)
        assert (status, body["error"]["code"]) == (404, "invitation_not_found")


async def test_deactivating_an_invited_person_kills_their_link(
    world: World, smtp: FakeSmtpServer
) -> None:
    token = await invite(world, smtp)
    status, listed = await world.call("GET", "/api/staff?active=false", "paris_manager")
    newcomer = listed["staff"][0]["id"]
    assert (await world.call("POST", f"/api/staff/{newcomer}/deactivate", "paris_manager"))[
        0
    ] == 200
    status, body = await world.call(
        "POST", "/api/invitations/accept", json={"token": token, "password": NEW_PASSWORD}
    )
    assert status == 404
    status, body = await world.call("POST", f"/api/staff/{newcomer}/activate", "paris_manager")
    assert (status, body["error"]["code"]) == (409, "invitation_pending")


async def test_looking_up_links_is_rate_limited_per_client(world: World) -> None:
    statuses = []
    for _ in range(45):
        response = await world.client.post("/api/invitations/lookup", json={"token": "y" * 43})
        statuses.append(response.status)
    assert statuses[0] == 404 and statuses[-1] == 429
