"""Invitations to join the staff: a one-time link e-mailed to a new colleague, who sets
their own password with it. Only the token's SHA-256 is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base, new_id
from hub.db.types import UTCDateTime


class StaffInvitation(Base):
    """One link; a newer invitation for the same person replaces (deletes) the older one."""

    __tablename__ = "staff_invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The manager or admin who sent it (kept as history if they leave).
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set once, by the conditional UPDATE that redeems it: the link works a single time.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
