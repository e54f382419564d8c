"""Persist-first messaging on SQLite and PostgreSQL: dedupe, gapless seq, access checks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, text

from hub.db.engine import Database
from hub.db.models import AuditEntry, Conversation, CustomerIdentity, Message
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.inbox import Inbox
from hub.messages import Inbound
from hub.routing_repository import SqlRoutingRepository
from hub.tasks import BackgroundTasks
from tests.conftest import FakeClock
from tests.factories import make_staff, make_store


@dataclass
class Events:
    messages: list[tuple[str, int]] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    async def message_added(self, conversation, message, origin) -> None:  # type: ignore[no-untyped-def]
        self.messages.append((conversation.id, message.seq))

    async def conversation_closed(self, conversation) -> None:  # type: ignore[no-untyped-def]
        self.closed.append(conversation.id)


class Router:
    """Records what the inbox asks of routing."""

    def __init__(self) -> None:
        self.enqueued: list[str] = []
        self.freed: list[tuple[str, str]] = []
        self.withdrawn: list[str] = []
        self.handling: list[float] = []

    async def enqueue(self, ticket) -> None:  # type: ignore[no-untyped-def]
        self.enqueued.append(ticket.conversation_id)

    async def finished(self, ambassador_id: str, channel: str) -> None:
        self.freed.append((ambassador_id, channel))

    async def dropped(self, conversation_id: str) -> None:
        self.withdrawn.append(conversation_id)

    def record_handling(self, seconds: float) -> None:
        self.handling.append(seconds)


@pytest.fixture
async def inbox(db: Database, clock: FakeClock) -> Inbox:
    await make_store(db, clock())
    await make_store(db, clock(), "LONDON01", languages="en", timezone="Europe/London")
    return Inbox(db, clock=clock, events=Events(), routing=Router(), tasks=BackgroundTasks())


def inbound(
    text: str = "Hello", *, visitor: str = "v" * 32, key: str = "c1", store: str | None = "PARIS01"
) -> Inbound:
    from datetime import UTC, datetime

    return Inbound(
        channel="webchat",
        contact=visitor,
        identity_kind="visitor",
        identity_value=visitor,
        dedupe_key=f"webchat:{visitor}:{key}",
        text=text,
        received_at=datetime.now(UTC),
        store_code=store,
    )


async def count(db: Database, model) -> int:  # type: ignore[no-untyped-def]
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_first_message_opens_a_queued_conversation_linked_to_a_visitor_customer(
    inbox: Inbox, db: Database
) -> None:
    first = await inbox.receive(inbound(key="a"))
    second = await inbox.receive(inbound("Do you resize rings?", key="b"))
    assert first.opened and not second.opened
    assert first.conversation.id == second.conversation.id
    assert (first.message.seq, second.message.seq) == (1, 2)
    assert first.conversation.status == "queued"
    async with db.reading() as session:
        identity = await session.scalar(select(CustomerIdentity))
    assert identity is not None and identity.kind == "visitor"
    assert identity.customer_id == first.conversation.customer_id
    assert inbox.events.messages == [(first.conversation.id, 1), (first.conversation.id, 2)]  # type: ignore[attr-defined]


async def test_a_repeated_client_id_stores_one_message_and_returns_the_same_id(
    inbox: Inbox, db: Database
) -> None:
    first = await inbox.receive(inbound(key="same"))
    again = await inbox.receive(inbound(key="same"))
    assert again.duplicate and again.message.id == first.message.id
    assert await count(db, Message) == 1


async def test_concurrent_duplicates_store_exactly_once(inbox: Inbox, db: Database) -> None:
    await inbox.receive(inbound(key="warm-up"))
    results = await asyncio.gather(*(inbox.receive(inbound(key="burst")) for _ in range(8)))
    assert len({r.message.id for r in results}) == 1
    assert await count(db, Message) == 2


async def test_concurrent_messages_get_gapless_sequence_numbers(inbox: Inbox, db: Database) -> None:
    await inbox.receive(inbound(key="open"))
    await asyncio.gather(*(inbox.receive(inbound(f"m{i}", key=f"k{i}")) for i in range(20)))
    async with db.reading() as session:
        seqs = sorted((await session.scalars(select(Message.seq))).all())
        conversation = await session.scalar(select(Conversation))
    assert seqs == list(range(1, 22))
    assert conversation is not None and conversation.last_seq == 21


@pytest.mark.parametrize("bad", ["", "   \n\t", "x" * 10_001])
async def test_empty_or_oversized_text_is_refused_and_nothing_is_stored(
    inbox: Inbox, db: Database, bad: str
) -> None:
    with pytest.raises(InvalidInput):
        await inbox.receive(inbound(bad))
    assert await count(db, Message) == 0
    assert await count(db, Conversation) == 0


async def test_unknown_store_is_refused_without_writing(inbox: Inbox, db: Database) -> None:
    with pytest.raises(InvalidInput, match="NOPE"):
        await inbox.receive(inbound(store="NOPE"))
    assert await count(db, Conversation) == 0


async def _assigned(db: Database, clock: FakeClock, inbox: Inbox, staff_id: str) -> str:
    stored = await inbox.receive(inbound(key="open"))
    repo = SqlRoutingRepository(db)
    (ticket,) = [
        t for t in await repo.queued_tickets() if t.conversation_id == stored.conversation.id
    ]
    offer = await repo.open_offer(ticket, staff_id, clock(), clock().replace(year=2030))
    assert offer is not None
    await repo.accept(offer.id, staff_id, clock())
    return stored.conversation.id


async def test_only_the_assigned_ambassador_replies_and_other_stores_see_nothing(
    inbox: Inbox, db: Database, clock: FakeClock
) -> None:
    amelie = await make_staff(db, clock())
    hugo = await make_staff(db, clock())
    london = await make_staff(db, clock(), "LONDON01")
    conversation_id = await _assigned(db, clock, inbox, amelie.id)

    reply = await inbox.reply(amelie, conversation_id, "r1", "Bonjour !")
    assert reply.message.seq == 2 and reply.message.author_name == amelie.name
    again = await inbox.reply(amelie, conversation_id, "r1", "Bonjour !")
    assert again.duplicate and again.message.id == reply.message.id

    with pytest.raises(Forbidden):
        await inbox.reply(hugo, conversation_id, "r2", "Hi")
    with pytest.raises(NotFound):
        await inbox.reply(london, conversation_id, "r3", "Hi")
    with pytest.raises(NotFound):
        await inbox.reply(amelie, "00000000-0000-0000-0000-000000000000", "r4", "Hi")
    assert await count(db, Message) == 2


async def test_a_closed_conversation_takes_no_replies_and_the_next_message_opens_a_new_one(
    inbox: Inbox, db: Database, clock: FakeClock
) -> None:
    amelie = await make_staff(db, clock())
    conversation_id = await _assigned(db, clock, inbox, amelie.id)
    closed = await inbox.close(amelie, conversation_id)
    assert closed.status == "closed"
    assert inbox.routing.freed == [(amelie.id, "webchat")]  # type: ignore[attr-defined]
    with pytest.raises(Conflict):
        await inbox.reply(amelie, conversation_id, "late", "Still there?")
    fresh = await inbox.receive(inbound("Back again", key="later"))
    assert fresh.opened and fresh.conversation.id != conversation_id and fresh.message.seq == 1


async def test_the_audit_log_refuses_updates_and_deletes(db: Database, clock: FakeClock) -> None:
    await make_store(db, clock())
    assert await count(db, AuditEntry) == 1
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            async with db.transaction() as session:
                await session.execute(text(statement))
    assert await count(db, AuditEntry) == 1


async def test_two_first_messages_at_once_make_one_customer_and_one_conversation(
    inbox: Inbox, db: Database
) -> None:
    from hub.db.models import Customer

    results = await asyncio.gather(
        inbox.receive(inbound("Hello", key="first")),
        inbox.receive(inbound("Anyone?", key="second")),
    )
    assert results[0].conversation.id == results[1].conversation.id
    assert sorted(r.message.seq for r in results) == [1, 2]
    assert await count(db, Customer) == 1


async def test_a_typed_email_is_a_claim_and_never_links_to_someone_else(
    inbox: Inbox, db: Database
) -> None:
    from dataclasses import replace

    from hub.db.models import Customer
    from hub.profiles.identity import Identity

    ada = replace(inbound(visitor="a" * 32), claimed=(Identity("email", "ada@example.com"),))
    first = await inbox.receive(ada)
    impostor = replace(
        inbound(visitor="b" * 32, key="x"), claimed=(Identity("email", "ada@example.com"),)
    )
    second = await inbox.receive(impostor)
    assert first.conversation.customer_id != second.conversation.customer_id
    assert await count(db, Customer) == 2
    async with db.reading() as session:
        claims = (
            await session.scalars(select(CustomerIdentity).where(CustomerIdentity.kind == "email"))
        ).all()
    assert len(claims) == 2 and not any(c.verified for c in claims)


async def test_a_message_proving_two_profiles_are_one_person_merges_them(
    inbox: Inbox, db: Database
) -> None:
    from dataclasses import replace

    from hub.db.models import Customer
    from hub.profiles.identity import Identity

    first = await inbox.receive(inbound(visitor="a" * 32, key="a"))
    second = await inbox.receive(
        replace(inbound(visitor="b" * 32, key="b"), proven=(Identity("external", "crm-7"),))
    )
    assert first.conversation.customer_id != second.conversation.customer_id
    both = replace(
        inbound(visitor="c" * 32, key="c"),
        identity_kind="visitor",
        identity_value="a" * 32,
        proven=(Identity("external", "crm-7"),),
    )
    await inbox.receive(both)
    async with db.reading() as session:
        older = await session.get(Customer, first.conversation.customer_id)
        newer = await session.get(Customer, second.conversation.customer_id)
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert older is not None and newer is not None
    survivor, absorbed = (older, newer) if newer.merged_into_id else (newer, older)
    assert absorbed.merged_into_id == survivor.id and survivor.merged_into_id is None
    assert "customer.merged" in actions


async def test_merging_keeps_one_verified_copy_of_an_identity_claimed_on_the_survivor(
    inbox: Inbox, db: Database
) -> None:
    """The survivor typed an address the absorbed profile holds proven: one row, verified."""
    from dataclasses import replace

    from hub import customers
    from hub.db.models import Customer
    from hub.profiles.identity import Identity

    claimant = await inbox.receive(
        replace(inbound(visitor="a" * 32, key="a"), claimed=(Identity("email", "ada@example.com"),))
    )
    owner = await inbox.receive(
        replace(inbound(visitor="b" * 32, key="b"), proven=(Identity("email", "ada@example.com"),))
    )
    async with db.transaction() as session:
        keep = await session.get(Customer, claimant.conversation.customer_id)
        other = await session.get(Customer, owner.conversation.customer_id)
        assert keep is not None and other is not None
        await customers.merge_profiles(
            session, ("staff", None), keep, other, "same person", inbox.clock()
        )
    async with db.reading() as session:
        rows = (
            await session.scalars(
                select(CustomerIdentity).where(CustomerIdentity.value == "ada@example.com")
            )
        ).all()
    assert [(r.customer_id, r.verified) for r in rows] == [
        (claimant.conversation.customer_id, True)
    ]
