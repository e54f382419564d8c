"""Shoppers' messages into their open conversations, many in one transaction.

The common case of an inbound message — a shopper writing again in a conversation that is
already open, with nothing but text — is written set-based, for a whole batch of
concurrent messages at once (``hub.db.group_commit`` forms the batches):

1. one ``UPDATE conversations … RETURNING`` takes the next sequence numbers of every
   conversation in the batch (``last_seq + n``, row-locking on PostgreSQL; the lock is what
   keeps ``seq`` gapless between processes), only where the conversation is the contact's
   newest open one;
2. one multi-row ``INSERT INTO messages … ON CONFLICT (dedupe_key) DO NOTHING RETURNING``;
3. one COMMIT.

So a batch costs BEGIN, two statements and COMMIT whatever its size. Anything else goes
the individual way (``Inbox._receive``), which knows every case: a first message (the
conversation and maybe the customer are created), a message whose key is stored already
(a resend: the stored one is answered), attachments, claims, consents, threading. When the
INSERT meets a key stored meanwhile, the transaction is rolled back — so no sequence
number is spent — those messages go the individual way and the rest is written again
without them. Any other error sends the whole batch the individual way, where each message
gets its own result or its own error.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import TextualSelect

from hub.clock import Clock
from hub.conversations import OPEN_STATUSES
from hub.db.engine import Database
from hub.db.models import Conversation, Message, new_id
from hub.messages import Inbound
from hub.metrics import Metrics

log = logging.getLogger("hub.inbox")
MESSAGES = Message.__table__
CONVERSATIONS = Conversation.__table__
ATTEMPTS = 3
INDIVIDUAL_METRIC = "hub_write_individual_total"

Contact = tuple[str, str]  # (channel, contact)

_OPEN = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
_RETURNED = ", ".join(f"conversations.{column.name}" for column in CONVERSATIONS.columns)


def _newest_open(outer: str) -> str:
    """The contact's newest open conversation (two open at once is a race the individual
    way sorts out)."""
    return f"""NOT EXISTS (
        SELECT 1 FROM conversations AS newer
        WHERE newer.channel = {outer}.channel AND newer.contact = {outer}.contact
          AND newer.status IN ({_OPEN}) AND newer.created_at > {outer}.created_at)"""  # noqa: S608 - constants


# The statements are fixed strings, built once: nothing is compiled per batch, PostgreSQL
# prepares each once per connection, and no statement objects are left for the garbage
# collector (building them per batch was most of the hub's cyclic garbage, and so of its
# collection pauses, under load). The batch travels as arrays (PostgreSQL) or JSON
# (SQLite) whatever its size.
_TAKE_SEQS = {
    "postgresql": f"""
WITH wanted AS (
    SELECT * FROM unnest(CAST(:channels AS varchar[]), CAST(:contacts AS varchar[]),
                         CAST(:counts AS integer[])) AS w(channel, contact, n)
), targets AS (
    SELECT c.id, wanted.n FROM conversations AS c
    JOIN wanted ON c.channel = wanted.channel AND c.contact = wanted.contact
    WHERE c.status IN ({_OPEN}) AND {_newest_open("c")}
    ORDER BY c.id
    FOR UPDATE OF c
)
UPDATE conversations SET last_seq = conversations.last_seq + targets.n, updated_at = :now
FROM targets
WHERE conversations.id = targets.id AND conversations.status IN ({_OPEN})
RETURNING {_RETURNED}""",  # noqa: S608 - constants, no input
    # Starts with UPDATE: Python's sqlite3 opens its implicit transaction only before a
    # statement that starts with a DML keyword (a leading WITH would autocommit).
    "sqlite": f"""
UPDATE conversations SET last_seq = conversations.last_seq + wanted.n, updated_at = :now
FROM (
    SELECT json_extract(value, '$[0]') AS channel, json_extract(value, '$[1]') AS contact,
           json_extract(value, '$[2]') AS n
    FROM json_each(:wanted)
) AS wanted
WHERE conversations.channel = wanted.channel AND conversations.contact = wanted.contact
  AND conversations.status IN ({_OPEN}) AND {_newest_open("conversations")}
RETURNING {_RETURNED}""",  # noqa: S608 - constants, no input
}
_INSERT_PG = """
INSERT INTO messages
    (id, conversation_id, seq, direction, channel, author_kind, text, data, dedupe_key, created_at)
SELECT r.id, r.conversation_id, r.seq, 'in', r.channel, 'customer', r.text,
       CAST(r.data AS jsonb), r.dedupe_key, :now
FROM unnest(CAST(:ids AS varchar[]), CAST(:conversation_ids AS varchar[]),
            CAST(:seqs AS integer[]), CAST(:channels AS varchar[]), CAST(:texts AS text[]),
            CAST(:datas AS text[]), CAST(:keys AS varchar[]))
     AS r(id, conversation_id, seq, channel, text, data, dedupe_key)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING dedupe_key"""


def _take_seqs_statement(dialect: str) -> TextualSelect:
    now = CONVERSATIONS.c.updated_at.type
    return (
        text(_TAKE_SEQS[dialect])
        .bindparams(bindparam("now", type_=now))
        .columns(*CONVERSATIONS.columns)
    )


def _insert_statement(dialect: str) -> Any:
    if dialect == "postgresql":
        return text(_INSERT_PG).bindparams(bindparam("now", type_=MESSAGES.c.created_at.type))
    # SQLite: an executemany of one prepared INSERT (in-process, no round trips to save).
    return (
        sqlite_insert(Message)
        .on_conflict_do_nothing(index_elements=[MESSAGES.c.dedupe_key])
        .returning(MESSAGES.c.dedupe_key)
    )


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
    """Roll back and write the batch again without these messages (by index) or these
    contacts' messages."""

    def __init__(self, indices: set[int] | None = None, contacts: set[Contact] | None = None):
        super().__init__("some messages need the individual way")
        self.indices = indices or set()
        self.contacts = contacts or set()


class InboundBatches:
    """``write`` is what GroupCommit calls: one outcome per inbound, ``None`` meaning
    "store it the individual way"."""

    def __init__(self, db: Database, clock: Clock, metrics: Metrics) -> None:
        self.db = db
        self.clock = clock
        self.metrics = metrics
        self.dialect = db.dialect
        self._take = _take_seqs_statement(self.dialect)
        self._insert = _insert_statement(self.dialect)

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
                todo = [
                    i
                    for i in todo
                    if i not in redo.indices
                    and (items[i].channel, items[i].contact) not in redo.contacts
                ]
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
            stored = await self._insert_rows(conn, [row for *_, row in placed], now)
            missing = {index for index, item, _, _ in placed if item.dedupe_key not in stored}
            if missing:
                # Stored meanwhile by someone else: undo the whole batch (its seqs).
                raise _Redo(missing)
        return {
            index: Written(Message(**row), conversation)
            for index, _item, conversation, row in placed
        }

    async def _insert_rows(
        self, conn: AsyncConnection, rows: list[dict[str, Any]], now: datetime
    ) -> set[str]:
        """Insert the messages, skipping keys stored meanwhile; the keys inserted."""
        if self.dialect != "postgresql":
            result = await conn.execute(self._insert, rows)
            return {key for (key,) in result}
        result = await conn.execute(
            self._insert,
            {
                "now": now,
                "ids": [row["id"] for row in rows],
                "conversation_ids": [row["conversation_id"] for row in rows],
                "seqs": [row["seq"] for row in rows],
                "channels": [row["channel"] for row in rows],
                "texts": [row["text"] for row in rows],
                # JSON null, as the column type stores None, so both ways store the same
                "datas": [json.dumps(row["data"]) for row in rows],
                "keys": [row["dedupe_key"] for row in rows],
            },
        )
        return {key for (key,) in result}

    async def _take_seqs(
        self, conn: AsyncConnection, counts: Counter[Contact], now: datetime
    ) -> dict[Contact, Conversation]:
        """Advance ``last_seq`` of each contact's newest open conversation by its number
        of messages in the batch; the conversations as updated. On PostgreSQL the rows are
        locked in id order, so two processes' batches sharing conversations queue instead
        of deadlocking (SQLite has one writer)."""
        if self.dialect == "postgresql":
            params: dict[str, Any] = {
                "channels": [channel for channel, _ in counts],
                "contacts": [contact for _, contact in counts],
                "counts": list(counts.values()),
            }
        else:
            params = {"wanted": json.dumps([[ch, ct, n] for (ch, ct), n in counts.items()])}
        result = await conn.execute(self._take, {**params, "now": now})
        found: dict[Contact, Conversation] = {}
        twice: set[Contact] = set()
        for row in result.mappings():
            conversation = Conversation(**row)
            key = (conversation.channel, conversation.contact)
            if key in found:
                twice.add(key)  # two open ones created at the same instant: leave it to SQL
            found[key] = conversation
        if twice:
            raise _Redo(contacts=twice)
        return found


def _row(item: Inbound, conversation_id: str, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "conversation_id": conversation_id,
        "seq": seq,
        "direction": "in",
        "channel": item.channel,
        "author_kind": "customer",
        "author_staff_id": None,
        "author_name": None,
        "text": item.text,
        "data": dict(item.data) if item.data else None,
        "dedupe_key": item.dedupe_key,
        "created_at": now,
        "delivery_status": None,
        "delivery_error": None,
    }
