"""Callback requests: a shopper asks to be phoned, now or in a window of their choosing.

A callback is a ``voice`` conversation that waits (``scheduled``) until its time, then
goes to routing like any conversation, at the callback priority; the ambassador who
takes it phones the shopper and records how it went. An unanswered try is tried again
(``routing.callback_policy``) until the attempts run out, and the shopper hears of each
missed try on a channel they gave us. The waiting is a job of the web process's own
runner: routing lives there, and the runner's due query rebuilds every pending callback
after a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, mail
from hub.clock import Clock
from hub.conversations import visible_conversation
from hub.db.engine import Database
from hub.db.models import Conversation, Message, Store
from hub.db.voice_models import CALLBACK_OPEN, Callback
from hub.errors import Conflict, InvalidInput
from hub.i18n import Texts, texts
from hub.inbox import Inbox, check_handler
from hub.jobs.kind import JobContext, JobKind, Jobs
from hub.mail.outbox import MAIL_JOB
from hub.messages import Inbound, iso
from hub.outbound import Scheduled
from hub.profiles.consent import ConsentEntry
from hub.profiles.identity import PHONE, Identity
from hub.realtime.publisher import Publisher
from hub.settings import Settings
from hub.shopper_texts import language_of, when
from hub.staff import Principal
from routing.callback_policy import CallbackWindow, first_due, next_try
from routing.config import RoutingConfig

log = logging.getLogger("hub.callbacks")
CALLBACK_JOB = "callback_due"
CHANNEL = "voice"
Outcome = Literal["reached", "no_answer", "wrong_number"]
OUTCOMES: tuple[Outcome, ...] = ("reached", "no_answer", "wrong_number")
DEFAULT_TEXT = "Please call me back."


@dataclass(frozen=True)
class NewCallback:
    """A checked request: from the web form, the widget, or a caller who pressed 1."""

    phone: str  # E.164
    store_code: str | None
    window: CallbackWindow
    source: str  # form | widget | phone
    name: str | None = None
    language: str | None = None
    accept_language: str | None = None  # the browser's, when the form did not say
    topic: str | None = None
    email: str | None = None
    client_key: str | None = None
    # The caller's number as the network gave it (pressed 1) is proven; a typed one is not.
    phone_verified: bool = False
    proven: tuple[Identity, ...] = ()  # a web visitor's id, from their token
    claimed: tuple[Identity, ...] = ()
    consents: tuple[ConsentEntry, ...] = ()
    conversation_id: str | None = None  # a call's conversation, for a caller who pressed 1


@dataclass(frozen=True)
class Requested:
    callback: Callback
    conversation: Conversation
    duplicate: bool


class SmsSender(Protocol):
    """Texts the shopper through the store's voice provider (stored, sent by a job)."""

    async def enqueue(
        self, session: AsyncSession, *, store_id: str, to: str, text: str, ref: str, now: datetime
    ) -> Scheduled | None:
        """None when the store has no number to text from."""


class Callbacks:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        inbox: Inbox,
        publisher: Publisher,
        settings: Settings,
        config: RoutingConfig,
        jobs: Jobs,
        sms: SmsSender | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.inbox = inbox
        self.publisher = publisher
        self.settings = settings
        self.config = config
        self.jobs = jobs  # the delivery jobs (mail, SMS)
        self.timers: Jobs | None = None  # the web process's runner, for due callbacks
        self.sms = sms

    # -- a request ----------------------------------------------------------------------

    async def request(self, new: NewCallback) -> Requested:
        """Store the request with its message, then queue it now or wake it at its time."""
        now = self.clock()
        due = first_due(new.window, now)
        holder: list[Callback] = []

        async def store_callback(
            session: AsyncSession, conversation: Conversation, _message: Message
        ) -> None:
            holder.append(await self._upsert(session, conversation, new, due, now))

        inbound = Inbound(
            channel=CHANNEL,
            contact=new.phone,
            identity_kind=PHONE,
            identity_value=new.phone,
            verified=new.phone_verified,
            dedupe_key=f"callback:{new.client_key}" if new.client_key else _fresh_key(new, now),
            text=new.topic or DEFAULT_TEXT,
            received_at=now,
            store_code=new.store_code,
            language=new.language,
            accept_language=new.accept_language,
            display_name=new.name,
            proven=new.proven,
            claimed=new.claimed,
            consents=new.consents,
            data={"callback_request": _request_data(new)},
            scheduled=True,
            conversation_id=new.conversation_id,
        )
        stored = await self.inbox.receive(inbound, also=store_callback)
        if stored.duplicate:
            async with self.db.reading() as session:
                found = await session.scalar(
                    select(Callback)
                    .where(Callback.conversation_id == stored.conversation.id)
                    .order_by(Callback.created_at.desc())
                    .limit(1)
                )
            if found is None:  # pragma: no cover - the message and its row commit together
                raise Conflict("this request is being stored", code="callback_pending")
            return Requested(found, stored.conversation, duplicate=True)
        callback = holder[0]
        await self.wake_at(callback.id, callback.due_at)
        async with self.db.reading() as session:
            fresh = await session.get(Callback, callback.id)
        assert fresh is not None
        return Requested(fresh, fresh.conversation, duplicate=False)

    async def _upsert(
        self,
        session: AsyncSession,
        conversation: Conversation,
        new: NewCallback,
        due: datetime,
        now: datetime,
    ) -> Callback:
        """One open callback per conversation: a second request moves the first."""
        callback = await session.scalar(
            select(Callback).where(
                Callback.conversation_id == conversation.id, Callback.status.in_(CALLBACK_OPEN)
            )
        )
        if callback is None:
            callback = Callback(
                conversation_id=conversation.id,
                phone=new.phone,
                attempts=0,
                max_attempts=self.settings.callback_max_attempts,
                source=new.source,
                client_key=new.client_key,
                created_at=now,
            )
            session.add(callback)
        elif callback.status == "queued":
            due = now  # already in routing's hands: a new window cannot hold it back
        callback.name = new.name or callback.name
        callback.language = new.language or callback.language
        callback.topic = new.topic or callback.topic
        callback.window_start = new.window.start
        callback.window_end = new.window.end
        callback.timezone = new.window.timezone
        callback.notify_email = new.email or callback.notify_email
        callback.due_at = due
        callback.status = callback.status if callback.status == "queued" else "scheduled"
        callback.updated_at = now
        audit.record(
            session,
            at=now,
            actor_kind="customer",
            actor_id=conversation.customer_id,
            action="callback.requested",
            subject_type="conversation",
            subject_id=conversation.id,
            due_at=iso(due),
            source=new.source,
        )
        await session.flush()
        return callback

    async def wake_at(self, callback_id: str, due: datetime) -> None:
        if due <= self.clock() or self.timers is None:
            await self.make_due(callback_id)
        else:
            await self.timers.schedule(CALLBACK_JOB, callback_id, due)

    # -- its time -----------------------------------------------------------------------

    async def make_due(self, callback_id: str) -> None:
        """Hand a callback whose time has come to routing; a no-op for any other state,
        so two web processes (or a retry) waking the same one queue it once."""
        now = self.clock()
        route: str | None = None
        async with self.db.transaction() as session:
            callback = await session.scalar(
                select(Callback).where(Callback.id == callback_id).with_for_update(of=Callback)
            )
            if callback is None or callback.status != "scheduled" or callback.due_at > now:
                return
            conversation = await session.get(Conversation, callback.conversation_id)
            assert conversation is not None
            callback.updated_at = now
            if conversation.status == "closed":
                callback.status = "cancelled"
                return
            callback.status = "queued"
            if conversation.status == "scheduled":
                conversation.status = "queued"
                conversation.queued_at = now
                conversation.updated_at = now
                conversation.priority = max(
                    conversation.priority,
                    self.config.callback_priority_of(conversation.customer.tier),
                )
                route = conversation.id
        if route is not None:
            log.info("callback due", extra={"fields": {"conversation_id": route}})
            await self.inbox.enqueue(route)

    def job_kind(self) -> JobKind:
        async def handle(_ctx: JobContext, callback_id: str) -> None:
            await self.make_due(callback_id)

        async def due(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
            rows = await session.execute(
                select(Callback.id, Callback.due_at).where(Callback.status == "scheduled")
            )
            return [(row.id, row.due_at) for row in rows]

        return JobKind(name=CALLBACK_JOB, handle=handle, due=due)

    # -- how the call went --------------------------------------------------------------

    async def outcome(
        self, principal: Principal, conversation_id: object, outcome: object, note: object = None
    ) -> Callback:
        """The ambassador's record of one try: reached, no answer (try again), wrong number."""
        if outcome not in OUTCOMES:
            raise InvalidInput("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
        if note is not None and (not isinstance(note, str) or len(note) > 2000):
            raise InvalidInput("note", "a note is text of at most 2000 characters")
        now = self.clock()
        async with self.db.transaction() as session:
            conversation = await visible_conversation(session, principal, conversation_id)
            check_handler(principal, conversation)
            if conversation.status != "assigned":
                raise Conflict("take the callback before recording a call", code="not_assigned")
            callback = await session.scalar(
                select(Callback)
                .where(Callback.conversation_id == conversation.id, Callback.status == "queued")
                .with_for_update(of=Callback)
            )
            if callback is None:
                raise Conflict("this conversation has no callback to make", code="no_callback")
            callback.attempts += 1
            callback.last_outcome = str(outcome)
            callback.updated_at = now
            retry_at = None
            if outcome == "reached":
                callback.status = "reached"
            elif outcome == "wrong_number":
                callback.status = "wrong_number"
            else:
                retry_at = next_try(
                    _window(callback),
                    attempts=callback.attempts,
                    max_attempts=callback.max_attempts,
                    now=now,
                    retry_after=timedelta(minutes=self.settings.callback_retry_minutes),
                )
                callback.status = "scheduled" if retry_at is not None else "unreachable"
                if retry_at is not None:
                    callback.due_at = retry_at
                    conversation.status = "scheduled"
                    conversation.assigned_staff_id = None
                    conversation.updated_at = now
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=principal.id,
                action="callback.outcome",
                subject_type="conversation",
                subject_id=conversation.id,
                outcome=str(outcome),
                attempt=callback.attempts,
                retry_at=iso(retry_at),
            )
            told = await self._tell_shopper(session, conversation, callback, retry_at, now)
        await self._after_outcome(principal, conversation, callback, retry_at, note, told)
        return callback

    async def _after_outcome(
        self,
        principal: Principal,
        conversation: Conversation,
        callback: Callback,
        retry_at: datetime | None,
        note: object,
        told: Sequence[Scheduled],
    ) -> None:
        for scheduled in told:
            await self.jobs.schedule(scheduled.job_kind, scheduled.key)
        text = _outcome_note(callback, retry_at, principal.name)
        if isinstance(note, str) and note.strip():
            text = f"{text}\n{note.strip()}"
        await self.inbox.system_message(conversation.id, text)
        if retry_at is not None:
            await self.inbox.routing.finished(principal.id, CHANNEL)
            await self.publisher.to_staff(
                principal.id,
                "callback_rescheduled",
                {"conversation_id": conversation.id, "callback": callback_payload(callback)},
            )
            await self.wake_at(callback.id, retry_at)
        elif callback.status in ("wrong_number", "unreachable"):
            await self.inbox.close(principal, conversation.id)

    async def _tell_shopper(
        self,
        session: AsyncSession,
        conversation: Conversation,
        callback: Callback,
        retry_at: datetime | None,
        now: datetime,
    ) -> list[Scheduled]:
        """A missed try (or the last one) reaches the shopper: by e-mail if they gave one,
        else by text message from the store's number; nothing for other outcomes."""
        if callback.last_outcome != "no_answer":
            return []
        store = conversation.store
        t = texts(
            language_of(callback.language, conversation.language, store_languages=store.languages)
        )
        text = _missed_text(t, store, callback, retry_at)
        if callback.notify_email:
            message = mail.compose(
                self.settings,
                to=callback.notify_email,
                subject=t.gettext("{store}: we tried to call you", store=store.name),
                text=text,
                now=now,
            )
            mail_id = await mail.enqueue(session, message, now=now, ref=("callback", callback.id))
            return [Scheduled(MAIL_JOB, mail_id)]
        if self.sms is not None:
            scheduled = await self.sms.enqueue(
                session,
                store_id=conversation.store_id,
                to=callback.phone,
                text=text,
                ref=callback.id,
                now=now,
            )
            return [scheduled] if scheduled is not None else []
        return []


def callback_payload(callback: Callback) -> dict[str, Any]:
    """What the console's call card shows."""
    return {
        "id": callback.id,
        "phone": callback.phone,
        "name": callback.name,
        "topic": callback.topic,
        "language": callback.language,
        "window": _window_payload(_window(callback)),
        "due_at": iso(callback.due_at),
        "attempts": callback.attempts,
        "max_attempts": callback.max_attempts,
        "status": callback.status,
        "last_outcome": callback.last_outcome,
        "source": callback.source,
    }


async def callback_of(session: AsyncSession, conversation_id: str) -> Callback | None:
    """The conversation's latest callback, open or ended."""
    return await session.scalar(
        select(Callback)
        .where(Callback.conversation_id == conversation_id)
        .order_by(Callback.created_at.desc())
        .limit(1)
    )


def _window(callback: Callback) -> CallbackWindow:
    return CallbackWindow(callback.window_start, callback.window_end, callback.timezone or "UTC")


def _window_payload(window: CallbackWindow) -> dict[str, Any] | None:
    """The shopper's window as the console shows it; None for "as soon as possible"."""
    if window.start is None:
        return None
    return {"start": iso(window.start), "end": iso(window.end), "timezone": window.timezone}


def _request_data(new: NewCallback) -> dict[str, Any]:
    return {
        "phone": new.phone,
        "source": new.source,
        "window": _window_payload(new.window),
    }


def _fresh_key(new: NewCallback, now: datetime) -> str:
    """A request without an idempotency key (a caller's keypress) is its own message."""
    return f"callback:{new.phone}:{now.timestamp():.6f}"


def _local(when: datetime, timezone: str | None) -> str:
    zone = ZoneInfo(timezone or "UTC")
    return when.astimezone(zone).strftime("%d %b %Y %H:%M (%Z)")


def _outcome_note(callback: Callback, retry_at: datetime | None, who: str) -> str:
    tries = f"try {callback.attempts} of {callback.max_attempts}"
    if callback.status == "reached":
        return f"Call by {who}: reached the client ({tries})."
    if callback.status == "wrong_number":
        return f"Call by {who}: wrong number; the callback is closed."
    if retry_at is not None:
        return (
            f"Call by {who}: no answer ({tries}). Next try {_local(retry_at, callback.timezone)}."
        )
    return f"Call by {who}: no answer ({tries}). No tries left; the callback is closed."


def _missed_text(t: Texts, store: Store, callback: Callback, retry_at: datetime | None) -> str:
    """What a shopper reads after a missed try, in their language, with the next try's time
    on their own clock (the window's zone) or the store's."""
    greeting = (
        t.gettext("Dear {name},", name=callback.name) if callback.name else t.gettext("Hello,")
    )
    if retry_at is not None:
        zone = callback.timezone or store.timezone
        body = t.gettext(
            "{store} tried to call you as you asked, but could not reach you. "
            "We will try again on {when}.",
            store=store.name,
            when=when(t, retry_at, zone),
        )
    else:
        body = t.gettext(
            "{store} tried to call you as you asked, but could not reach you. "
            "Reply to this message or call us whenever it suits you.",
            store=store.name,
        )
    return f"{greeting}\n\n{body}"
