"""Group commit of shoppers' messages on SQLite and PostgreSQL: few transactions under a
burst, gapless seq in arrival order, dedupe, and one message's trouble kept to itself."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from hub.db.engine import Database
from hub.db.models import Conversation, Message
from hub.errors import InvalidInput
from hub.inbox import Inbox
from hub.inbox_batch import INDIVIDUAL_METRIC, InboundBatches
from hub.tasks import BackgroundTasks
from tests.conftest import FakeClock
from tests.factories import make_store
from tests.integration.test_inbox import Events, Router, inbound


def make_inbox(db: Database, clock: FakeClock, *, group_commit: bool = True) -> Inbox:
    return Inbox(
        db,
        clock=clock,
        events=Events(),
        routing=Router(),
        tasks=BackgroundTasks(),
        group_commit=group_commit,
    )


@pytest.fixture
async def inbox(db: Database, clock: FakeClock) -> Inbox:
    await make_store(db, clock())
    return make_inbox(db, clock)


def visitor(n: int) -> str:
    return f"{n:032x}"


class Transactions:
    """Committed transactions (reads roll back)."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine.sync_engine, "commit", self._commit)

    def _commit(self, *_: Any) -> None:
        self.count += 1


async def open_conversations(inbox: Inbox, shoppers: int) -> None:
    for n in range(shoppers):
        await inbox.receive(inbound(visitor=visitor(n), key="open"))


async def seqs_by_conversation(db: Database) -> dict[str, list[tuple[int, str]]]:
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(Message.conversation_id, Message.seq, Message.text).order_by(
                    Message.conversation_id, Message.seq
                )
            )
        ).all()
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for conversation_id, seq, body in rows:
        found[conversation_id].append((seq, body))
    return found


async def test_a_burst_into_open_conversations_shares_one_transaction_in_arrival_order(
    inbox: Inbox, db: Database
) -> None:
    await open_conversations(inbox, 10)
    transactions = Transactions(db)
    burst = [
        inbound(f"{n}:{i}", visitor=visitor(n), key=f"k{i}") for i in range(5) for n in range(10)
    ]
    results = await asyncio.gather(*(inbox.receive(m) for m in burst))
    assert transactions.count <= 2
    assert not any(r.duplicate or r.opened for r in results)
    for conversation_id, rows in (await seqs_by_conversation(db)).items():
        assert [seq for seq, _ in rows] == list(range(1, 7)), conversation_id
        texts = [text for _, text in rows[1:]]
        assert [t.split(":")[1] for t in texts] == ["0", "1", "2", "3", "4"]  # arrival order
    async with db.reading() as session:
        last = (await session.scalars(select(Conversation.last_seq))).all()
    assert set(last) == {6}
    # each caller got its own message back, as stored
    assert {(r.message.text, r.message.seq) for r in results} == {
        (f"{n}:{i}", i + 2) for i in range(5) for n in range(10)
    }
    assert all(r.conversation.id == r.message.conversation_id for r in results)
    assert {r.conversation.contact for r in results} == {visitor(n) for n in range(10)}


async def test_first_messages_and_resends_in_a_burst_take_the_individual_way(
    inbox: Inbox, db: Database
) -> None:
    await open_conversations(inbox, 3)
    stored = await inbox.receive(inbound("already here", visitor=visitor(0), key="dup"))
    burst = [
        inbound("again", visitor=visitor(0), key="dup"),  # a resend: answered, not stored
        inbound("new shopper", visitor=visitor(7), key="a"),  # opens a conversation
        inbound("twice", visitor=visitor(1), key="same"),
        inbound("twice", visitor=visitor(1), key="same"),  # the same key within the batch
        inbound("plain", visitor=visitor(2), key="b"),
    ]
    resend, opened, once, again, plain = await asyncio.gather(*(inbox.receive(m) for m in burst))
    assert resend.duplicate and resend.message.id == stored.message.id
    assert opened.opened and opened.message.seq == 1
    assert {once.duplicate, again.duplicate} == {False, True}
    assert once.message.id == again.message.id
    assert not plain.duplicate and plain.message.seq == 2
    assert inbox.metrics.value(INDIVIDUAL_METRIC) >= 3
    for rows in (await seqs_by_conversation(db)).values():
        assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))


async def test_a_key_stored_meanwhile_spends_no_seq_and_fails_nobody(
    inbox: Inbox, db: Database, clock: FakeClock
) -> None:
    await open_conversations(inbox, 2)
    other = make_inbox(db, clock, group_commit=False)  # another process, say
    first = await other.receive(inbound("from the other process", visitor=visitor(0), key="x"))
    burst = [
        inbound("resent here", visitor=visitor(0), key="x"),
        inbound("next", visitor=visitor(0), key="y"),
        inbound("elsewhere", visitor=visitor(1), key="z"),
    ]
    resent, following, elsewhere = await asyncio.gather(*(inbox.receive(m) for m in burst))
    assert resent.duplicate and resent.message.id == first.message.id
    assert following.message.seq == 3 and elsewhere.message.seq == 2
    for rows in (await seqs_by_conversation(db)).values():
        assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))


async def test_a_batch_that_fails_is_written_one_by_one(
    inbox: Inbox, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_conversations(inbox, 4)

    async def broken(*_: Any) -> Any:
        raise RuntimeError("the batched statement failed")

    monkeypatch.setattr(InboundBatches, "_transaction", broken)
    results = await asyncio.gather(
        *(inbox.receive(inbound("hi", visitor=visitor(n), key="k")) for n in range(4))
    )
    assert [r.message.seq for r in results] == [2, 2, 2, 2]
    assert inbox.metrics.value(INDIVIDUAL_METRIC) >= 4


async def test_one_bad_message_fails_alone(inbox: Inbox, db: Database) -> None:
    await open_conversations(inbox, 2)
    burst = [
        inbound("fine", visitor=visitor(0), key="a"),
        inbound("no such store", visitor=visitor(9), key="b", store="NOPE"),
        inbound("fine too", visitor=visitor(1), key="c"),
    ]
    results = await asyncio.gather(*(inbox.receive(m) for m in burst), return_exceptions=True)
    assert isinstance(results[1], InvalidInput)
    assert [r.message.seq for r in (results[0], results[2])] == [2, 2]  # type: ignore[union-attr]


async def test_two_processes_writing_into_the_same_conversations_keep_seq_gapless(
    database_url: str, clock: FakeClock
) -> None:
    first_db, second_db = Database(database_url), Database(database_url)
    try:
        await make_store(first_db, clock())
        first, second = make_inbox(first_db, clock), make_inbox(second_db, clock)
        await open_conversations(first, 5)
        burst = [
            (first if i % 2 else second).receive(
                inbound(f"m{i}", visitor=visitor(i % 5), key=f"k{i}")
            )
            for i in range(60)
        ]
        await asyncio.gather(*burst)
        for rows in (await seqs_by_conversation(first_db)).values():
            assert [seq for seq, _ in rows] == list(range(1, 14))
        async with first_db.reading() as session:
            total = await session.scalar(select(func.count()).select_from(Message))
        assert total == 65
    finally:
        await first_db.close()
        await second_db.close()


async def test_without_group_commit_each_message_has_its_own_transaction(
    db: Database, clock: FakeClock
) -> None:
    await make_store(db, clock())
    inbox = make_inbox(db, clock, group_commit=False)
    await open_conversations(inbox, 3)
    transactions = Transactions(db)
    await asyncio.gather(*(inbox.receive(inbound(visitor=visitor(n), key="k")) for n in range(3)))
    assert transactions.count == 3


async def test_a_broken_batch_connection_is_replaced_and_nothing_is_lost(
    inbox: Inbox, db: Database
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the batched write has connections of its own on PostgreSQL only")
    await open_conversations(inbox, 3)

    async def burst(key: str) -> list[int]:
        stored = await asyncio.gather(
            *(inbox.receive(inbound(key, visitor=visitor(n), key=key)) for n in range(3))
        )
        return [s.message.seq for s in stored]

    assert await burst("before") == [2, 2, 2]
    async with db.engine.connect() as conn:  # the server drops the writer's connection
        killed = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'concierge-writer' AND datname = current_database()"
            )
        )
    assert killed == 1
    individual = inbox.metrics.value(INDIVIDUAL_METRIC)
    assert await burst("during") == [3, 3, 3]  # written one by one, retried
    assert inbox.metrics.value(INDIVIDUAL_METRIC) == individual + 3
    assert await burst("after") == [4, 4, 4]  # batched again, on a new connection
    assert inbox.metrics.value(INDIVIDUAL_METRIC) == individual + 3
    for rows in (await seqs_by_conversation(db)).values():
        assert [seq for seq, _ in rows] == [1, 2, 3, 4]
