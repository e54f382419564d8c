"""Attention: per-ambassador read markers and conversation tags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base
from hub.db.types import UTCDateTime


class ConversationRead(Base):
    """How far one staff member has read one conversation: unread counts are the customer
    messages after ``last_read_seq``. Only ever moves forward."""

    __tablename__ = "conversation_reads"

    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationTag(Base):
    """A word staff put on a conversation to find it again (``?tag=``) and to suggest to
    colleagues of the same store."""

    __tablename__ = "conversation_tags"
    # The filter and the suggestions look tags up by value.
    __table_args__ = (Index("ix_conversation_tags_tag", "tag"),)

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
