"""Replies to channels other than the web chat: a row in the transaction, a job after it.

The inbox knows no channel. Each adapter registers an ``OutboundChannel`` for its channel
name; the inbox asks it to store the delivery in the same transaction as the reply (so
a refused reply, e.g. outside WeChat's 48-hour window, stores nothing) and schedules the
job only after the commit (so a rolled-back reply never goes out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.booking_models import Appointment
from hub.db.models import Conversation, Message


class OutboundChannel(Protocol):
    job_kind: str

    async def enqueue(
        self, session: AsyncSession, conversation: Conversation, message: Message, now: datetime
    ) -> str:
        """Store the delivery of ``message``; returns the key its job runs with.

        Raises a ``HubError`` (e.g. ``Conflict``) to refuse the reply outright.
        """

    async def state(
        self, session: AsyncSession, conversation: Conversation, now: datetime
    ) -> dict[str, Any] | None:
        """What the console shows about the channel (e.g. WeChat's 48-hour window)."""


@dataclass(frozen=True)
class Scheduled:
    """A delivery stored in the reply's transaction, to schedule once that commits."""

    job_kind: str
    key: str


class AppointmentMessenger(Protocol):
    """A channel that tells its followers about their appointments on its own (WeChat's
    template messages), beside the e-mail every booking gets."""

    async def appointment_notice(
        self,
        session: AsyncSession,
        row: Appointment,
        event: str,
        manage_url: str | None,
        now: datetime,
        *,
        ref: tuple[str, str],
    ) -> Scheduled | None:
        """Store the notice (``event``: booked, rescheduled, cancelled, reminder) keyed by
        ``ref``; None when the customer is not on this channel. Raises when they are but
        nothing can be sent, saying why."""
