"""Notes for colleagues on both databases: a conversation note reaches the consoles of the
conversation's store over real sockets and stays out of everything the shopper receives (the
widget's live events and history, the e-mail a reply sends); notes on the customer are read
by colleagues of the store and by nobody else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from adapters.email.mailboxes import add_mailbox
from hub.app import SMTP_LISTENER, create_app
from hub.conversation_notes import add_note
from hub.db.jobs_models import MailOutbox
from hub.db.models import Conversation, Message
from hub.services import SERVICES
from hub.staff import Principal
from tests.conftest import FakeClock, make_settings
from tests.e2e.conftest import Client
from tests.factories import PASSWORD, make_staff, make_store
from tests.fakes.smtp import FakeSmtpServer
from tests.integration.feedback_support import start_feedback_hub
from tests.integration.insights_support import NOW, ask, insights_world
from tests.integration.running_hub import RunningHub

PARIS_MAIL = "paris@maison.example.com"


@pytest.fixture
async def running(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> RunningHub:
    settings = make_settings(
        database_url, smtp_port=0, smtp_relay=smtp.relay, public_url="https://hub.example.com"
    )
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    db = client.app[SERVICES].db
    await make_store(db, clock())
    await make_store(db, clock(), "LONDON01", languages="en", timezone="Europe/London")
    async with db.transaction() as session:
        await add_mailbox(
            session,
            PARIS_MAIL,
            "PARIS01",
            display_name="Maison Paris",
            signature="Maison Paris",
            now=clock(),
            actor=("test", None),
        )
    return RunningHub(client, clock)


async def staff(
    running: RunningHub, name: str, store: str = "PARIS01", role: str = "ambassador"
) -> tuple[Principal, str]:
    email = f"{name.split()[0].lower()}@test.concierge"
    person = await make_staff(
        running.hub.db, running.clock(), store, name=name, email=email, role=role
    )
    response = await running.client.post(
        "/api/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert response.status == 200
    return person, str((await response.json())["token"])


async def connect(running: RunningHub, namespace: str, auth: dict[str, Any]) -> Client:
    client = Client(namespace)
    await client.connect(str(running.client.make_url("/")), auth)
    return client


async def get(running: RunningHub, path: str, token: str) -> tuple[int, Any]:
    response = await running.client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status, await response.json()


async def test_a_conversation_note_reaches_colleagues_and_never_the_shopper(
    running: RunningHub,
) -> None:
    amelie, amelie_token = await staff(running, "Amélie Laurent")
    _, chloe_token = await staff(running, "Chloé Martin")
    _, james_token = await staff(running, "James Whitfield", "LONDON01")
    visitor = (await (await running.client.post("/api/visitors")).json())["visitor_token"]
    shopper = await connect(running, "/shopper", {"visitor_token": visitor, "store": "PARIS01"})
    console = await connect(running, "/console", {"token": amelie_token})
    colleague = await connect(running, "/console", {"token": chloe_token})
    stranger = await connect(running, "/console", {"token": james_token})
    try:
        await console.call("presence", {"status": "available"})
        first = await shopper.call("message", {"client_id": "c-1", "text": "Resize my ring?"})
        conversation_id = first["conversation_id"]
        offer = await console.next("offer")
        await console.call("accept", {"offer_id": offer["offer_id"]})

        note = {
            "conversation_id": conversation_id,
            "about": "conversation",
            "client_id": "n-1",
            "text": "Size 52 in the POS; check the engraving first",
        }
        ack = await console.call("note", note)
        message = ack["message"]
        assert message["author"] == {"kind": "ambassador", "name": "Amélie Laurent"}
        assert message["data"] == {"note": True} and message["seq"] == 2
        assert (await console.call("note", note))["message"]["id"] == message["id"]  # resent

        # A colleague of the store notes too: the assigned ambassador's console hears it.
        ack = await colleague.call(
            "note", {**note, "client_id": "n-2", "text": "She prefers rose gold"}
        )
        heard = await console.next("message")
        assert heard["id"] == ack["message"]["id"] and heard["author"]["name"] == "Chloé Martin"
        refused = await stranger.call("note", {**note, "client_id": "n-3"})
        assert refused["error"]["code"] == "not_found"

        reply = await console.call(
            "reply", {"conversation_id": conversation_id, "client_id": "r-1", "text": "Of course"}
        )
        # The shopper's next live message is the reply: the notes went to nobody there.
        live = await shopper.next("message")
        assert (live["id"], live["text"]) == (reply["id"], "Of course")
        history = await shopper.call("history", {})
        assert [m["text"] for m in history["messages"]] == ["Resize my ring?", "Of course"]
        assert shopper.pending("message") == 0
    finally:
        for client in (shopper, console, colleague, stranger):
            await client.close()

    status, body = await get(running, f"/api/conversations/{conversation_id}", chloe_token)
    assert status == 200
    notes = [m["text"] for m in body["messages"] if m.get("data", {}).get("note")]
    assert notes == ["Size 52 in the POS; check the engraving first", "She prefers rose gold"]
    status, _ = await get(running, f"/api/conversations/{conversation_id}", james_token)
    assert status == 404
    async with running.hub.db.reading() as session:
        stored = await session.scalar(select(Message).where(Message.seq == 2))
    assert stored is not None and stored.direction == "internal"
    assert stored.author_staff_id == amelie.id


async def test_customer_notes_are_read_by_colleagues_of_the_store_only(
    running: RunningHub,
) -> None:
    _, amelie_token = await staff(running, "Amélie Laurent")
    _, chloe_token = await staff(running, "Chloé Martin")
    _, james_token = await staff(running, "James Whitfield", "LONDON01")
    visitor = (await (await running.client.post("/api/visitors")).json())["visitor_token"]
    shopper = await connect(running, "/shopper", {"visitor_token": visitor, "store": "PARIS01"})
    console = await connect(running, "/console", {"token": amelie_token})
    try:
        first = await shopper.call("message", {"client_id": "c-1", "text": "Hello"})
        ack = await console.call(
            "note", {"conversation_id": first["conversation_id"], "text": "Allergic to nickel"}
        )
        assert ack["note"]["text"] == "Allergic to nickel"  # about the customer, by default
        history = await shopper.call("history", {})
        assert [m["text"] for m in history["messages"]] == ["Hello"]
    finally:
        await shopper.close()
        await console.close()
    status, conversation = await get(
        running, f"/api/conversations/{first['conversation_id']}", chloe_token
    )
    customer = conversation["customer"]["id"]
    status, profile = await get(running, f"/api/customers/{customer}", chloe_token)
    assert status == 200
    assert [(n["text"], n["author"]) for n in profile["notes"]] == [
        ("Allergic to nickel", "Amélie Laurent")
    ]
    status, _ = await get(running, f"/api/customers/{customer}", james_token)
    assert status == 404


async def test_a_note_on_an_email_conversation_is_never_mailed(
    running: RunningHub, smtp: FakeSmtpServer
) -> None:
    claire, _ = await staff(running, "Claire Dubois", role="manager")
    hub = running.hub
    first = EmailMessage()
    first["From"] = "Anna Martin <anna@client.example>"
    first["To"] = PARIS_MAIL
    first["Subject"] = "Engagement ring"
    first["Message-ID"] = make_msgid(domain="client.example")
    first.set_content("Do you resize rings?")
    await aiosmtplib.send(
        first,
        hostname="127.0.0.1",
        port=running.client.app[SMTP_LISTENER].port,
        recipients=[PARIS_MAIL],
        sender="anna@client.example",
    )
    await running.settle()
    (conversation,) = await running.conversations()
    conversation_id = conversation.id
    await add_note(hub.db, running.clock, claire, conversation_id, "Anna is a VIP: offer tea")
    # A manager speaks in any conversation of their store.
    await hub.inbox.reply(claire, conversation_id, "r-1", "Yes, in two weeks.")
    await add_note(hub.db, running.clock, claire, conversation_id, "Told her two weeks")
    await running.settle()

    mail = await smtp.next_message()
    assert mail.rcpt_tos == ("anna@client.example",)
    assert "Yes, in two weeks." in mail.text
    assert "VIP" not in mail.text and "Told her" not in mail.text
    assert smtp.pending() == 0
    async with hub.db.reading() as session:
        outbox = await session.scalar(select(func.count()).select_from(MailOutbox))
        notes = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "internal")
        )
    assert (outbox, notes) == (1, 2)


async def test_a_note_is_no_answer_to_the_shopper(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    """Only notes, no reply: nobody served the shopper, so nobody asks them for a rating."""
    feedback = await start_feedback_hub(aiohttp_client, database_url, clock, smtp)
    conversation_id = await feedback.webchat()
    await add_note(feedback.hub.db, clock, feedback.manager, conversation_id, "Call back later")
    await feedback.serve_and_close(conversation_id, reply=False)
    assert await feedback.rows() == []


async def test_a_note_is_not_the_first_response_in_the_managers_figures(
    aiohttp_client: Any, database_url: str, clock: FakeClock
) -> None:
    clock.now = NOW
    client = await aiohttp_client(create_app(make_settings(database_url), clock=clock))
    world = await insights_world(client, NOW)
    at = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)  # in November, which the figures cover
    conversation_id = await world.history.conversation(
        world.stores["PARIS01"], at, messages=[("customer", 0), ("ambassador", 600)]
    )
    async with world.history.db.transaction() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        session.add(
            Message(
                conversation_id=conversation_id,
                seq=3,
                direction="internal",
                channel="webchat",
                author_kind="ambassador",
                text="Looking into it",
                data={"note": True},
                created_at=at + timedelta(seconds=60),
            )
        )
    totals = (await ask(client, world.headers["claire"]))["totals"]
    assert totals["first_response_seconds"]["median"] == 600.0
