"""Reading and erasing feedback rows: what the console, the export and erasure need.

Kept apart from ``hub.feedback`` (which asks and answers through the inbox) so that the
profile code (``hub.customers``) can use it without importing the inbox.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.booking_models import Appointment
from hub.db.feedback_models import Feedback
from hub.db.models import Conversation
from hub.messages import iso

CSAT = "csat"
NPS = "nps"
# The answer's range, lowest first; a question carries it so each client draws its choices.
SCALES: dict[str, tuple[int, int]] = {CSAT: (1, 5), NPS: (0, 10)}
MAX_COMMENT = 1000


def question_data(row: Feedback) -> dict[str, Any]:
    """The ``data.feedback`` of the message that asks: what the widget turns into buttons."""
    low, high = SCALES[row.kind]
    return {"id": row.id, "kind": row.kind, "scale": [low, high]}


def answer_data(row: Feedback) -> dict[str, Any]:
    """The ``data.feedback`` of the note that records an answer (the console renders it)."""
    return {
        **question_data(row),
        "score": row.score,
        "comment": row.comment,
        "answered_at": iso(row.answered_at),
    }


def answer_payload(row: Feedback | None) -> dict[str, Any] | None:
    """``{score, comment, answered_at}`` once answered; None when never asked or not yet."""
    if row is None or row.answered_at is None:
        return None
    low, high = SCALES[row.kind]
    return {
        "score": row.score,
        "scale": [low, high],
        "comment": row.comment,
        "answered_at": iso(row.answered_at),
    }


async def for_conversation(session: AsyncSession, conversation_id: str) -> dict[str, Any]:
    """The conversation's ``feedback``: its CSAT, and the NPS of the latest appointment booked
    from it that was answered."""
    csat = await session.scalar(
        select(Feedback).where(Feedback.kind == CSAT, Feedback.conversation_id == conversation_id)
    )
    nps = await session.scalar(
        select(Feedback)
        .join(Appointment, Appointment.id == Feedback.appointment_id)
        .where(
            Feedback.kind == NPS,
            Appointment.conversation_id == conversation_id,
            Feedback.answered_at.is_not(None),
        )
        .order_by(Feedback.answered_at.desc())
        .limit(1)
    )
    return {
        "csat": answer_payload(csat),
        "csat_asked": csat is not None,
        "nps": answer_payload(nps),
    }


def _of(customer_id: str) -> ColumnElement[bool]:
    """A customer's rows: by the id they were asked under, or through their conversations and
    appointments (which a merge moves to the surviving profile)."""
    return or_(
        Feedback.customer_id == customer_id,
        Feedback.conversation_id.in_(
            select(Conversation.id).where(Conversation.customer_id == customer_id)
        ),
        Feedback.appointment_id.in_(
            select(Appointment.id).where(Appointment.customer_id == customer_id)
        ),
    )


async def of_customer(session: AsyncSession, customer_id: str) -> list[dict[str, Any]]:
    """Every question asked of a customer and their answers, for their data export."""
    rows = (
        await session.scalars(
            select(Feedback).where(_of(customer_id)).order_by(Feedback.asked_at, Feedback.id)
        )
    ).all()
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "channel": row.channel,
            "conversation_id": row.conversation_id,
            "appointment_id": row.appointment_id,
            "asked_at": iso(row.asked_at),
            "answered_at": iso(row.answered_at),
            "score": row.score,
            "comment": row.comment,
        }
        for row in rows
    ]


async def erase_for(session: AsyncSession, customer_id: str) -> None:
    """Erasure: the words and the address go; the score stays, for the statistics."""
    await session.execute(
        update(Feedback)
        .where(_of(customer_id))
        .values(comment=None, contact=None, token_hash=None)
        .execution_options(synchronize_session=False)
    )
