"""The routing engine end to end: real `hub serve`, real sockets, short time-outs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.db.engine import Database
from tests.e2e.conftest import Client, HubProcess, Session, start_hub
from tests.factories import make_staff, make_store

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def routing_hub(hub_env: dict[str, str], database_url: str, tmp_path: Path) -> Iterator[HubProcess]:
    asyncio.run(_seed_extra(database_url))
    env = {
        **hub_env,
        "HUB_OFFER_TIMEOUT_SECONDS": "1",
        "HUB_DISCONNECT_GRACE_SECONDS": "1",
        "HUB_OVERFLOW_REGION_AFTER_SECONDS": "1.5",
        "HUB_OVERFLOW_SERVICE_CENTRE_AFTER_SECONDS": "600",
        "HUB_PREFERRED_WAIT_SECONDS": "1",
    }
    server = start_hub(env, tmp_path)
    yield server
    server.terminate()


async def _seed_extra(url: str) -> None:
    """The shared e2e fixture made PARIS01 and Amélie; add the rest of the network."""
    db = Database(url)
    now = datetime.now(UTC)
    closed_day = DAYS[(now.weekday() + 2) % 7]
    try:
        await make_store(db, now, "LYON01")
        await make_store(
            db, now, "LONDON01", languages="en", timezone="Europe/London", country="GB"
        )
        await make_store(db, now, "CLOSED01", timezone="UTC", hours=f"{closed_day} 10:00-18:00")
        for email, name, store in (
            ("hugo@test.concierge", "Hugo Martin", "PARIS01"),
            ("lea@test.concierge", "Léa Moreau", "LYON01"),
            ("james@test.concierge", "James Whitfield", "LONDON01"),
        ):
            await make_staff(db, now, store, name=name, email=email)
    finally:
        await db.close()


@pytest.fixture
async def net(routing_hub: HubProcess) -> AsyncIterator[Session]:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        session = Session(routing_hub.base, http)
        yield session
        for client in session.clients:
            if client.sio.connected:
                await client.close()


async def login(net: Session, who: str) -> Client:
    return await net.ambassador(await net.staff_token(f"{who}@test.concierge"))


async def shopper_says(net: Session, text: str, store: str = "PARIS01") -> tuple[Client, str]:
    shopper = await net.shopper(await net.visitor_token(), store=store)
    ack = await shopper.call("message", {"client_id": "first", "text": text})
    return shopper, ack["conversation_id"]


async def test_an_unanswered_offer_moves_on_to_the_next_ambassador(net: Session) -> None:
    amelie = await login(net, "amelie")
    _, conversation_id = await shopper_says(net, "Hello?")
    first = await amelie.next("offer")
    hugo = await login(net, "hugo")
    revoked = await amelie.next("offer_revoked")
    assert revoked == {"offer_id": first["offer_id"], "reason": "expired"}
    second = await hugo.next("offer")
    assert second["conversation"]["id"] == conversation_id


async def test_two_missed_offers_put_the_ambassador_away_and_say_so(net: Session) -> None:
    amelie = await login(net, "amelie")
    await shopper_says(net, "First")
    await amelie.next("offer")
    await amelie.next("offer_revoked")
    await shopper_says(net, "Second")  # the first is never offered to her twice in a row
    await amelie.next("offer")
    await amelie.next("offer_revoked")
    presence = await amelie.next("presence")
    assert presence == {"status": "away", "reason": "missed_offers"}


async def test_a_reload_within_grace_keeps_the_conversation(net: Session) -> None:
    token = await net.staff_token("amelie@test.concierge")
    amelie = await net.ambassador(token)
    shopper, conversation_id = await shopper_says(net, "Keep me please")
    offer = await amelie.next("offer")
    await amelie.call("accept", {"offer_id": offer["offer_id"]})
    await amelie.close()
    again = await net.ambassador(token)  # reconnect at once, like a page reload
    hugo = await login(net, "hugo")
    # Let more than the grace period pass, measured by an event: a new chat's offer lapsing.
    await shopper_says(net, "A second shopper")
    await hugo.next("offer")
    await hugo.next("offer_revoked")
    ack = await again.call(
        "reply", {"conversation_id": conversation_id, "client_id": "r", "text": "Still here"}
    )
    assert "id" in ack
    assert (await shopper.next("message"))["text"] == "Still here"


async def test_past_grace_the_conversation_is_requeued_with_a_notice(net: Session) -> None:
    amelie = await login(net, "amelie")
    shopper, conversation_id = await shopper_says(net, "Are you there?")
    offer = await amelie.next("offer")
    await amelie.call("accept", {"offer_id": offer["offer_id"]})
    hugo = await login(net, "hugo")
    await amelie.close()
    notice = await shopper.next("message")
    # In the conversation's language: none asked for, so PARIS01's first one (fr).
    assert notice["author"]["kind"] == "system" and "déconnecté" in notice["text"]
    requeued = await hugo.next("offer")
    assert requeued["conversation"]["id"] == conversation_id


async def test_transfer_to_a_named_colleague_with_a_note(net: Session) -> None:
    amelie = await login(net, "amelie")
    shopper, conversation_id = await shopper_says(net, "I need bridal advice")
    offer = await amelie.next("offer")
    await amelie.call("accept", {"offer_id": offer["offer_id"]})
    await shopper.next("assigned")
    hugo = await login(net, "hugo")
    hugo_id = (
        await (
            await net.http.get(
                f"{net.base}/api/me",
                headers={"Authorization": f"Bearer {await net.staff_token('hugo@test.concierge')}"},
            )
        ).json()
    )["staff"]["id"]
    ack = await amelie.call(
        "transfer",
        {
            "conversation_id": conversation_id,
            "to": {"ambassador_id": hugo_id},
            "note": "Wants a 1 ct solitaire",
        },
    )
    assert ack["conversation"]["status"] in ("queued", "offered")
    assert (await amelie.next("transferred"))["conversation_id"] == conversation_id
    handed = await hugo.next("offer")
    assert (
        handed["conversation"]["id"] == conversation_id
        and handed["note"] == "Wants a 1 ct solitaire"
    )
    await hugo.call("accept", {"offer_id": handed["offer_id"]})
    assert (await shopper.next("assigned"))["ambassador"]["name"] == "Hugo Martin"
    wrong = await amelie.call(
        "reply", {"conversation_id": conversation_id, "client_id": "x", "text": "hi"}
    )
    assert wrong["error"]["code"] == "not_assigned"


async def test_transfer_to_another_stores_queue(net: Session) -> None:
    amelie = await login(net, "amelie")
    james = await login(net, "james")
    _, conversation_id = await shopper_says(net, "Can London help?")
    offer = await amelie.next("offer")
    await amelie.call("accept", {"offer_id": offer["offer_id"]})
    ack = await amelie.call(
        "transfer", {"conversation_id": conversation_id, "to": {"store": "LONDON01"}}
    )
    assert ack["conversation"]["store"] == "LONDON01"
    handed = await james.next("offer")
    assert handed["conversation"]["id"] == conversation_id
    bad = await amelie.call(
        "transfer", {"conversation_id": conversation_id, "to": {"store": "NOPE"}}
    )
    assert "error" in bad


async def test_nobody_free_in_the_store_overflows_to_the_region(net: Session) -> None:
    lea = await login(net, "lea")
    james = await login(net, "james")
    _, conversation_id = await shopper_says(net, "Paris is empty today")
    offer = await lea.next("offer")  # Lyon shares Paris's region (FR); London does not
    assert offer["conversation"]["id"] == conversation_id
    assert james.pending("offer") == 0


async def test_closed_store_or_nobody_online_is_answered_at_once(net: Session) -> None:
    shopper, _ = await shopper_says(net, "Anyone?", store="CLOSED01")
    queue = await shopper.next("queue")
    assert queue["offline"] is True
    assert set(queue["options"]) == {"leave_message", "callback", "appointment"}


async def test_managers_see_the_live_queue_and_assign_by_hand(
    net: Session, routing_hub: HubProcess
) -> None:
    db_url = routing_hub.env["HUB_DATABASE_URL"]
    db = Database(db_url)
    try:
        await make_staff(
            db,
            datetime.now(UTC),
            "PARIS01",
            role="manager",
            name="Claire",
            email="claire@test.concierge",
        )
    finally:
        await db.close()
    claire_token = await net.staff_token("claire@test.concierge")
    headers = {"Authorization": f"Bearer {claire_token}"}
    amelie = await login(net, "amelie")
    await amelie.call("presence", {"status": "away"})
    shopper, conversation_id = await shopper_says(net, "Waiting for someone")
    await shopper.next("queue")
    board = await (await net.http.get(f"{net.base}/api/queue", headers=headers)).json()
    paris = next(s for s in board["stores"] if s["store"] == "PARIS01")
    assert [w["conversation_id"] for w in paris["waiting"]] == [conversation_id]
    assert paris["ambassadors"][0]["presence"] == "away"
    amelie_id = paris["ambassadors"][0]["id"]
    claire = await net.ambassador(claire_token, available=False)
    ack = await claire.call(
        "assign", {"conversation_id": conversation_id, "ambassador_id": amelie_id}
    )
    assert ack["conversation"]["assigned_to"]["id"] == amelie_id
    assert (await amelie.next("assigned"))["conversation"]["id"] == conversation_id
    denied = await amelie.call(
        "assign", {"conversation_id": conversation_id, "ambassador_id": amelie_id}
    )
    assert denied["error"]["code"] == "not_manager"
    plain = await net.http.get(
        f"{net.base}/api/queue",
        headers={"Authorization": f"Bearer {await net.staff_token('amelie@test.concierge')}"},
    )
    assert plain.status == 403
