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

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.clock import Clock
from hub.conversations import OPEN_STATUSES
from hub.db.engine import Database
from hub.db.models import Conversation, Message, new_id
from hub.messages import Inbound
from hub.metrics import Metrics

log = logging.getLogger("hub.inbox")
MESSAGES = Message.__table__
ATTEMPTS = 3
INDIVIDUAL_METRIC = "hub_write_individual_total"

Contact = tuple[str, str]  # (channel, contact)
# Made once: an alias builds a proxy per column, which would cost more than the rest of
# the statement if made per batch.
_CURRENT = aliased(Conversation, name="current")
_NEWER = aliased(Conversation, name="newer")


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
        self.insert = pg_insert if db.dialect == "postgresql" else sqlite_insert

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
        async with self.db.transaction() as session:
            counts = Counter((item.channel, item.contact) for _, item in batch)
            conversations = await self._take_seqs(session, counts, now)
            placed: list[tuple[int, Inbound, Conversation]] = []
            rows: list[dict[str, Any]] = []
            seqs: dict[str, int] = {}  # the next seq per conversation, in batch order
            for index, item in batch:
                conversation = conversations.get((item.channel, item.contact))
                if conversation is None:
                    continue  # no open conversation: the individual way opens one
                first = conversation.last_seq - counts[(item.channel, item.contact)] + 1
                seq = seqs.get(conversation.id, first)
                seqs[conversation.id] = seq + 1
                rows.append(_row(item, conversation.id, seq, now))
                placed.append((index, item, conversation))
            if not rows:
                return {}
            # executemany: compiled once, sent as one multi-row INSERT
            stored = {
                message.dedupe_key: message
                for message in await session.scalars(
                    self.insert(Message)
                    .on_conflict_do_nothing(index_elements=[MESSAGES.c.dedupe_key])
                    .returning(Message),
                    rows,
                )
            }
            missing = {index for index, item, _ in placed if item.dedupe_key not in stored}
            if missing:
                # Stored meanwhile by someone else: undo the whole batch (its seqs).
                raise _Redo(missing)
        return {
            index: Written(stored[item.dedupe_key], conversation)
            for index, item, conversation in placed
        }

    async def _take_seqs(
        self, session: AsyncSession, counts: Counter[Contact], now: datetime
    ) -> dict[Contact, Conversation]:
        """Advance ``last_seq`` of each contact's newest open conversation by its number
        of messages in the batch; the conversations as updated."""
        by_channel: dict[str, list[str]] = defaultdict(list)
        for channel, contact in counts:
            by_channel[channel].append(contact)
        current, newer = _CURRENT, _NEWER
        newest_open = ~exists().where(
            newer.channel == current.channel,
            newer.contact == current.contact,
            newer.status.in_(OPEN_STATUSES),
            newer.created_at > current.created_at,
        )
        # Locked in id order (PostgreSQL; SQLite has one writer), so two processes'
        # batches sharing conversations queue instead of deadlocking.
        targets = (
            select(current.id)
            .where(
                or_(
                    *(
                        and_(current.channel == ch, current.contact.in_(contacts))
                        for ch, contacts in by_channel.items()
                    )
                ),
                current.status.in_(OPEN_STATUSES),
                newest_open,
            )
            .order_by(current.id)
            .with_for_update()
        )
        step: Any = 1
        if any(n > 1 for n in counts.values()):
            step = case(
                *(
                    (and_(Conversation.channel == ch, Conversation.contact == ct), n)
                    for (ch, ct), n in counts.items()
                    if n > 1
                ),
                else_=1,
            )
        result = await session.scalars(
            update(Conversation)
            .where(Conversation.id.in_(targets), Conversation.status.in_(OPEN_STATUSES))
            .values(last_seq=Conversation.last_seq + step, updated_at=now)
            .returning(Conversation),
            execution_options={"synchronize_session": False},
        )
        found: dict[Contact, Conversation] = {}
        twice: set[Contact] = set()
        for conversation in result.all():
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
