"""A callback end to end over socket.io: asked for a window on the shop page, offered to
the ambassador when the window opens (on a fake clock), not answered, tried again, and
reached. The hub is the real app on a real port; the ambassador is a socket.io client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hub.app import create_app
from hub.db.jobs_models import MailOutbox
from hub.db.models import Conversation, Message
from hub.jobs.runner import InProcessRunner, run_due_together
from hub.services import SERVICES, Services
from tests.conftest import FakeClock, make_settings
from tests.e2e.conftest import Client, free_port
from tests.factories import PASSWORD, make_staff, make_store

# A Wednesday morning in Paris (UTC+1): the shopper asks for 18:00 to 19:00 local.
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WINDOW = {"start": "2026-11-25T18:00", "end": "2026-11-25T19:00", "timezone": "Europe/Paris"}


class Hub:
    def __init__(self, server: TestServer, clock: FakeClock, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.clock = clock
        self.http = http
        self.base = f"http://127.0.0.1:{server.port}"

    @property
    def services(self) -> Services:
        return self.server.app[SERVICES]

    async def settle(self) -> None:
        spool, jobs = self.services.spool, self.services.jobs
        assert isinstance(spool, InProcessRunner) and isinstance(jobs, InProcessRunner)
        await run_due_together(spool, jobs)

    async def post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.post(f"{self.base}{path}", json=body, headers=headers) as response:
            return response.status, await response.json()

    async def ambassador(self) -> tuple[Client, str]:
        status, body = await self.post(
            "/api/auth/login", {"email": "amelie@test.concierge", "password": PASSWORD}
        )
        assert status == 200, body
        client = Client("/console")
        await client.connect(self.base, {"token": body["token"]})
        assert await client.call("presence", {"status": "available"}) == {"status": "available"}
        return client, str(body["token"])


@pytest.fixture
async def hub(database_url: str, aiohttp_server: Any) -> AsyncIterator[Hub]:
    port = free_port()
    settings = make_settings(
        database_url, public_url=f"http://127.0.0.1:{port}", callback_retry_minutes=30.0
    )
    clock = FakeClock(START)
    server: TestServer = await aiohttp_server(create_app(settings, clock=clock), port=port)
    db = server.app[SERVICES].db
    await make_store(db, clock())  # PARIS01, open every day in the store's default hours
    await make_staff(db, clock(), name="Amélie Laurent", email="amelie@test.concierge")
    async with aiohttp.ClientSession() as http:
        yield Hub(server, clock, http)


async def _timeline(hub: Hub, conversation_id: str) -> list[Message]:
    async with hub.services.db.reading() as session:
        return list(
            await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.seq)
            )
        )


async def test_a_callback_is_offered_at_its_time_tried_again_and_reached(hub: Hub) -> None:
    console, token = await hub.ambassador()
    status, requested = await hub.post(
        "/api/callbacks",
        {
            "name": "Anna Schmidt",
            "phone": "06 12 34 56 78",
            "email": "anna@example.com",
            "store": "PARIS01",
            "preferred_time": WINDOW,
            "topic": "Resizing my Serpent ring",
            "consent": True,
            "client_id": "form-1",
        },
    )
    assert status == 201, requested
    assert requested["status"] == "scheduled"
    assert requested["due_at"] == "2026-11-25T17:00:00Z"  # 18:00 in Paris
    conversation_id = requested["conversation_id"]

    # The same form sent twice is one request.
    again_status, again = await hub.post(
        "/api/callbacks",
        {
            "name": "Anna Schmidt",
            "phone": "06 12 34 56 78",
            "store": "PARIS01",
            "preferred_time": WINDOW,
            "consent": True,
            "client_id": "form-1",
        },
    )
    assert (again_status, again["callback_id"]) == (200, requested["callback_id"])

    # Before its time nobody is offered it, though the ambassador is free.
    await hub.settle()
    assert console.pending("offer") == 0

    hub.clock.advance(hours=8)  # 17:00 UTC, 18:00 in Paris
    await hub.settle()
    offer = await console.next("offer")
    assert offer["conversation"]["id"] == conversation_id
    assert offer["conversation"]["channel"] == "voice"
    card = offer["voice"]["callback"]
    assert (card["phone"], card["topic"], card["attempts"]) == (
        "+33612345678",
        "Resizing my Serpent ring",
        0,
    )
    assert (await console.call("accept", {"offer_id": offer["offer_id"]}))["conversation"]

    status, outcome = await hub.post(
        f"/api/conversations/{conversation_id}/callback-outcome",
        {"outcome": "no_answer", "note": "Voicemail box full"},
        token,
    )
    assert status == 200, outcome
    assert outcome["callback"]["status"] == "scheduled"
    assert outcome["callback"]["attempts"] == 1
    assert outcome["conversation"]["status"] == "scheduled"
    rescheduled = await console.next("callback_rescheduled")
    assert rescheduled["conversation_id"] == conversation_id
    assert rescheduled["callback"]["due_at"] == "2026-11-25T17:30:00Z"

    # The shopper hears of the missed call by the e-mail she gave.
    async with hub.services.db.reading() as session:
        mails = list(await session.scalars(select(MailOutbox)))
    assert [m.to_address for m in mails] == ["anna@example.com"]
    text = message_from_bytes(mails[0].message, policy=default).get_body().get_content()
    # In PARIS01's first language (the form named none), at the time on her clock.
    assert "Nous essaierons à nouveau le mercredi 25 novembre 2026, 18:30." in text

    # The ambassador is free again at once: the call no longer takes her capacity.
    hub.clock.advance(minutes=29)
    await hub.settle()
    assert console.pending("offer") == 0
    hub.clock.advance(minutes=1)
    await hub.settle()
    second = await console.next("offer")
    assert second["conversation"]["id"] == conversation_id
    assert second["voice"]["callback"]["attempts"] == 1
    await console.call("accept", {"offer_id": second["offer_id"]})
    status, outcome = await hub.post(
        f"/api/conversations/{conversation_id}/callback-outcome", {"outcome": "reached"}, token
    )
    assert status == 200, outcome
    assert (outcome["callback"]["status"], outcome["callback"]["attempts"]) == ("reached", 2)
    assert outcome["conversation"]["status"] == "assigned"  # notes and a proposal may follow

    texts = [m.text for m in await _timeline(hub, conversation_id)]
    assert texts[0] == "Resizing my Serpent ring"
    assert any("no answer (try 1 of 3)" in t and "Voicemail box full" in t for t in texts)
    assert texts[-1] == "Call by Amélie Laurent: reached the client (try 2 of 3)."

    # Another try cannot be recorded once it is done.
    status, refused = await hub.post(
        f"/api/conversations/{conversation_id}/callback-outcome", {"outcome": "reached"}, token
    )
    assert (status, refused["error"]["code"]) == (409, "no_callback")
    await console.close()


async def test_the_last_unanswered_try_closes_the_callback(hub: Hub) -> None:
    console, token = await hub.ambassador()
    status, requested = await hub.post(
        "/api/callbacks",
        {"name": "Li Wei", "phone": "+33612345678", "store": "PARIS01", "consent": True},
    )
    assert (status, requested["status"]) == (201, "queued")  # as soon as possible
    conversation_id = requested["conversation_id"]
    for attempt in range(1, 4):
        await hub.settle()
        offer = await console.next("offer")
        await console.call("accept", {"offer_id": offer["offer_id"]})
        status, outcome = await hub.post(
            f"/api/conversations/{conversation_id}/callback-outcome",
            {"outcome": "no_answer"},
            token,
        )
        assert status == 200
        assert outcome["callback"]["attempts"] == attempt
        hub.clock.advance(minutes=30)
    assert outcome["callback"]["status"] == "unreachable"
    assert outcome["conversation"]["status"] == "closed"
    assert (await console.next("closed"))["conversation_id"] == conversation_id
    await console.close()


async def test_a_wrong_number_closes_the_callback(hub: Hub) -> None:
    console, token = await hub.ambassador()
    _status, requested = await hub.post(
        "/api/callbacks",
        {"name": "Li Wei", "phone": "+33612345678", "store": "PARIS01", "consent": True},
    )
    await hub.settle()
    offer = await console.next("offer")
    await console.call("accept", {"offer_id": offer["offer_id"]})
    status, outcome = await hub.post(
        f"/api/conversations/{requested['conversation_id']}/callback-outcome",
        {"outcome": "wrong_number"},
        token,
    )
    assert status == 200
    assert (outcome["callback"]["status"], outcome["conversation"]["status"]) == (
        "wrong_number",
        "closed",
    )
    async with hub.services.db.reading() as session:
        conversation = await session.get(Conversation, requested["conversation_id"])
    assert conversation is not None and conversation.status == "closed"
    await console.close()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "phone": "12", "consent": True}, "phone"),
        ({"name": "A", "phone": "+33612345678"}, "consent"),
        ({"name": "A", "consent": True}, "phone"),
        (
            {
                "name": "A",
                "phone": "+33612345678",
                "consent": True,
                "preferred_time": {"start": "2026-11-24T10:00", "end": "2026-11-24T11:00"},
            },
            "preferred_time.end",
        ),
        (
            {
                "name": "A",
                "phone": "+33612345678",
                "consent": True,
                "preferred_time": {"start": "2026-11-25T18:00", "end": "2026-11-25T18:05"},
            },
            "preferred_time.end",
        ),
        (
            {
                "name": "A",
                "phone": "+33612345678",
                "consent": True,
                "preferred_time": {"start": "tonight", "end": "2026-11-25T19:00"},
            },
            "preferred_time.start",
        ),
        (
            {
                "name": "A",
                "phone": "+33612345678",
                "consent": True,
                "preferred_time": {**WINDOW, "timezone": "Mars/Olympus"},
            },
            "preferred_time.timezone",
        ),
        ({"name": "A", "phone": "+33612345678", "consent": True, "extra": 1}, "body"),
    ],
)
async def test_a_bad_request_names_its_field_and_stores_nothing(
    hub: Hub, body: dict[str, Any], field: str
) -> None:
    status, answer = await hub.post("/api/callbacks", body)
    assert status == 400, answer
    assert answer["error"]["field"] == field
    async with hub.services.db.reading() as session:
        assert list(await session.scalars(select(Conversation))) == []


async def test_callbacks_are_rate_limited_per_number(hub: Hub) -> None:
    body = {"name": "A", "phone": "+33612345678", "store": "PARIS01", "consent": True}
    statuses = [(await hub.post("/api/callbacks", body))[0] for _ in range(5)]
    assert statuses[0] == 201
    assert 429 in statuses


async def test_a_callback_from_the_widget_joins_the_shoppers_own_profile(hub: Hub) -> None:
    async with hub.http.post(f"{hub.base}/api/visitors") as response:
        token = (await response.json())["visitor_token"]
    shopper = Client("/shopper")
    await shopper.connect(hub.base, {"visitor_token": token, "store": "PARIS01"})
    ack = await shopper.call("message", {"client_id": "m1", "text": "Is the Serpent in stock?"})
    status, requested = await hub.post(
        "/api/callbacks",
        {
            "name": "Anna",
            "phone": "+33612345678",
            "store": "PARIS01",
            "consent": True,
            "visitor_token": token,
        },
    )
    assert status == 201, requested
    async with hub.services.db.reading() as session:
        chat = await session.get(Conversation, ack["conversation_id"])
        call = await session.get(Conversation, requested["conversation_id"])
    assert chat is not None and call is not None
    assert call.channel == "voice" and call.customer_id == chat.customer_id
    status, refused = await hub.post(
        "/api/callbacks",
        {"name": "A", "phone": "+33612345678", "consent": True, "visitor_token": "forged"},
    )
    assert (status, refused["error"]["field"]) == (400, "visitor_token")
    await shopper.close()
