"""What shoppers tell us afterwards: a satisfaction rating (CSAT 1 to 5) when a conversation
closes, a recommendation score (NPS 0 to 10) after an appointment.

A row is written when the question is asked and completed when it is answered, so the
dashboard can tell "not asked" from "asked, no answer" and count response rates from the
same rows it averages.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base, new_id
from hub.db.types import UTCDateTime


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        # One question of each kind per conversation and per appointment: asking twice
        # (a second close, a retried job) finds the first row.
        UniqueConstraint("kind", "conversation_id"),
        UniqueConstraint("kind", "appointment_id"),
        Index("ix_feedback_store_id_asked_at", "store_id", "asked_at"),
        # A WeChat reply "4" is matched to the question its sender was asked.
        Index("ix_feedback_channel_contact", "channel", "contact"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(8))  # csat | nps
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    appointment_id: Mapped[str | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE")
    )
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    # The ambassador the answer is about: who had the conversation or the appointment.
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))  # where it was asked
    # Who it was asked of on that channel (visitor id, openid, e-mail address, phone number):
    # an answer from the widget or a WeChat reply must come from there. Erased with the person.
    contact: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(16))
    # Links in e-mails and WeChat texts carry a token whose hash is kept here; the widget
    # answers over the shopper's own socket and needs none.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
