"""Clienteling: follow-up tasks an ambassador keeps about their clients ("call after the
resize is ready"). The due date is a calendar day on the store's clock, not an instant,
because that is how people plan a call."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base, new_id
from hub.db.types import UTCDateTime

MAX_TITLE = 200
MAX_NOTE = 2000


class FollowUpTask(Base):
    """One thing to do for one customer, by one colleague, by a day."""

    __tablename__ = "follow_up_tasks"
    # "My open tasks, soonest first": the list every ambassador opens.
    __table_args__ = (
        Index(
            "ix_follow_up_tasks_assignee_staff_id_done_at_due_on",
            "assignee_staff_id",
            "done_at",
            "due_on",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    assignee_staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    # Kept as history when its author leaves.
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    note: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
