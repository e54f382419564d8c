"""Insights: the indexes their queries need, and sales credited to appointments.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CREDITED = "staff_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("purchases") as batch:
        batch.add_column(sa.Column("appointment_id", sa.String(length=36), nullable=True))
    op.create_index(
        "ix_purchases_credited_store_id_purchased_at",
        "purchases",
        ["store_id", "purchased_at"],
        unique=False,
        postgresql_where=sa.text(CREDITED),
        sqlite_where=sa.text(CREDITED),
    )
    op.create_index(
        "ix_conversations_store_id_created_at",
        "conversations",
        ["store_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_conversations_customer_id_created_at",
        "conversations",
        ["customer_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_messages_conversation_id_author_kind_created_at",
        "messages",
        ["conversation_id", "author_kind", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_conversation_id_author_kind_created_at", table_name="messages")
    op.drop_index("ix_conversations_customer_id_created_at", table_name="conversations")
    op.drop_index("ix_conversations_store_id_created_at", table_name="conversations")
    op.drop_index("ix_purchases_credited_store_id_purchased_at", table_name="purchases")
    with op.batch_alter_table("purchases") as batch:
        batch.drop_column("appointment_id")
