"""Proactive outreach: an ambassador writes first to a client, on a channel the client
agreed to for that purpose.

``hub.outreach_options`` says per channel what is possible and why not; ``send`` asks
again inside the transaction that writes the message, so a withdrawal recorded a moment
earlier wins, then opens (or reuses) the conversation on that channel, assigned to the caller, and
queues the message through the channel's own durable outbox (``Inbox.outbound``: the mail
outbox, WeChat's channel outbox, the SMS outbox). After the commit: the job is scheduled,
the console hears the message and, for a new conversation, its assignment; routing counts
it as the ambassador's work.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, validation
from hub.clock import Clock
from hub.conversations import append_staff_message, open_for_contact
from hub.customers import visible_customer
from hub.db.channel_models import EmailThread, Mailbox, WechatUser
from hub.db.clienteling_models import FollowUpTask
from hub.db.models import Conversation, Customer, Store
from hub.errors import Conflict, InvalidInput, NotFound
from hub.follow_up_tasks import reachable
from hub.inbox import Inbox
from hub.outreach_options import channel_of, options, outreach_store, purpose_of
from hub.realtime.publisher import Publisher
from hub.shopper_texts import customer_language
from hub.staff import Principal
from routing.service import RoutingService

log = logging.getLogger("hub.outreach")
# The conversation channel each outreach channel writes into: a text message is the
# ``voice`` channel's reply (adapters/voice/replies.py).
CONVERSATION_CHANNEL = {"email": "email", "sms": "voice", "wechat": "wechat"}
SEND_FIELDS = frozenset({"channel", "purpose", "text", "store", "task_id"})
MAX_SMS_TEXT = 1600


@dataclass(frozen=True)
class Sent:
    conversation: Conversation
    message_id: str


async def _open_conversation(
    session: AsyncSession, principal: Principal, channel: str, contact: str
) -> Conversation | None:
    """The client's open conversation on this channel, if the caller can take it up."""
    found = await open_for_contact(session, channel, contact)
    if found is None:
        return None
    if found.status == "assigned" and found.assigned_staff_id == principal.id:
        return found
    if found.status == "assigned":
        raise Conflict(
            "A colleague is already in a conversation with this client on this channel.",
            code="conversation_taken",
            conversation_id=found.id if found.store_id in principal.store_ids else None,
        )
    raise Conflict(
        "The client is waiting in the queue on this channel: take their conversation there.",
        code="conversation_waiting",
    )


class Outreach:
    def __init__(
        self, inbox: Inbox, routing: RoutingService, publisher: Publisher, clock: Clock
    ) -> None:
        self.inbox = inbox
        self.routing = routing
        self.publisher = publisher
        self.clock = clock

    async def send(self, principal: Principal, customer_id: object, body: dict[str, Any]) -> Sent:
        if not set(body) <= SEND_FIELDS:
            raise InvalidInput("body", f"outreach takes {', '.join(sorted(SEND_FIELDS))}")
        channel = channel_of(body.get("channel"))
        purpose = purpose_of(body.get("purpose"))
        limit = MAX_SMS_TEXT if channel == "sms" else validation.MAX_TEXT
        text = validation.no_nul(
            validation.text(body.get("text"), "text", max_length=limit), "text"
        )
        async with self.inbox.db.transaction() as session:
            customer = await visible_customer(session, principal, customer_id)
            if body.get("task_id") is not None:
                await _task_of(session, principal, body["task_id"], customer.id)
            store = await outreach_store(session, principal, customer, body.get("store"))
            now = self.clock()
            chosen = next(
                o
                for o in await options(session, customer, store, purpose, now)
                if o.verdict.channel == channel
            )
            reason = chosen.verdict.reason
            if reason is not None or chosen.address is None:
                raise Conflict(
                    reason.message if reason else "unavailable",
                    code=reason.code if reason else "unavailable",
                )
            conversation, opened = await self._conversation(
                session, principal, customer, store, channel, chosen.address, now
            )
            message = await append_staff_message(  # never web chat: "pending", for the outbox
                session,
                conversation,
                principal,
                now,
                text=text,
                dedupe_key=f"staff:{principal.id}:outreach-{uuid.uuid4().hex}",
            )
            outbound = self.inbox.outbound[conversation.channel]
            key = await outbound.enqueue(session, conversation, message, now)
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=principal.id,
                action="outreach.sent",
                subject_type="customer",
                subject_id=customer.id,
                channel=channel,
                purpose=purpose,
                store=store.code,
                conversation_id=conversation.id,
                message_id=message.id,
                task_id=body.get("task_id"),
            )
        await self._after_commit(conversation, message, outbound.job_kind, key, opened, principal)
        return Sent(conversation, message.id)

    async def _conversation(
        self,
        session: AsyncSession,
        principal: Principal,
        customer: Customer,
        store: Store,
        channel: str,
        contact: str,
        now: datetime,
    ) -> tuple[Conversation, bool]:
        name = CONVERSATION_CHANNEL[channel]
        existing = await _open_conversation(session, principal, name, contact)
        if existing is not None:
            return existing, False
        # As the hub writes to them elsewhere: the profile's language, a WeChat follower's own,
        # their latest conversation's, then the store's.
        follower = (
            await session.scalar(select(WechatUser.language).where(WechatUser.openid == contact))
            if name == "wechat"
            else None
        )
        language = await customer_language(session, customer.id, store, follower=follower)
        conversation = Conversation(
            store_id=store.id,
            customer_id=customer.id,
            channel=name,
            contact=contact,
            language=language,
            status="assigned",
            priority=1,
            required_skills=[],
            optional_skills=[],
            assigned_staff_id=principal.id,
            last_seq=0,
            created_at=now,
            updated_at=now,
            assigned_at=now,
        )
        session.add(conversation)
        await session.flush()
        if name == "email":
            mailbox = await session.scalar(
                select(Mailbox.id).where(Mailbox.store_id == store.id).order_by(Mailbox.address)
            )
            session.add(
                EmailThread(
                    conversation_id=conversation.id,
                    mailbox_id=mailbox,
                    token=secrets.token_urlsafe(16),
                    subject=store.name[:998],
                    created_at=now,
                )
            )
            await session.flush()
        await session.refresh(conversation, ["store", "customer"])
        return conversation, True

    async def _after_commit(
        self,
        conversation: Conversation,
        message: Any,
        job_kind: str,
        key: str,
        opened: bool,
        principal: Principal,
    ) -> None:
        if self.inbox.jobs is not None:
            await self.inbox.jobs.schedule(job_kind, key)
        if opened:
            await self.routing.take_by_hand(conversation.id, principal.id, conversation.channel)
            async with self.inbox.db.reading() as session:
                fresh = await session.get(Conversation, conversation.id)
            if fresh is not None:
                await self.publisher.announce_assignment(fresh)
        try:
            await self.inbox.events.message_added(conversation, message, None)
        except Exception:  # stored: the console recovers it through history
            log.exception("emitting an outreach message failed")


async def _task_of(
    session: AsyncSession, principal: Principal, task_id: Any, customer_id: str
) -> FollowUpTask:
    """The follow-up task this outreach answers: the caller's, about this client."""
    task = await reachable(session, principal, task_id)
    if task.customer_id != customer_id:
        raise NotFound("task not found", code="unknown_task")
    return task
