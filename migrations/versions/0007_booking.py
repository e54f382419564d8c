"""Booking: appointment type rules, store addresses and special hours, schedules, time
off, holds and appointments that the database keeps from overlapping, reminders.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BLOCKING = "('held', 'booked', 'completed', 'no_show')"

# PostgreSQL: no two blocking rows of one ambassador overlap, checked by the database
# under any concurrency (btree_gist lets a GiST index compare the ambassador's id).
NO_OVERLAP_POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
        EXCLUDE USING gist (ambassador_id WITH =, tstzrange(block_start, block_end) WITH &&)
        WHERE (status IN {BLOCKING})""",
]
# SQLite runs one writer at a time, so a check inside the writing statement sees every
# committed row and no other writer can slip in between: the same guarantee.
_OVERLAP = f"""
    SELECT RAISE(ABORT, 'appointments_no_overlap') WHERE NEW.status IN {BLOCKING} AND EXISTS (
        SELECT 1 FROM appointments AS other
        WHERE other.ambassador_id = NEW.ambassador_id AND other.id <> NEW.id
          AND other.status IN {BLOCKING}
          AND other.block_start < NEW.block_end AND NEW.block_start < other.block_end);
"""  # noqa: S608 - built from constants
NO_OVERLAP_SQLITE = [
    f"""CREATE TRIGGER appointments_no_overlap_insert BEFORE INSERT ON appointments
        BEGIN {_OVERLAP} END""",
    f"""CREATE TRIGGER appointments_no_overlap_update
        BEFORE UPDATE OF ambassador_id, status, block_start, block_end ON appointments
        BEGIN {_OVERLAP} END""",
]


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("data", JSON, nullable=True))
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("address", sa.Text(), nullable=True))
    with op.batch_alter_table("appointment_types") as batch:
        for name, default in (
            ("buffer_before_minutes", "0"),
            ("buffer_after_minutes", "0"),
            ("min_notice_minutes", "120"),
            ("max_ahead_days", "60"),
        ):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=default))
        batch.add_column(sa.Column("languages", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("skills", JSON, nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "store_hours_exceptions",
        sa.Column("store_id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ranges", JSON, nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name="fk_store_hours_exceptions_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "day", name="pk_store_hours_exceptions"),
    )
    op.create_table(
        "staff_schedules",
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("store_id", sa.String(36), nullable=False),
        sa.Column("hours", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name="fk_staff_schedules_staff_id_staff", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name="fk_staff_schedules_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", "store_id", name="pk_staff_schedules"),
    )
    op.create_table(
        "staff_time_off",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name="fk_staff_time_off_staff_id_staff", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff_time_off"),
    )
    op.create_index("ix_staff_time_off_staff_id", "staff_time_off", ["staff_id"])
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("store_id", sa.String(36), nullable=False),
        sa.Column("type_id", sa.String(36), nullable=False),
        sa.Column("ambassador_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=True),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("block_start", WHEN, nullable=False),
        sa.Column("block_end", WHEN, nullable=False),
        sa.Column("hold_expires_at", WHEN, nullable=True),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("contact_phone", sa.String(32), nullable=True),
        sa.Column("remind_by", sa.String(16), nullable=True),
        sa.Column("video_url", sa.Text(), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("cancelled_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_appointments_store_id_stores"
        ),
        sa.ForeignKeyConstraint(
            ["type_id"], ["appointment_types.id"], name="fk_appointments_type_id_appointment_types"
        ),
        sa.ForeignKeyConstraint(
            ["ambassador_id"], ["staff.id"], name="fk_appointments_ambassador_id_staff"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_appointments_customer_id_customers",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_appointments_conversation_id_conversations",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
        sa.UniqueConstraint("token_hash", name="uq_appointments_token_hash"),
    )
    op.create_index(
        "ix_appointments_ambassador_id_block_end",
        "appointments",
        ["ambassador_id", "block_end"],
    )
    op.create_index("ix_appointments_store_id_starts_at", "appointments", ["store_id", "starts_at"])
    op.create_index("ix_appointments_customer_id", "appointments", ["customer_id"])
    op.create_index("ix_appointments_conversation_id", "appointments", ["conversation_id"])
    op.create_table(
        "appointment_reminders",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name="fk_appointment_reminders_appointment_id_appointments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_appointment_reminders"),
        sa.UniqueConstraint(
            "appointment_id",
            "offset_minutes",
            name="uq_appointment_reminders_appointment_id_offset_minutes",
        ),
    )
    op.create_index(
        "ix_appointment_reminders_status_next_attempt_at",
        "appointment_reminders",
        ["status", "next_attempt_at"],
    )
    dialect = op.get_bind().dialect.name
    for statement in NO_OVERLAP_POSTGRESQL if dialect == "postgresql" else NO_OVERLAP_SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS appointments_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS appointments_no_overlap_update")
    op.drop_table("appointment_reminders")
    op.drop_table("appointments")
    op.drop_table("staff_time_off")
    op.drop_table("staff_schedules")
    op.drop_table("store_hours_exceptions")
    with op.batch_alter_table("appointment_types") as batch:
        for name in (
            "active", "skills", "languages", "max_ahead_days", "min_notice_minutes",
            "buffer_after_minutes", "buffer_before_minutes",
        ):  # fmt: skip
            batch.drop_column(name)
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("address")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("data")
