"""Asking shoppers how it went: a CSAT question (1 to 5) when a conversation closes, an NPS
question (0 to 10) when an appointment is marked completed.

One ``feedback`` row per question, unique per conversation and per appointment, so a
second close or a retry finds the first row and asks nothing twice. The question is a
message in the conversation (``data.feedback`` lets the widget draw buttons) delivered by
the conversation's channel in the same transaction: a WeChat text with a reply keyword and
a link, an e-mail with a link, a text message with a link. Links carry a 256-bit token in
their fragment; only its SHA-256 is stored, and the timeline keeps the link without it.

Asking runs after the close's commit, in the background, so it never delays the close's
acknowledgement; what it sends is an outbox row and a job, so no delivery is lost. A
channel that cannot take the question (WeChat's 48-hour window has closed, a caller who
withheld their number) leaves nothing asked. Answers: ``hub.feedback_answers``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import feedback_audience as audience
from hub import feedback_texts, mail
from hub.clock import Clock
from hub.conversations import append_message
from hub.db.booking_models import Appointment
from hub.db.engine import Database
from hub.db.feedback_models import Feedback
from hub.db.models import Conversation, Message, Store
from hub.errors import Conflict, HubError
from hub.feedback_records import CSAT, NPS, question_data
from hub.inbox import Inbox
from hub.jobs.kind import Jobs
from hub.mail.outbox import MAIL_JOB
from hub.outbound import Scheduled
from hub.security.tokens import token_digest
from hub.settings import Settings
from hub.shopper_texts import appointment_language
from hub.tasks import BackgroundTasks

log = logging.getLogger("hub.feedback")
TOKEN_BYTES = 32


def rate_link(public_url: str, token: str | None) -> str:
    """The rating page; the token rides in the fragment, which no server ever logs."""
    return f"{public_url}/rate" + (f"#{token}" if token else "")


class FeedbackService:
    """Asks (here) and records answers (``hub.feedback_answers.Answers`` builds on it)."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        inbox: Inbox,
        jobs: Jobs,
        tasks: BackgroundTasks,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.inbox = inbox
        self.jobs = jobs
        self.tasks = tasks
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # -- after the fact, in the background ----------------------------------------------

    def conversation_closed(self, conversation: Conversation) -> None:
        """The inbox's hook after a close committed: ask, without holding up the close."""
        self._spawn(self.ask_csat(conversation.id), "feedback:csat")

    def appointment_completed(self, appointment_id: str) -> None:
        self._spawn(self.ask_nps(appointment_id), "feedback:nps")

    def _spawn(self, work: Coroutine[Any, Any, str | None], name: str) -> None:
        if not self.tasks.accepting:  # draining for shutdown: nothing new starts
            work.close()
            return
        self._running += 1
        self._idle.clear()
        self.tasks.spawn(self._tracked(work), name=name)

    async def _tracked(self, work: Coroutine[Any, Any, str | None]) -> None:
        try:
            await work
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def idle(self) -> None:
        """Return once no question is being asked (shutdown, and tests that close)."""
        await self._idle.wait()

    # -- asking ----------------------------------------------------------------------------

    async def ask_csat(self, conversation_id: str) -> str | None:
        """Ask once how the conversation went; the feedback id, or None when nobody is asked."""

        async def work(session: AsyncSession) -> tuple[str | None, Message | None, Any]:
            existing = await audience.asked(
                session, Feedback.conversation_id == conversation_id, CSAT
            )
            if existing is not None:
                return existing, None, None
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None or conversation.status != "closed":
                return None, None, None
            if not await audience.served(session, conversation):
                return None, None, None
            language = await audience.language(session, conversation)
            row = self._row(CSAT, conversation.store_id, language, self.clock())
            row.conversation_id = conversation.id
            row.customer_id = conversation.customer_id
            row.staff_id = conversation.assigned_staff_id or await audience.last_writer(
                session, conversation.id
            )
            message, delivery = await self._ask_in(session, row, conversation)
            return row.id, message, (conversation, delivery)

        return await self._asking(work, f"conversation {conversation_id}")

    async def ask_nps(self, appointment_id: str) -> str | None:
        """Ask once how likely they are to recommend the boutique: by e-mail when the booking
        has an address, else in the conversation it was booked from."""

        async def work(session: AsyncSession) -> tuple[str | None, Message | None, Any]:
            asked = Feedback.appointment_id == appointment_id
            existing = await audience.asked(session, asked, NPS)
            if existing is not None:
                return existing, None, None
            appointment = await session.get(Appointment, appointment_id)
            if appointment is None or appointment.status != "completed":
                return None, None, None
            conversation = (
                await session.get(Conversation, appointment.conversation_id)
                if appointment.conversation_id
                else None
            )
            language = await appointment_language(session, appointment)
            row = self._row(NPS, appointment.store_id, language, self.clock())
            row.appointment_id = appointment.id
            row.customer_id = appointment.customer_id
            row.staff_id = appointment.ambassador_id
            if appointment.contact_email:
                mailed = await self._mail(session, row, appointment.contact_email, None)
                return row.id, None, (None, mailed)
            if conversation is None:
                return None, None, None
            message, delivery = await self._ask_in(session, row, conversation)
            return row.id, message, (conversation, delivery)

        return await self._asking(work, f"appointment {appointment_id}")

    async def _asking(self, work: Any, subject: str) -> str | None:
        """Run ``work`` in a transaction; then deliver and tell the consoles and the widget."""
        try:
            async with self.db.transaction() as session:
                feedback_id, message, after = await work(session)
        except IntegrityError:
            # Asked at the same moment elsewhere (two closes, two processes): that one stands.
            log.info("feedback already being asked", extra={"fields": {"subject": subject}})
            return None
        except HubError as exc:
            log.info(
                "feedback not asked",
                extra={"fields": {"subject": subject, "reason": exc.message[:200]}},
            )
            return None
        if after is None:
            return feedback_id
        conversation, delivery = after
        if delivery is not None:
            await self.jobs.schedule(delivery.job_kind, delivery.key)
        if message is not None:
            try:
                await self.inbox.events.message_added(conversation, message, None)
            except Exception:  # stored: clients recover it through history
                log.exception("emitting a feedback question failed")
        return feedback_id

    def _row(self, kind: str, store_id: str, language: str, now: datetime) -> Feedback:
        return Feedback(kind=kind, store_id=store_id, language=language, asked_at=now)

    async def _ask_in(
        self, session: AsyncSession, row: Feedback, conversation: Conversation
    ) -> tuple[Message, Scheduled | None]:
        """The question as a message of the conversation, delivered by its channel."""
        now = row.asked_at
        channel = conversation.channel
        row.channel, row.contact = channel, conversation.contact
        session.add(row)
        await session.flush()
        store = conversation.store.name
        token = None if channel == "webchat" else secrets.token_urlsafe(TOKEN_BYTES)
        if token is not None:
            row.token_hash = token_digest(token)
        public = self.settings.public_url

        def text(link: str) -> str:
            return feedback_texts.question(row.kind, channel, _lang(row), store=store, link=link)

        message = await append_message(
            session,
            conversation,
            now,
            direction="out",
            channel=channel,
            author_kind="system",
            author_name=None,
            text=text(rate_link(public, token)),
            data={"feedback": question_data(row)},
            delivery_status=None if channel == "webchat" else "pending",
        )
        delivery: Scheduled | None = None
        if channel == "email":
            delivery = await self._mail(session, row, conversation.contact, message.id, token)
        elif channel != "webchat":
            outbound = self.inbox.outbound.get(channel)
            if outbound is None:
                raise Conflict(f"feedback cannot be asked on {channel}", code="no_channel")
            key = await outbound.enqueue(session, conversation, message, now)
            delivery = Scheduled(outbound.job_kind, key)
        # The channel has its copy with the token; the timeline keeps the bare page.
        message.text = text(rate_link(public, None))
        await session.flush()
        return message, delivery

    async def _mail(
        self,
        session: AsyncSession,
        row: Feedback,
        address: str,
        message_id: str | None,
        token: str | None = None,
    ) -> Scheduled:
        """A short e-mail with the rating page's link; its body is dropped once delivered."""
        if token is None:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            row.token_hash = token_digest(token)
        row.channel, row.contact = "email", address
        session.add(row)
        await session.flush()
        store = await session.get(Store, row.store_id)
        assert store is not None
        words = feedback_texts.mail(
            row.kind,
            _lang(row),
            store=store.name,
            link=rate_link(self.settings.public_url, token),
        )
        email = mail.compose(
            self.settings, to=address, subject=words.subject, text=words.body, now=row.asked_at
        )
        ref = ("message", message_id) if message_id else ("feedback", row.id)
        mail_id = await mail.enqueue(session, email, now=row.asked_at, ref=ref, sensitive=True)
        return Scheduled(MAIL_JOB, mail_id)


def _lang(row: Feedback) -> str:
    return row.language or "en"
