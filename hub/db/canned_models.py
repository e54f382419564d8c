"""Canned replies: answers an ambassador inserts with ``/`` in the reply box.

A reply is either personal (``owner_staff_id``: only its author sees it) or shared by a
store (``store_id``: everyone who works there sees it, its managers change it). Exactly one
of the two is set, which a check constraint holds on both databases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base, new_id
from hub.db.types import UTCDateTime


class CannedReply(Base):
    __tablename__ = "canned_replies"
    __table_args__ = (
        CheckConstraint(
            "(scope = 'personal' AND owner_staff_id IS NOT NULL AND store_id IS NULL)"
            " OR (scope = 'store' AND store_id IS NOT NULL AND owner_staff_id IS NULL)",
            name="scope_owner",
        ),
        # The listing reads one person's replies and their stores' ones, by language; the
        # shortcut is unique per owner (or store) and language. NULL shortcuts never clash.
        Index(
            "ix_canned_replies_owner_staff_id_language_shortcut",
            "owner_staff_id",
            "language",
            "shortcut",
            unique=True,
        ),
        Index(
            "ix_canned_replies_store_id_language_shortcut",
            "store_id",
            "language",
            "shortcut",
            unique=True,
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(16))  # personal | store
    owner_staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    shortcut: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    # Who wrote it (kept as history if they leave; the audit log has every change).
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
