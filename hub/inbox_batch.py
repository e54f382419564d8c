"""Shoppers' messages into their open conversations, many in one transaction.

The common case of an inbound message — a shopper writing again in a conversation that is
already open, with nothing but text — is written set-based, for a whole batch of
concurrent messages at once (``hub.db.group_commit`` forms the batches), with the fixed
statements of ``hub.inbox_batch_sql``:

- **PostgreSQL**: one statement, outside an explicit transaction (atomic by itself, one
  round trip: no BEGIN, no COMMIT of its own). It leaves out keys stored already, locks
  and advances each contact's newest open conversation (``last_seq + n``; the row lock
  keeps ``seq`` gapless between processes) and inserts the messages in batch order. It
  runs on the driver (asyncpg), where SQLAlchemy's per-statement work would otherwise be
  most of the batch's cost, on connections of its own planned generically
  (``Database.writer``).
- **SQLite**: ``UPDATE conversations … RETURNING`` for the seqs, then one multi-row
  ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING``, in one transaction.

Anything else goes the individual way (``Inbox._receive``), which knows every case: a
first message (the conversation and maybe the customer are created), a message whose key
is stored already (a resend: the stored one is answered), attachments, claims, consents,
threading. A key stored by someone else meanwhile rolls the batch back — so no sequence
number is spent — and those messages go the individual way (on PostgreSQL the whole
batch does: the unique index fails the statement). Any other error sends the whole batch
the individual way, where each message gets its own result or its own error.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import JSON
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.clock import Clock
from hub.db.engine import Database
from hub.db.models import Conversation, Message, new_id
from hub.inbox_batch_sql import (
    CONVERSATION_COLUMNS,
    CONVERSATIONS,
    WRITE_POSTGRESQL,
    insert_messages_sqlite,
    take_seqs_sqlite,
)
from hub.messages import Inbound
from hub.metrics import Metrics

log = logging.getLogger("hub.inbox")
# Conversation columns the driver hands back as JSON text (SQLAlchemy's codec).
_JSON_COLUMNS = frozenset(
    column.name for column in CONVERSATIONS.columns if isinstance(column.type, JSON)
)
ATTEMPTS = 3
INDIVIDUAL_METRIC = "hub_write_individual_total"

Contact = tuple[str, str]  # (channel, contact)


def batchable(inbound: Inbound) -> bool:
    """Plain text into an existing conversation: nothing to resolve, attach or thread.
    (Whether the conversation exists is only known in the batch; a first message is sent
    back to the individual way from there.)"""
    return not (
        inbound.conversation_id
        or inbound.attachments
        or inbound.claimed
        or inbound.display_name
        or inbound.consents
    )


class Written:
    """A message the batch stored, with its conversation as the UPDATE returned it (its
    columns; its relationships are not loaded)."""

    __slots__ = ("conversation", "message")

    def __init__(self, message: Message, conversation: Conversation) -> None:
        self.message = message
        self.conversation = conversation


class _Redo(Exception):
    """Roll back and write the batch again without these messages (by index)."""

    def __init__(self, indices: set[int]):
        super().__init__("some messages need the individual way")
        self.indices = indices


class InboundBatches:
    """``write`` is what GroupCommit calls: one outcome per inbound, ``None`` meaning
    "store it the individual way"."""

    def __init__(self, db: Database, clock: Clock, metrics: Metrics) -> None:
        self.db = db
        self.clock = clock
        self.metrics = metrics
        self.dialect = db.dialect
        self._take = take_seqs_sqlite()
        self._insert = insert_messages_sqlite()

    async def write(self, items: Sequence[Inbound]) -> list[Written | None]:
        outcomes: list[Written | None] = [None] * len(items)
        todo: list[int] = []
        keys: set[str] = set()
        for index, item in enumerate(items):
            # The same key twice in one batch: the second waits for the first's commit,
            # then the individual way answers it with the stored message.
            if item.dedupe_key not in keys:
                keys.add(item.dedupe_key)
                todo.append(index)
        for _attempt in range(ATTEMPTS):
            if not todo:
                break
            try:
                written = await self._transaction([(i, items[i]) for i in todo])
            except _Redo as redo:
                todo = [i for i in todo if i not in redo.indices]
                continue
            except Exception:
                log.warning("batched write failed; writing one by one", exc_info=True)
                break
            for index, stored in written.items():
                outcomes[index] = stored
            break
        self.metrics.inc(INDIVIDUAL_METRIC, sum(outcome is None for outcome in outcomes))
        return outcomes

    async def _transaction(self, batch: list[tuple[int, Inbound]]) -> dict[int, Written]:
        if self.dialect == "postgresql":
            return await self._postgresql(batch)
        return await self._sqlite(batch)

    async def _postgresql(self, batch: list[tuple[int, Inbound]]) -> dict[int, Written]:
        now = self.clock()
        ids = [new_id() for _ in batch]
        # Sorted by contact: every process locks shared conversations in the same order.
        rows = sorted(range(len(batch)), key=lambda i: (batch[i][1].channel, batch[i][1].contact))
        items = [batch[i][1] for i in rows]
        async with self.db.writer.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            records = await _fetch(
                conn,
                driver,
                [ids[i] for i in rows],
                [item.channel for item in items],
                [item.contact for item in items],
                [item.text for item in items],
                # JSON null for no data, as the column type stores None on the other way
                [json.dumps(_data(item)) for item in items],
                [item.dedupe_key for item in items],
                rows,  # arrival order
                now,
            )
        conversations: dict[str, Conversation] = {}
        stored: dict[str, tuple[int, str]] = {}  # key -> (seq, conversation id)
        for record in records:
            if record["kind"] == "c":
                conversations[record["id"]] = _conversation(record)
            else:
                stored[record["message_key"]] = (record["message_seq"], record["id"])
        written: dict[int, Written] = {}
        for (index, item), message_id in zip(batch, ids, strict=True):
            found = stored.get(item.dedupe_key)
            if found is None:
                continue  # stored already, or no open conversation: the individual way
            seq, conversation_id = found
            row = _row(item, conversation_id, seq, now, message_id)
            written[index] = Written(Message(**row), conversations[conversation_id])
        return written

    async def _sqlite(self, batch: list[tuple[int, Inbound]]) -> dict[int, Written]:
        now = self.clock()
        async with self.db.engine.begin() as conn:
            counts = Counter((item.channel, item.contact) for _, item in batch)
            conversations = await self._take_seqs(conn, counts, now)
            placed: list[tuple[int, Inbound, Conversation, dict[str, Any]]] = []
            seqs: dict[str, int] = {}  # the next seq per conversation, in batch order
            for index, item in batch:
                conversation = conversations.get((item.channel, item.contact))
                if conversation is None:
                    continue  # no open conversation: the individual way opens one
                first = conversation.last_seq - counts[(item.channel, item.contact)] + 1
                seq = seqs.get(conversation.id, first)
                seqs[conversation.id] = seq + 1
                placed.append((index, item, conversation, _row(item, conversation.id, seq, now)))
            if not placed:
                return {}
            result = await conn.execute(self._insert, [row for *_, row in placed])
            stored = {key for (key,) in result}
            missing = {index for index, item, _, _ in placed if item.dedupe_key not in stored}
            if missing:
                # Stored meanwhile by someone else: undo the whole batch (its seqs).
                raise _Redo(missing)
        return {
            index: Written(Message(**row), conversation)
            for index, _item, conversation, row in placed
        }

    async def _take_seqs(
        self, conn: AsyncConnection, counts: Counter[Contact], now: datetime
    ) -> dict[Contact, Conversation]:
        """Advance ``last_seq`` of each contact's newest open conversation by its number
        of messages in the batch (one per contact: the statement picks the newest); the
        conversations as updated."""
        wanted = json.dumps([[ch, ct, n] for (ch, ct), n in counts.items()])
        result = await conn.execute(self._take, {"wanted": wanted, "now": now})
        conversations = (Conversation(**row) for row in result.mappings())
        return {(c.channel, c.contact): c for c in conversations}


async def _fetch(conn: AsyncConnection, driver: Any, *args: Any) -> list[Any]:
    """The batch statement on the driver. A connection that failed for any reason but the
    statement's own (a constraint, say) is dropped from the pool, as SQLAlchemy would have
    done had it run the statement, so the next batch gets a new one; this batch goes the
    individual way, which retries."""
    try:
        return list(await driver.fetch(WRITE_POSTGRESQL, *args))
    except Exception as exc:
        if not isinstance(exc, asyncpg.PostgresError) or driver.is_closed():
            await conn.invalidate()
        raise


def _data(item: Inbound) -> dict[str, Any] | None:
    return dict(item.data) if item.data else None


def _conversation(record: Any) -> Conversation:
    """A conversation from the driver's row: the values as the ORM would load them."""
    values = {name: record[name] for name in CONVERSATION_COLUMNS}
    for name in _JSON_COLUMNS:
        if isinstance(values[name], str):
            values[name] = json.loads(values[name])
    return Conversation(**values)


def _row(
    item: Inbound, conversation_id: str, seq: int, now: datetime, message_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": message_id or new_id(),
        "conversation_id": conversation_id,
        "seq": seq,
        "direction": "in",
        "channel": item.channel,
        "author_kind": "customer",
        "author_staff_id": None,
        "author_name": None,
        "text": item.text,
        "data": _data(item),
        "dedupe_key": item.dedupe_key,
        "created_at": now,
        "delivery_status": None,
        "delivery_error": None,
    }
