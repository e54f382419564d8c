"""E-mail: mailboxes, the threads of e-mail conversations, every Message-ID seen, and the
raw bytes of a spooled mail.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

WHEN = sa.DateTime(timezone=True)

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_spool") as batch:
        batch.add_column(sa.Column("raw", sa.LargeBinary(), nullable=True))
    op.create_table(
        "mailboxes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_mailboxes_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailboxes")),
        sa.UniqueConstraint("address", name=op.f("uq_mailboxes_address")),
    )
    op.create_table(
        "email_threads",
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("mailbox_id", sa.String(length=36), nullable=True),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=998), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_email_threads_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mailbox_id"],
            ["mailboxes.id"],
            name=op.f("fk_email_threads_mailbox_id_mailboxes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_email_threads")),
        sa.UniqueConstraint("token", name=op.f("uq_email_threads_token")),
    )
    op.create_table(
        "email_message_ids",
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("hub_message_id", sa.String(length=36), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_email_message_ids_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hub_message_id"],
            ["messages.id"],
            name=op.f("fk_email_message_ids_hub_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_email_message_ids")),
    )
    op.create_index(
        op.f("ix_email_message_ids_conversation_id"), "email_message_ids", ["conversation_id"]
    )


def downgrade() -> None:
    op.drop_table("email_message_ids")
    op.drop_table("email_threads")
    op.drop_table("mailboxes")
    with op.batch_alter_table("inbound_spool") as batch:
        batch.drop_column("raw")
