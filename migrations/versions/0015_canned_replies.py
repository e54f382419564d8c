"""Canned replies (personal and store-shared) for the console.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("owner_staff_id", sa.String(length=36), nullable=True),
        sa.Column("store_id", sa.String(length=36), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(scope = 'personal' AND owner_staff_id IS NOT NULL AND store_id IS NULL)"
            " OR (scope = 'store' AND store_id IS NOT NULL AND owner_staff_id IS NULL)",
            name=op.f("ck_canned_replies_scope_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"],
            ["staff.id"],
            name=op.f("fk_canned_replies_owner_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_canned_replies_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff.id"],
            name=op.f("fk_canned_replies_created_by_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    # One person's replies, or a store's, by language; a shortcut once per owner/language.
    op.create_index(
        "ix_canned_replies_owner_staff_id_language_shortcut",
        "canned_replies",
        ["owner_staff_id", "language", "shortcut"],
        unique=True,
    )
    op.create_index(
        "ix_canned_replies_store_id_language_shortcut",
        "canned_replies",
        ["store_id", "language", "shortcut"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_canned_replies_store_id_language_shortcut", table_name="canned_replies")
    op.drop_index("ix_canned_replies_owner_staff_id_language_shortcut", table_name="canned_replies")
    op.drop_table("canned_replies")
