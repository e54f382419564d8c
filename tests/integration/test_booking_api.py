"""Booking over HTTP on both databases: slots, holds, appointments, manage links, calendar
files, and the database refusing a double booking under 200 concurrent requests."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from hub.app import create_app
from hub.db.booking_models import Appointment, Reminder
from hub.db.engine import Database
from hub.db.models import Conversation
from hub.inbox import Stored
from hub.messages import Inbound
from hub.services import SERVICES
from hub.staff import Principal
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store

HOURS = "Mon-Sat 10:00-19:00"
# The fake clock starts on Wednesday 2026-11-25 10:00 UTC (11:00 in Paris).
TOMORROW_10 = "2026-11-26T10:00:00+01:00"
TOMORROW_11 = "2026-11-26T11:00:00+01:00"


@pytest.fixture
async def client(aiohttp_client: Any, database_url: str, clock: FakeClock) -> TestClient:
    settings = make_settings(
        database_url,
        public_url="http://127.0.0.1:8080",
        anonymous_per_minute=10_000.0,
        anonymous_burst=1000,
        video_url_template="https://video.example.com/r/{room}",
    )
    return await aiohttp_client(create_app(settings, clock=clock))


@pytest.fixture
def db(client: TestClient) -> Database:
    return client.app[SERVICES].db


@pytest.fixture
async def ambassadors(db: Database, clock: FakeClock) -> list[Principal]:
    await make_store(db, clock(), hours=HOURS)
    return [await make_staff(db, clock(), name=name) for name in ("Amélie", "Basile")]


async def slots(client: TestClient, **query: str) -> list[dict[str, Any]]:
    params = {"store": "PARIS01", "type": "in-store", "from": "2026-11-26", "to": "2026-11-26"}
    response = await client.get("/api/availability", params={**params, **query})
    assert response.status == 200, await response.text()
    return list((await response.json())["slots"])


async def book(client: TestClient, start: str = TOMORROW_10, **extra: Any) -> Any:
    body = {
        "store": "PARIS01",
        "type": "in-store",
        "start": start,
        "customer": {"name": "Anne Martin", "email": "anne@example.com"},
        **extra,
    }
    return await client.post("/api/appointments", json=body)


async def chat(client: TestClient, text: str = "Bonjour") -> tuple[Stored, str]:
    """A web shopper's first message: their conversation and their visitor token."""
    hub = client.app[SERVICES]
    token = (await (await client.post("/api/visitors")).json())["visitor_token"]
    visitor_id = hub.tokens.verify(token)
    stored = await hub.inbox.receive(
        Inbound(
            channel="webchat",
            contact=visitor_id,
            identity_kind="visitor",
            identity_value=visitor_id,
            dedupe_key=f"webchat:{visitor_id}:1",
            text=text,
            received_at=hub.clock(),
            store_code="PARIS01",
        )
    )
    return stored, token


async def test_stores_list_their_appointment_types(client: TestClient, ambassadors: Any) -> None:
    response = await client.get("/api/stores")
    (store,) = await response.json()
    assert store["code"] == "PARIS01" and store["timezone"] == "Europe/Paris"
    kinds = {t["code"]: (t["kind"], t["duration_minutes"]) for t in store["appointment_types"]}
    assert kinds == {"virtual": ("virtual", 30), "in-store": ("in_store", 60)}


async def test_slots_are_in_the_store_zone_inside_opening_hours(
    client: TestClient, ambassadors: Any
) -> None:
    found = await slots(client)
    assert found[0] == {
        "start": "2026-11-26T10:00:00+01:00",
        "end": "2026-11-26T11:00:00+01:00",
        "available": 2,
    }
    # The last hour-long appointment starts an hour before closing, every 15 minutes.
    assert found[-1]["start"] == "2026-11-26T18:00:00+01:00"
    assert len(found) == 33
    # Today: two hours' notice from 11:00 means nothing before 13:00.
    today = await slots(client, **{"from": "2026-11-25", "to": "2026-11-25"})
    assert today[0]["start"] == "2026-11-25T13:00:00+01:00"
    # Sunday: closed.
    assert await slots(client, **{"from": "2026-11-29", "to": "2026-11-29"}) == []


async def test_booking_takes_one_ambassador_and_the_next_gets_409(
    client: TestClient, ambassadors: list[Principal], db: Database
) -> None:
    first = await book(client)
    assert first.status == 201, await first.text()
    body = await first.json()
    assert body["start"] == TOMORROW_10 and body["end"] == "2026-11-26T11:00:00+01:00"
    assert len(body["manage_token"]) >= 43 and body["manage_url"].endswith(body["manage_token"])
    assert "#manage=" in body["manage_url"]
    assert body["address"] is None and body["video_url"] is None
    assert (await slots(client))[0]["available"] == 1
    second = await book(client)
    assert second.status == 201
    third = await book(client)
    assert third.status == 409
    assert (await third.json())["error"]["code"] == "slot_taken"
    async with db.reading() as session:
        rows = (await session.scalars(select(Appointment))).all()
    assert sorted(r.ambassador_id for r in rows) == sorted(a.id for a in ambassadors)


async def test_bad_input_is_refused_clearly(client: TestClient, ambassadors: Any) -> None:
    cases = [
        ({"start": "2026-11-26T10:00:00"}, "start"),  # no offset
        ({"start": "2026-11-29T10:00:00+01:00"}, "start"),  # closed on Sunday
        ({"customer": {"name": "A", "email": "nope"}}, "customer.email"),
        ({"customer": {"name": "A"}}, "customer.email"),
        ({"remind_by": "pigeon"}, "remind_by"),
    ]
    for extra, field in cases:
        response = await book(client, **extra)
        assert response.status == 400, extra
        assert (await response.json())["error"]["field"] == field
    unknown = await client.get("/api/availability", params={"store": "NOPE01", "type": "x"})
    assert unknown.status == 404
    assert (await unknown.json())["error"]["code"] == "unknown_store"


async def test_a_hold_keeps_the_slot_until_it_expires(
    client: TestClient, ambassadors: Any, clock: FakeClock
) -> None:
    one = await client.post(
        "/api/holds", json={"store": "PARIS01", "type": "in-store", "start": TOMORROW_10}
    )
    two = await client.post(
        "/api/holds", json={"store": "PARIS01", "type": "in-store", "start": TOMORROW_10}
    )
    assert one.status == two.status == 201
    assert (await slots(client))[0]["start"] != TOMORROW_10  # both ambassadors held
    third = await client.post(
        "/api/holds", json={"store": "PARIS01", "type": "in-store", "start": TOMORROW_10}
    )
    assert third.status == 409
    hold = await one.json()
    booked = await book(client, hold_id=hold["hold_id"], hold_token=hold["hold_token"])
    assert booked.status == 201
    clock.advance(minutes=11)  # the second hold lapses
    assert (await slots(client))[0] == {
        "start": TOMORROW_10,
        "end": "2026-11-26T11:00:00+01:00",
        "available": 1,
    }
    assert (await book(client)).status == 201


async def test_manage_link_shows_moves_and_cancels_with_calendar_updates(
    client: TestClient, ambassadors: Any, clock: FakeClock, db: Database
) -> None:
    booked = await (await book(client, remind_by="email", consent_reminders=True)).json()
    auth = {"Authorization": f"Bearer {booked['manage_token']}"}
    path = f"/api/appointments/{booked['id']}"
    assert (await client.get(path)).status == 404
    assert (await client.get(path, headers={"Authorization": "Bearer wrong"})).status == 404
    seen = await (await client.get(path, headers=auth)).json()
    assert seen["can_change"] is True and seen["type"]["code"] == "in-store"

    ics = await client.get(f"/appointments/{booked['id']}.ics", params={"token": "x"})
    assert ics.status == 404
    ics = await client.get(
        f"/appointments/{booked['id']}.ics", params={"token": booked["manage_token"]}
    )
    text = await ics.text()
    assert ics.content_type == "text/calendar"
    assert "METHOD:REQUEST" in text and "SEQUENCE:0" in text
    assert "DTSTART:20261126T090000Z" in text and f"UID:{booked['id']}@127.0.0.1" in text

    async with db.reading() as session:
        due = sorted(r.due_at for r in await session.scalars(select(Reminder)))
    # 24 h before has already passed; 1 h before is ahead.
    assert due == [datetime(2026, 11, 26, 8, 0, tzinfo=UTC)]

    moved = await client.post(f"{path}/reschedule", json={"start": TOMORROW_11}, headers=auth)
    assert moved.status == 200, await moved.text()
    assert (await moved.json())["start"] == TOMORROW_11
    text = await (await client.get(f"/appointments/{booked['id']}.ics", headers=auth)).text()
    assert "SEQUENCE:1" in text and "DTSTART:20261126T100000Z" in text
    async with db.reading() as session:
        due = [r.due_at for r in await session.scalars(select(Reminder))]
    assert due == [datetime(2026, 11, 26, 9, 0, tzinfo=UTC)]  # the 24 h one is already past

    cancelled = await client.post(f"{path}/cancel", headers=auth)
    assert (await cancelled.json())["status"] == "cancelled"
    text = await (await client.get(f"/appointments/{booked['id']}.ics", headers=auth)).text()
    assert "METHOD:CANCEL" in text and "SEQUENCE:2" in text and "STATUS:CANCELLED" in text
    async with db.reading() as session:
        assert (await session.scalars(select(Reminder))).all() == []
    again = await client.post(f"{path}/cancel", headers=auth)
    assert again.status == 409
    assert (await slots(client))[0]["available"] == 2


async def test_a_passed_appointment_can_no_longer_be_changed(
    client: TestClient, ambassadors: Any, clock: FakeClock
) -> None:
    booked = await (await book(client)).json()
    auth = {"Authorization": f"Bearer {booked['manage_token']}"}
    clock.now = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    response = await client.post(f"/api/appointments/{booked['id']}/cancel", headers=auth)
    assert response.status == 410
    assert (await response.json())["error"]["code"] == "appointment_passed"


async def test_virtual_appointments_get_an_unguessable_video_room(
    client: TestClient, ambassadors: Any
) -> None:
    rooms = set()
    for start in (TOMORROW_10, TOMORROW_11):
        response = await book(client, type="virtual", start=start)
        url = (await response.json())["video_url"]
        assert url.startswith("https://video.example.com/r/") and len(url) > 45
        rooms.add(url)
    assert len(rooms) == 2


async def test_a_conversation_is_linked_only_with_its_visitor_token(
    client: TestClient, ambassadors: Any, db: Database
) -> None:
    stored, token = await chat(client, "Could I come in tomorrow?")
    visitor = {"visitor_token": token}
    conversation = stored.conversation
    stranger = await (await client.post("/api/visitors")).json()
    refused = await book(
        client, conversation_id=conversation.id, visitor_token=stranger["visitor_token"]
    )
    assert refused.status == 404
    linked = await book(
        client,
        conversation_id=conversation.id,
        visitor_token=visitor["visitor_token"],
        customer=None,
    )
    assert linked.status == 201, await linked.text()
    async with db.reading() as session:
        row = await session.get(Appointment, (await linked.json())["id"])
        assert row is not None
        assert row.conversation_id == conversation.id
        assert row.customer_id == conversation.customer_id


async def test_200_concurrent_bookings_of_one_slot_give_exactly_one_201(
    client: TestClient, ambassadors: list[Principal]
) -> None:
    ambassador = ambassadors[0].id
    responses = await asyncio.gather(*(book(client, ambassador=ambassador) for _ in range(200)))
    statuses = Counter(response.status for response in responses)
    assert statuses == {201: 1, 409: 199}
    codes = {(await r.json())["error"]["code"] for r in responses if r.status == 409}
    assert codes == {"slot_taken"}


async def staff_headers(client: TestClient, who: Principal) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"email": who.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def test_calendars_follow_stores_and_roles(
    client: TestClient, ambassadors: list[Principal], db: Database, clock: FakeClock
) -> None:
    mine = await (await book(client, ambassador=ambassadors[0].id)).json()
    await book(client, ambassador=ambassadors[1].id)
    manager = await make_staff(db, clock(), role="manager")
    await make_store(db, clock(), "LONDON1", timezone="Europe/London", country="GB")
    stranger = await make_staff(db, clock(), "LONDON1", role="manager")
    window = {"from": "2026-11-26T00:00:00+01:00", "to": "2026-11-27T00:00:00+01:00"}

    async def seen(who: Principal) -> list[str]:
        response = await client.get(
            "/api/calendar", params=window, headers=await staff_headers(client, who)
        )
        assert response.status == 200, await response.text()
        return [a["ambassador"]["name"] for a in (await response.json())["appointments"]]

    assert await seen(ambassadors[0]) == ["Amélie"]
    assert sorted(await seen(manager)) == ["Amélie", "Basile"]
    assert await seen(stranger) == []

    headers = await staff_headers(client, ambassadors[0])
    outcome = f"/api/appointments/{mine['id']}/outcome"
    early = await client.post(outcome, json={"status": "completed"}, headers=headers)
    assert early.status == 409
    other = await staff_headers(client, ambassadors[1])
    assert (await client.post(outcome, json={"status": "no_show"}, headers=other)).status == 404
    clock.now = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    headers = await staff_headers(client, ambassadors[0])  # the next day's sign-in
    done = await client.post(outcome, json={"status": "completed"}, headers=headers)
    assert done.status == 200 and (await done.json())["status"] == "completed"

    # The customer's profile lists it too.
    customer_id = (await done.json())["customer_id"]
    profile = await (await client.get(f"/api/customers/{customer_id}", headers=headers)).json()
    assert [a["id"] for a in profile["appointments"]] == [mine["id"]]


async def test_a_proposal_in_the_chat_books_in_one_click(
    client: TestClient, ambassadors: list[Principal], db: Database, clock: FakeClock
) -> None:
    stored, token = await chat(client, "Could I see the Étoile ring?")
    visitor = {"visitor_token": token}
    manager = await make_staff(db, clock(), role="manager")
    headers = await staff_headers(client, manager)
    path = f"/api/conversations/{stored.conversation.id}/proposals"
    body = {"client_id": "p-1", "type": "in-store", "starts": [TOMORROW_11, TOMORROW_10]}
    response = await client.post(path, json=body, headers=headers)
    assert response.status == 201, await response.text()
    message = await response.json()
    proposal = message["data"]["proposal"]
    assert [s["start"] for s in proposal["slots"]] == [TOMORROW_10, TOMORROW_11]
    # Nothing named a language: the store's first one (fr), with the time on its clock.
    assert "jeudi 26 novembre 2026, 10:00" in message["text"]
    assert "heure de Paris" in message["text"]
    assert proposal["book_url"].startswith("http://127.0.0.1:8080/book?store=PARIS01")

    booked = await book(
        client,
        start=proposal["slots"][0]["start"],
        conversation_id=stored.conversation.id,
        visitor_token=visitor["visitor_token"],
        customer=None,
    )
    assert booked.status == 201
    # Everyone who takes appointments (the manager too) busy at 10:00: refused.
    assert [(await book(client)).status for _ in range(2)] == [201, 201]
    again = await client.post(
        path, json={**body, "client_id": "p-2", "starts": [TOMORROW_10]}, headers=headers
    )
    assert again.status == 409
    outsider = await make_staff(db, clock(), "PARIS01")
    refused = await client.post(
        path, json={**body, "client_id": "p-3"}, headers=await staff_headers(client, outsider)
    )
    assert refused.status == 403  # not assigned to them


async def test_a_booking_from_a_chat_goes_to_that_chats_ambassador_when_free(
    client: TestClient, ambassadors: list[Principal], db: Database, clock: FakeClock
) -> None:
    # The one the store would not pick by itself (ties go to the smallest id).
    theirs = max(ambassadors, key=lambda a: a.id)
    tokens = []
    for _ in range(2):
        stored, token = await chat(client)
        async with db.transaction() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == stored.conversation.id)
                .values(assigned_staff_id=theirs.id, status="assigned")
            )
        tokens.append((stored.conversation.id, token))
    chosen = []
    for conversation_id, token in tokens:
        response = await book(
            client, conversation_id=conversation_id, visitor_token=token, customer=None
        )
        assert response.status == 201
        async with db.reading() as session:
            row = await session.get(Appointment, (await response.json())["id"])
            assert row is not None
            chosen.append(row.ambassador_id)
    # Their ambassador when free; a colleague once they are taken at that time.
    assert chosen == [theirs.id, min(ambassadors, key=lambda a: a.id).id]
