"""Voice tables: callback requests and the calls the provider reports.

A callback is a request to be phoned, tied to one ``voice`` conversation; the row holds
what routing and the console need beside the timeline: when it is due, how many tries
are left and how the last one went. A call row is one provider call (``CallSid``):
incoming, or a bridge the hub asked the provider to place, with what became of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models import Base, Conversation, new_id
from hub.db.types import UTCDateTime

# scheduled: waiting for its time · queued: handed to routing · reached, wrong_number,
# unreachable (out of attempts), cancelled: ended.
CALLBACK_OPEN = ("scheduled", "queued")


class Callback(Base):
    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_status_due_at", "status", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(Text)
    # The window the shopper chose (UTC), and the time zone they chose it in, for display.
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    # Where the shopper hears of a missed try: an e-mail they gave, else an SMS.
    notify_email: Mapped[str | None] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(16))  # form | widget | phone
    # The form's idempotency key: the same request sent twice is one callback.
    client_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    conversation: Mapped[Conversation] = relationship(lazy="joined")


class VoiceCall(Base):
    __tablename__ = "voice_calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    call_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("voice_accounts.id", ondelete="CASCADE"))
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    callback_id: Mapped[str | None] = mapped_column(ForeignKey("callbacks.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(16))  # inbound | bridge
    from_number: Mapped[str | None] = mapped_column(String(20))
    to_number: Mapped[str] = mapped_column(String(20))
    # ringing | in-progress | completed | busy | failed | no-answer | canceled
    status: Mapped[str] = mapped_column(String(16))
    # What the hub decided for an incoming call: ring | voicemail | closed
    handling: Mapped[str | None] = mapped_column(String(16))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    offer_id: Mapped[str | None] = mapped_column(String(36))
    dial_status: Mapped[str | None] = mapped_column(String(16))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
