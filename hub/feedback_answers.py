"""Recording a shopper's answer to a feedback question, however it comes back: the widget
over the shopper's socket, the rating page with the link's token, or a WeChat reply that
is just a number.

The first answer is kept: the row is completed by one conditional UPDATE, so a second
answer (another tab, a double click, a replayed request) is refused with
``already_answered`` whatever the timing. Each answer leaves a note in the conversation
(``data.feedback`` with the score; consoles render it, the widget shows its thanks), which
reaches watching consoles through the usual message events.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import feedback_texts
from hub.conversations import append_message
from hub.db.booking_models import Appointment
from hub.db.feedback_models import Feedback
from hub.db.models import Conversation, Message, Store
from hub.errors import Conflict, Gone, HubError, InvalidInput, NotFound
from hub.feedback import FeedbackService
from hub.feedback_records import MAX_COMMENT, SCALES, answer_data, answer_payload
from hub.outbound import Scheduled
from hub.security.tokens import token_digest

log = logging.getLogger("hub.feedback")
# A link or the widget's buttons still take an answer this long after asking.
ANSWER_WITHIN = timedelta(days=30)
# A bare number on WeChat counts as a rating only this soon after the question.
REPLY_WITHIN = timedelta(hours=24)
_NUMBER = re.compile(r"^[0-9]{1,2}$")
MAX_TOKEN = 100


class RatingReplies(Protocol):
    """What a channel asks before handing a shopper's text to the inbox: is this the answer
    to the question they were just asked? True when it was taken as such."""

    async def from_reply(self, channel: str, contact: str, text: str) -> bool: ...


@dataclass(frozen=True)
class Answered:
    row: Feedback
    note: Message | None
    conversation: Conversation | None
    delivery: Scheduled | None


def reply_number(text: str) -> int | None:
    """ "4", " 4 ", or a full-width digit as Chinese keyboards type it: the number; else None."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    return int(folded) if _NUMBER.match(folded) else None


def _score(row: Feedback, value: object) -> int:
    low, high = SCALES[row.kind]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput("score", f"score must be a whole number from {low} to {high}")
    return value


def _comment(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("comment", "comment must be text")
    text = value.strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(
            "comment", f"comment must be at most {MAX_COMMENT} characters", code="comment_too_long"
        )
    return text or None


class Answers:
    """The three ways an answer comes back, over one way to record it."""

    def __init__(self, service: FeedbackService) -> None:
        self.service = service
        self.db = service.db
        self.clock = service.clock

    async def from_visitor(
        self, visitor_id: str, feedback_id: object, score: object, comment: object
    ) -> Feedback:
        """The widget's answer: the question must have been asked of this visitor."""
        if not isinstance(feedback_id, str) or len(feedback_id) > 36:
            raise NotFound("feedback not found")

        async def find(session: AsyncSession) -> Feedback | None:
            row = await session.get(Feedback, feedback_id)
            mine = row is not None and row.channel == "webchat" and row.contact == visitor_id
            return row if mine else None

        return await self._answer(find, score, comment)

    async def lookup(self, token: object) -> dict[str, Any]:
        """What the rating page shows before the shopper chooses."""
        async with self.db.reading() as session:
            row = await _by_token(session, token)
            store = await session.get(Store, row.store_id)
        low, high = SCALES[row.kind]
        return {
            "kind": row.kind,
            "scale": [low, high],
            "store": store.name if store else None,
            "language": row.language,
            "answered": row.answered_at is not None,
            "answer": answer_payload(row),
        }

    async def from_link(self, token: object, score: object, comment: object) -> Feedback:
        """The rating page's answer, proven by the link's token."""

        async def find(session: AsyncSession) -> Feedback | None:
            return await _by_token(session, token)

        return await self._answer(find, score, comment)

    async def from_reply(self, channel: str, contact: str, text: str) -> bool:
        """A reply that is only a number, from whoever was asked on ``channel`` within
        ``REPLY_WITHIN``, while unanswered: stored as the rating and thanked. False leaves the
        message to the inbox as any other ("5 rings please" opens a conversation)."""
        number = reply_number(text)
        if number is None:
            return False
        since = self.clock() - REPLY_WITHIN

        async def find(session: AsyncSession) -> Feedback | None:
            row: Feedback | None = await session.scalar(
                select(Feedback)
                .where(
                    Feedback.channel == channel,
                    Feedback.contact == contact,
                    Feedback.answered_at.is_(None),
                    Feedback.asked_at >= since,
                )
                .order_by(Feedback.asked_at.desc())
                .limit(1)
            )
            low, high = SCALES[row.kind] if row is not None else (0, -1)
            return row if low <= number <= high else None

        try:
            await self._answer(find, number, None, thank=True, within=REPLY_WITHIN)
        except NotFound:
            return False
        except Conflict:
            return True  # answered a moment ago by the same number: nothing to open
        return True

    async def _answer(
        self,
        find: Any,
        score: object,
        comment: object,
        *,
        thank: bool = False,
        within: timedelta = ANSWER_WITHIN,
    ) -> Feedback:
        words = _comment(comment)
        now = self.clock()
        async with self.db.transaction() as session:
            row = await find(session)
            if row is None:
                raise NotFound("feedback not found")
            if row.answered_at is not None:
                raise Conflict("this question was already answered", code="already_answered")
            value = _score(row, score)
            if now - row.asked_at > within:
                raise Gone("this question can no longer be answered", code="feedback_expired")
            done = await session.execute(
                update(Feedback)
                .where(Feedback.id == row.id, Feedback.answered_at.is_(None))
                .values(score=value, comment=words, answered_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(done, "rowcount", 0) != 1:
                raise Conflict("this question was already answered", code="already_answered")
            row.score, row.comment, row.answered_at = value, words, now
            answered = await self._note(session, row, now, thank)
        await self._after(answered)
        return row

    async def _note(
        self, session: AsyncSession, row: Feedback, now: datetime, thank: bool
    ) -> Answered:
        """The answer in the conversation it was about (the one the appointment was booked
        from, for NPS): internal, or the thanks that goes out for a WeChat reply."""
        conversation_id = row.conversation_id
        if conversation_id is None and row.appointment_id is not None:
            appointment = await session.get(Appointment, row.appointment_id)
            conversation_id = appointment.conversation_id if appointment else None
        conversation = await session.get(Conversation, conversation_id) if conversation_id else None
        if conversation is None:
            return Answered(row, None, None, None)
        outbound = self.service.inbox.outbound.get(conversation.channel) if thank else None
        message = await append_message(
            session,
            conversation,
            now,
            direction="out" if outbound else "internal",
            channel=conversation.channel,
            author_kind="system",
            author_name=None,
            text=feedback_texts.thanks(row.language or "en")
            if outbound
            else feedback_texts.note(row.kind, row.score or 0, row.comment),
            data={"feedback": answer_data(row)},
            delivery_status="pending" if outbound else None,
        )
        delivery = None
        if outbound is not None:
            try:
                key = await outbound.enqueue(session, conversation, message, now)
                delivery = Scheduled(outbound.job_kind, key)
            except HubError as exc:  # the rating stands; the thanks cannot go
                message.delivery_status, message.delivery_error = "failed", exc.message[:500]
                await session.flush()
        return Answered(row, message, conversation, delivery)

    async def _after(self, answered: Answered) -> None:
        if answered.delivery is not None:
            await self.service.jobs.schedule(answered.delivery.job_kind, answered.delivery.key)
        if answered.note is not None and answered.conversation is not None:
            try:
                await self.service.inbox.events.message_added(
                    answered.conversation, answered.note, None
                )
            except Exception:  # stored: consoles recover it with the timeline
                log.exception("emitting a feedback answer failed")


async def _by_token(session: AsyncSession, token: object) -> Feedback:
    if not isinstance(token, str) or not 20 <= len(token) <= MAX_TOKEN:
        raise NotFound("this link is not valid")
    row: Feedback | None = await session.scalar(
        select(Feedback).where(Feedback.token_hash == token_digest(token))
    )
    if row is None:
        raise NotFound("this link is not valid")
    return row
