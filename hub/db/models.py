"""SQLAlchemy models: the hub's durable state.

Ids are random UUIDs (strings) so nothing in a URL or socket payload can be enumerated.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from hub.db.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[list[str]] = mapped_column(JSONType)
    # {"mon": [["10:00", "19:00"]], ...}; NULL means always open.
    opening_hours: Mapped[dict[str, list[list[str]]] | None] = mapped_column(JSONType)
    # Overflow goes to stores of the same region (the country when unset), then to
    # service centres.
    region: Mapped[str | None] = mapped_column(String(32))
    service_centre: Mapped[bool] = mapped_column(Boolean, default=False)
    relax_language: Mapped[bool] = mapped_column(Boolean, default=True)
    # Shown on in-store appointments, their e-mails and calendar files.
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    appointment_types: Mapped[list[AppointmentType]] = relationship(
        back_populates="store", order_by="AppointmentType.code"
    )


class AppointmentType(Base):
    __tablename__ = "appointment_types"
    __table_args__ = (UniqueConstraint("store_id", "code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # virtual | in_store
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # The ambassador's time blocked around it, never shown to the customer.
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=120)
    max_ahead_days: Mapped[int] = mapped_column(Integer, default=60)
    # What every ambassador taking it must have (all of them).
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    store: Mapped[Store] = relationship(back_populates="appointment_types")


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # ambassador | manager | admin
    languages: Mapped[list[str]] = mapped_column(JSONType)
    capacity: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where a phone call for them rings (E.164); without one they take calls back only.
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    store_links: Mapped[list[StaffStore]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin"
    )


class StaffStore(Base):
    """Which stores a staff member may see and serve: the basis of every access check."""

    __tablename__ = "staff_stores"

    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    store_id: Mapped[str] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )

    staff: Mapped[Staff] = relationship(back_populates="store_links")
    store: Mapped[Store] = relationship(lazy="joined")


class StaffSession(Base):
    """Login sessions; only a hash of the bearer token is stored."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str | None] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(32), default="standard")
    home_store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id", ondelete="SET NULL"))
    # The customer's own ambassador (clienteling): offered their conversations first.
    preferred_staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    # How the tier was set: derived from purchases, imported, or set by hand.
    tier_source: Mapped[str] = mapped_column(String(16), default="derived")
    # Language, store, channel, colours, metals, ring size, collections, categories, dates.
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # A merged-away profile stays as a tombstone pointing at the survivor, so old ids resolve.
    merged_into_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", lazy="selectin"
    )
    home_store: Mapped[Store | None] = relationship(lazy="selectin", foreign_keys=[home_store_id])


class CustomerIdentity(Base):
    """One way to recognise a customer: email, phone, wechat openid, web visitor, POS number."""

    __tablename__ = "customer_identities"
    # A verified identity belongs to one customer only; a claimed one (typed into a chat)
    # may appear on several profiles, which is how the console finds merge candidates.
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "value"),
        Index(
            "uq_customer_identities_verified_kind_value",
            "kind",
            "value",
            unique=True,
            sqlite_where=text("verified"),
            postgresql_where=text("verified"),
        ),
        Index("ix_customer_identities_kind_value", "kind", "value"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(320))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="identities")

    # kinds: email | phone | wechat_openid | wechat_unionid | visitor | pos_customer_no | external


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_status_queued_at", "status", "queued_at"),
        Index("ix_conversations_channel_contact", "channel", "contact"),
        # Insights: a period's conversations of some stores (hub.insights).
        Index("ix_conversations_store_id_created_at", "store_id", "created_at"),
        # Attribution: a customer's conversations before a sale (hub.pos_import.attribution).
        Index("ix_conversations_customer_id_created_at", "customer_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    # The channel address replies go to (web visitor id, openid, e-mail, E.164 number).
    contact: Mapped[str] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(16))
    # scheduled | queued | offered | assigned | closed
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=1)
    required_skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    optional_skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Left by the ambassador who transferred the conversation, for the next one.
    transfer_note: Mapped[str | None] = mapped_column(Text)
    # A transfer to a named ambassador: offered to them first, like a preferred ambassador.
    transfer_to_staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    assigned_staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it ended (hub.conversation_labels.OUTCOMES), who closed it and a word on it; for
    # staff only, never sent to the shopper. Cleared when the conversation opens again.
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    closed_by_staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )

    store: Mapped[Store] = relationship(lazy="joined")
    customer: Mapped[Customer] = relationship(lazy="joined")
    assigned_staff: Mapped[Staff | None] = relationship(
        lazy="joined", foreign_keys=[assigned_staff_id]
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # A conversation's first customer and first ambassador message (hub.insights).
        Index(
            "ix_messages_conversation_id_author_kind_created_at",
            "conversation_id",
            "author_kind",
            "created_at",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(8))  # in | out | internal
    channel: Mapped[str] = mapped_column(String(16))
    author_kind: Mapped[str] = mapped_column(String(16))  # customer | ambassador | system
    author_staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    author_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Structured content beside the text, e.g. a proposal of appointment times that the
    # widget shows as buttons; channels without buttons get the text.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Client id or channel message id, namespaced by who sent it; NULL for system notes.
    dedupe_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivery_status: Mapped[str | None] = mapped_column(String(16))  # pending | sent | failed
    # Why the channel refused it (WeChat's 45015: outside the 48-hour window), for the console.
    delivery_error: Mapped[str | None] = mapped_column(Text)


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_status_expires_at", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    # pending | accepted | declined | expired | revoked
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Append-only: a database trigger refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"
    # The audit viewer: everything about one record (a staff member, a store).
    __table_args__ = (Index("ix_audit_log_subject_type_subject_id", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff | customer | system | cli
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
