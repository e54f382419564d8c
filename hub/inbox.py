"""Writing messages: persist first, then tell the world.

Every inbound and outbound message is committed (with its dedupe key and sequence
number) before anyone is acknowledged or notified; a retry of the same key returns the
message already stored instead of storing it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from hub import audit, validation
from hub import conversation_labels as labels
from hub.clock import Clock
from hub.conversations import (
    OPEN_STATUSES,
    append_message,
    append_staff_message,
    open_for_contact,
    visible_conversation,
)
from hub.customers import ledger_row
from hub.db.channel_models import Attachment
from hub.db.engine import Database, is_disconnect
from hub.db.group_commit import GroupCommit
from hub.db.models import Conversation, Customer, Message, new_id
from hub.db.races import transaction_retrying
from hub.errors import Conflict, Forbidden
from hub.i18n import choose
from hub.inbox_batch import INDIVIDUAL_METRIC, InboundBatches, Written, batchable
from hub.jobs.kind import Jobs
from hub.messages import Inbound, NewAttachment
from hub.metrics import Metrics
from hub.outbound import OutboundChannel, Scheduled
from hub.profiles.resolve import attach, resolve_customer
from hub.routing_repository import tickets_for
from hub.shopper_texts import Wording, conversation_texts
from hub.staff import Principal
from hub.stores import store_for_channel
from hub.tasks import BackgroundTasks
from routing.config import RoutingConfig
from routing.model import Ticket

log = logging.getLogger("hub.inbox")
T = TypeVar("T")
# Messages written in one transaction at most; more wait for the next one.
MAX_BATCH = 100
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 100)


class ConversationEvents(Protocol):
    """Told after a commit; a failure here never undoes what was stored."""

    async def message_added(
        self, conversation: Conversation, message: Message, origin: str | None
    ) -> None: ...

    async def conversation_closed(self, conversation: Conversation) -> None: ...


# More rows to store with a new message, in its transaction.
AlsoStore = Callable[[AsyncSession, Conversation, Message], Awaitable[None]]


class Router(Protocol):
    """The routing service, as the inbox sees it."""

    async def enqueue(self, ticket: Ticket) -> None: ...

    async def finished(self, ambassador_id: str, channel: str) -> None: ...

    async def dropped(self, conversation_id: str) -> None: ...

    def record_handling(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class Stored:
    message: Message
    conversation: Conversation
    duplicate: bool = False
    opened: bool = False
    # Attachments stored without their bytes, for the channel to fetch.
    to_fetch: tuple[str, ...] = ()
    # The channel delivery stored with a reply, to schedule after the commit.
    delivery: Scheduled | None = None


class Inbox:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        events: ConversationEvents,
        routing: Router,
        tasks: BackgroundTasks,
        metrics: Metrics | None = None,
        config: RoutingConfig | None = None,
        outbound: Mapping[str, OutboundChannel] | None = None,
        jobs: Jobs | None = None,
        group_commit: bool = True,
    ) -> None:
        """``group_commit``: concurrent messages into open conversations share one
        transaction (hub.inbox_batch); off, each message has its own."""
        self.config = config or RoutingConfig()
        self.outbound = dict(outbound or {})
        self.jobs = jobs
        self.db = db
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.events = events
        self.routing = routing
        self.tasks = tasks
        # Told after a close committed (the feedback question); set by the composition root.
        self.on_closed: Callable[[Conversation], None] | None = None
        self.batches: InboundBatches | None = None
        self.group: GroupCommit[Inbound, Written | None] | None = None
        if group_commit:
            self.batches = InboundBatches(db, clock, self.metrics)
            self.group = GroupCommit(
                self.batches.write, max_batch=MAX_BATCH, name="inbox:batch", on_batch=self._batched
            )
            self.metrics.histogram(
                "hub_write_batch_size", "Inbound messages per batched transaction", BATCH_BUCKETS
            )
            self.metrics.describe(
                INDIVIDUAL_METRIC,
                "counter",
                "Inbound messages a batch sent back to be written one by one "
                "(first messages, resends, conflicts)",
            )

    def _batched(self, size: int) -> None:
        self.metrics.observe("hub_write_batch_size", size)

    async def idle(self) -> None:
        """Return once no batched write is queued or running (shutdown)."""
        if self.group is not None:
            await self.group.idle()

    async def receive(
        self,
        inbound: Inbound,
        *,
        origin: str | None = None,
        also: AlsoStore | None = None,
        wait_for_routing: bool = False,
    ) -> Stored:
        """Store a shopper's message in their open conversation, opening one if needed.

        ``also`` stores more rows in the same transaction (a callback request beside its
        message), only when the message is new. ``wait_for_routing`` returns once routing
        has taken a newly opened conversation (and offered it, if anyone is free): a
        caller on the line needs the answer now.
        """
        message_text(inbound.text, inbound.data)

        async def work(session: AsyncSession) -> Stored:
            stored = await self._receive(session, inbound)
            if also is not None and not stored.duplicate:
                await also(session, stored.conversation, stored.message)
            return stored

        stored: Stored | None = None
        if self.group is not None and also is None and not wait_for_routing and batchable(inbound):
            written = await self.group.submit(inbound)
            if written is not None:
                stored = Stored(written.message, written.conversation)
        if stored is None:
            stored = await self._write(work)
        if not stored.duplicate:
            await self._after_commit(stored, origin)
            if stored.opened and wait_for_routing:
                await self.enqueue(stored.conversation.id)
            elif stored.opened:
                self.tasks.spawn(self.enqueue(stored.conversation.id), name="routing:enqueue")
        return stored

    async def enqueue(self, conversation_id: str) -> None:
        """Hand a waiting conversation to routing, with what the database knows about it."""
        async with self.db.reading() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None or conversation.status != "queued":
                return
            (ticket,) = await tickets_for(session, [conversation])
        await self.routing.enqueue(ticket)

    async def system_message(self, conversation_id: str, text: str | Wording) -> None:
        """A note from the hub itself into the timeline (e.g. "your ambassador left");
        a ``Wording`` is written in the conversation's language, for the shopper."""
        async with self.db.transaction() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                return
            if not isinstance(text, str):
                text = text(conversation_texts(conversation))
            now = self.clock()
            message = await append_message(
                session,
                conversation,
                now,
                direction="internal",
                channel=conversation.channel,
                author_kind="system",
                author_name=None,
                text=text,
            )
        await self._after_commit(Stored(message, conversation), None)

    async def reply(
        self,
        principal: Principal,
        conversation_id: object,
        client_id: object,
        text: object,
        *,
        origin: str | None = None,
        data: dict[str, Any] | None = None,
        also: AlsoStore | None = None,
    ) -> Stored:
        """An ambassador's message; ``data`` carries structured content (a proposal);
        ``also`` stores more rows in its transaction (claims its files), when it is new."""
        body = message_text(text, data)
        key = f"staff:{principal.id}:{validation.client_id(client_id)}"
        stored = await self._write(
            lambda s: self._reply(s, principal, conversation_id, key, body, data, also)
        )
        if not stored.duplicate:
            await self._after_commit(stored, origin)
            if stored.delivery is not None and self.jobs is not None:
                await self.jobs.schedule(stored.delivery.job_kind, stored.delivery.key)
        return stored

    async def close(
        self,
        principal: Principal,
        conversation_id: object,
        *,
        outcome: object = None,
        note: object = None,
    ) -> Conversation:
        """``outcome`` (hub.conversation_labels.OUTCOMES) and ``note`` are optional: staff
        may close without saying how it ended."""
        chosen = labels.outcome(outcome)
        remark = labels.close_note(note)
        async with self.db.transaction() as session:
            conversation = await visible_conversation(session, principal, conversation_id)
            check_handler(principal, conversation)
            if conversation.status == "closed":
                return conversation
            now = self.clock()
            previous_status = conversation.status
            conversation.status = "closed"
            conversation.closed_at = now
            conversation.updated_at = now
            conversation.outcome = chosen
            conversation.outcome_note = remark
            conversation.closed_by_staff_id = principal.id
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=principal.id,
                action="conversation.closed",
                subject_type="conversation",
                subject_id=conversation.id,
                **({"outcome": chosen} if chosen else {}),
                **({"with_note": True} if remark else {}),
            )
        self.tasks.spawn(self.events.conversation_closed(conversation), name="emit:closed")
        if self.on_closed is not None:
            self.on_closed(conversation)
        if previous_status == "assigned" and conversation.assigned_staff_id is not None:
            if conversation.assigned_at is not None:
                self.routing.record_handling((now - conversation.assigned_at).total_seconds())
            await self.routing.finished(conversation.assigned_staff_id, conversation.channel)
        else:
            await self.routing.dropped(conversation.id)
        return conversation

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``work`` in a transaction, again when another writer raced it, and once more on
        a fresh connection when the database dropped this one (the pool pings only idle
        connections). Safe for keyed writes: a retry of a message that did commit finds
        it by its dedupe key."""
        try:
            return await transaction_retrying(self.db, work)
        except DBAPIError as exc:
            if not is_disconnect(exc):
                raise
            log.warning("database connection lost; retrying on a fresh one")
            return await transaction_retrying(self.db, work)

    async def _after_commit(self, stored: Stored, origin: str | None) -> None:
        """Emit in commit order, so live clients rarely need to reorder by seq."""
        message = stored.message
        self.metrics.inc("hub_messages_total", channel=message.channel, direction=message.direction)
        try:
            await self.events.message_added(stored.conversation, stored.message, origin)
        except Exception:
            # The message is stored; clients recover it through history.
            log.exception("emitting a stored message failed")

    async def _receive(self, session: AsyncSession, inbound: Inbound) -> Stored:
        existing = await _by_dedupe_key(session, inbound.dedupe_key)
        if existing is not None:
            conversation = await session.get(Conversation, existing.conversation_id)
            assert conversation is not None
            return Stored(existing, conversation, duplicate=True)
        now = self.clock()
        conversation, opened = await _threaded(session, inbound, now)
        if conversation is None:
            conversation = await open_for_contact(session, inbound.channel, inbound.contact)
            opened = conversation is None
        if conversation is None:
            store = await store_for_channel(session, inbound.store_code)
            customer = await resolve_customer(
                session,
                identities=inbound.identities(),
                display_name=inbound.display_name,
                home_store_id=store.id,
                now=now,
            )
            # First messages of one customer open one conversation: a writer that found
            # none either waits here for the other to commit, then finds its conversation
            # (a new customer's racers are serialised by the identity's unique index).
            await session.execute(
                select(Customer.id).where(Customer.id == customer.id).with_for_update()
            )
            conversation = await open_for_contact(session, inbound.channel, inbound.contact)
            opened = conversation is None
            if conversation is None:
                conversation = Conversation(
                    store_id=store.id,
                    customer_id=customer.id,
                    channel=inbound.channel,
                    contact=inbound.contact,
                    language=choose(
                        profile=(customer.preferences or {}).get("language"),
                        page=inbound.language,
                        accept=inbound.accept_language,
                        store_languages=store.languages,
                    ),
                    status="scheduled" if inbound.scheduled else "queued",
                    priority=self.config.priority_of(customer.tier),
                    last_seq=0,
                    created_at=now,
                    updated_at=now,
                    queued_at=now,
                )
                session.add(conversation)
                await session.flush()
                await session.refresh(conversation)
            elif inbound.claimed or inbound.display_name:
                await _add_claims(session, conversation.customer_id, inbound, now)
        elif inbound.claimed or inbound.display_name:
            await _add_claims(session, conversation.customer_id, inbound, now)
        for entry in inbound.consents:
            session.add(ledger_row(conversation.customer_id, entry))
        files = [(new_id(), attachment) for attachment in inbound.attachments]
        data = dict(inbound.data or {})
        if files:
            data["attachments"] = [_attachment_entry(id_, a) for id_, a in files]
        message = await append_message(
            session,
            conversation,
            now,
            direction="in",
            channel=inbound.channel,
            author_kind="customer",
            author_name=inbound.display_name,
            text=inbound.text,
            data=data or None,
            dedupe_key=inbound.dedupe_key,
        )
        for attachment_id, attachment in files:
            session.add(_attachment_row(attachment_id, message.id, attachment, now))
        to_fetch = tuple(id_ for id_, attachment in files if attachment.data is None)
        return Stored(message, conversation, opened=opened, to_fetch=to_fetch)

    async def _reply(
        self,
        session: AsyncSession,
        principal: Principal,
        conversation_id: object,
        key: str,
        body: str,
        data: dict[str, Any] | None = None,
        also: AlsoStore | None = None,
    ) -> Stored:
        conversation = await visible_conversation(session, principal, conversation_id)
        existing = await _by_dedupe_key(session, key)
        if existing is not None:
            if existing.conversation_id != conversation.id:
                raise Conflict(
                    "client_id already used for another conversation", code="client_id_reused"
                )
            return Stored(existing, conversation, duplicate=True)
        check_handler(principal, conversation)
        if conversation.status == "closed":
            raise Conflict("conversation is closed", code="conversation_closed")
        now = self.clock()
        message = await append_staff_message(
            session, conversation, principal, now, text=body, data=data, dedupe_key=key
        )
        if also is not None:
            await also(session, conversation, message)
        channel = self.outbound.get(conversation.channel)
        if channel is None:
            return Stored(message, conversation)
        key = await channel.enqueue(session, conversation, message, now)
        return Stored(message, conversation, delivery=Scheduled(channel.job_kind, key))


def message_text(text: object, data: dict[str, Any] | None) -> str:
    """A message's text: required, unless the message carries files (then it may be "")."""
    if text == "" and data and data.get("attachments"):
        return ""
    return validation.text(text)


def check_handler(principal: Principal, conversation: Conversation) -> None:
    """Only the assigned ambassador (or a store manager) speaks in a conversation."""
    if conversation.assigned_staff_id != principal.id and not principal.is_manager:
        raise Forbidden("this conversation is not assigned to you", code="not_assigned")


async def _add_claims(
    session: AsyncSession, customer_id: str, inbound: Inbound, now: datetime
) -> None:
    """What a shopper tells us mid-conversation joins their profile, unverified."""
    customer = await session.get(Customer, customer_id, options=[selectinload(Customer.identities)])
    assert customer is not None
    if inbound.display_name and not customer.name:
        customer.name = inbound.display_name
    await attach(session, customer, inbound.claims(), now)


def _attachment_entry(attachment_id: str, attachment: NewAttachment) -> dict[str, Any]:
    """What the timeline shows of a file; the bytes are fetched from the API by id."""
    return {
        "id": attachment_id,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "filename": attachment.filename,
        "size": len(attachment.data) if attachment.data is not None else None,
        "status": "ready" if attachment.data is not None else "pending",
    }


def _attachment_row(
    attachment_id: str, message_id: str, attachment: NewAttachment, now: datetime
) -> Attachment:
    ready = attachment.data is not None
    return Attachment(
        id=attachment_id,
        message_id=message_id,
        kind=attachment.kind,
        content_type=attachment.content_type,
        filename=attachment.filename,
        size=len(attachment.data) if attachment.data is not None else None,
        data=attachment.data,
        source=attachment.source,
        status="sent" if ready else "queued",
        attempts=0,
        next_attempt_at=now,
        sent_at=now if ready else None,
        created_at=now,
    )


async def _threaded(
    session: AsyncSession, inbound: Inbound, now: datetime
) -> tuple[Conversation | None, bool]:
    """The conversation the channel threaded the message into, and whether it opened again:
    a closed one is queued again (the client answered an old thread) for routing."""
    if inbound.conversation_id is None:
        return None, False
    conversation = await session.get(Conversation, inbound.conversation_id)
    if conversation is None or conversation.channel != inbound.channel:
        return None, False
    if conversation.status == "closed":
        conversation.status = "queued"
        conversation.closed_at = None
        conversation.outcome = None
        conversation.outcome_note = None
        conversation.closed_by_staff_id = None
        conversation.assigned_staff_id = None
        conversation.assigned_at = None
        conversation.queued_at = now
        conversation.updated_at = now
        await session.flush()
        return conversation, True
    if conversation.status not in OPEN_STATUSES:
        return None, False
    return conversation, False  # joined: routing already knows it


async def _by_dedupe_key(session: AsyncSession, key: str) -> Message | None:
    return await session.scalar(select(Message).where(Message.dedupe_key == key))
