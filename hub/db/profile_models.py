"""Profile tables: consents, purchases, notes, POS imports, and merge tombstones.

Kept apart from the core tables so each module stays readable; ``hub.db`` imports both,
so every mapper is registered whichever one a caller imports.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base, new_id
from hub.db.types import JSONType, UTCDateTime


class ConsentEvent(Base):
    """The consent ledger: append-only; the current state is derived from it.

    A database trigger refuses deletes and any update except moving rows to another
    customer (a merge).
    """

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_customer_id_at", "customer_id", "at"),)

    # Insertion order breaks ties between entries recorded in the same instant.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(16))  # email | phone | wechat | post
    purpose: Mapped[str] = mapped_column(String(24))  # service | marketing | ...
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(24))  # see hub.profiles.consent.SOURCES
    policy_version: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Purchase(Base):
    """One purchase line from a store's point of sale, named by its natural key.

    The till's (store, transaction, line) is the primary key: it is what makes an import
    idempotent, and one index serves as both key and duplicate check (a random string id
    beside it cost a second unique index and a uuid per line).

    Its references carry no foreign keys, on purpose: a foreign key is a trigger that runs a
    ``SELECT ... FOR KEY SHARE`` on the referenced row for every line written, which made
    PostgreSQL itself unable to fill this table at import speed (bench.import_pos). The
    import takes every reference from rows it read or created in the same transaction
    (stores, identities, conversations, its own run), and none of the referenced rows is
    ever deleted: customers are erased in place or merged into a tombstone, stores, staff,
    conversations and import runs are kept. ``ON DELETE SET NULL`` had nothing to do.
    """

    __tablename__ = "purchases"
    __table_args__ = (
        # Profiles, lifetime value, tiers and attribution read a customer's purchases;
        # anonymous sales (no customer) never are, so they stay out of the index.
        Index(
            "ix_purchases_customer_id_purchased_at",
            "customer_id",
            "purchased_at",
            postgresql_where=text("customer_id IS NOT NULL"),
            sqlite_where=text("customer_id IS NOT NULL"),
        ),
        # Insights read the credited sales of some stores over a period (hub.insights).
        Index(
            "ix_purchases_credited_store_id_purchased_at",
            "store_id",
            "purchased_at",
            postgresql_where=text("staff_id IS NOT NULL"),
            sqlite_where=text("staff_id IS NOT NULL"),
        ),
    )

    store_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # stores.id
    transaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    customer_id: Mapped[str | None] = mapped_column(String(36))  # customers.id
    customer_no: Mapped[str | None] = mapped_column(String(64))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sku: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64))
    carat: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    colour: Mapped[str | None] = mapped_column(String(16))
    clarity: Mapped[str | None] = mapped_column(String(16))
    cut: Mapped[str | None] = mapped_column(String(32))
    metal: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # An offline sale after an online contact, credited to that ambassador and conversation.
    staff_id: Mapped[str | None] = mapped_column(String(36))  # staff.id
    conversation_id: Mapped[str | None] = mapped_column(String(36))  # conversations.id
    # When the contact was an appointment: it, and the conversation it was booked in if any.
    appointment_id: Mapped[str | None] = mapped_column(String(36))  # appointments.id
    import_id: Mapped[str | None] = mapped_column(String(36))  # pos_imports.id

    @property
    def id(self) -> str:
        """The purchase's name in payloads: its natural key as one string."""
        return f"{self.store_id}/{self.transaction_id}/{self.line_no}"


class CustomerNote(Base):
    __tablename__ = "customer_notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PosImport(Base):
    """One run of the daily POS import, with its progress and summary."""

    __tablename__ = "pos_imports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)  # the first few
