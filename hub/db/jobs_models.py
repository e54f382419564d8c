"""Job and delivery tables: the outbox of e-mails, e-mail verification links, and the
record of every job attempt.

The tables are the source of truth for background work: a queued job carries only a row
id, so losing the queue (a restart, a flushed Redis) loses nothing that the rows' ``due``
queries cannot find again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base, new_id
from hub.db.types import UTCDateTime


class DeliveryState:
    """Columns every claimable row shares: ``hub.jobs.attempts`` claims and settles them.

    ``status`` is queued until delivered (sent) or given up (failed); ``claimed_until`` is
    the lease of the runner working on it, so a second runner leaves it alone and a
    crashed one's work is picked up once the lease runs out.
    """

    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MailOutbox(DeliveryState, Base):
    """One outbound e-mail, stored fully built (RFC 5322 bytes) before anyone sends it."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_mail_outbox_ref_kind_ref_id", "ref_kind", "ref_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # The body holds a secret (a verification link): only the headers are kept once the
    # mail has left or been given up.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the mail is about (an e-mail verification, an appointment), for support lookups.
    ref_kind: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(64))


class JobAttempt(Base):
    """Every try of every job: when, which attempt, and how it ended."""

    __tablename__ = "job_attempts"
    __table_args__ = (Index("ix_job_attempts_kind_key", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # running | done | retry | failed
    error: Mapped[str | None] = mapped_column(Text)


class EmailVerification(Base):
    """A link sent to prove that an e-mail address belongs to a customer.

    Only the SHA-256 of the token is stored; the token itself travels in the link's URL
    fragment, so it reaches neither this table nor any server log. The address and the
    customer (not the identity row) are kept, so a merge in between does not void the link.
    """

    __tablename__ = "email_verifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    requested_by_staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
