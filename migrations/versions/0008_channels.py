"""Channels: WeChat accounts and followers, the inbound spool, the channel outbox,
attachments, and why a delivery failed.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _delivery_state() -> list[sa.Column]:
    return [
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("delivery_error", sa.Text(), nullable=True))
    op.create_table(
        "wechat_accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("app_secret", sa.String(length=128), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("aes_key", sa.String(length=43), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=True),
        sa.Column("welcome_text", sa.Text(), nullable=True),
        sa.Column("templates", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_wechat_accounts_store_id_stores"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_accounts")),
        sa.UniqueConstraint("app_id", name=op.f("uq_wechat_accounts_app_id")),
        sa.UniqueConstraint("name", name=op.f("uq_wechat_accounts_name")),
    )
    op.create_table(
        "wechat_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("openid", sa.String(length=128), nullable=False),
        sa.Column("unionid", sa.String(length=128), nullable=True),
        sa.Column("nickname", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("unsubscribed_at", WHEN, nullable=True),
        sa.Column("last_interaction_at", WHEN, nullable=True),
        sa.Column("store_id", sa.String(length=36), nullable=True),
        sa.Column("profile_fetched_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["wechat_accounts.id"],
            name=op.f("fk_wechat_users_account_id_wechat_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_wechat_users_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_wechat_users_store_id_stores"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_users")),
        sa.UniqueConstraint("openid", name=op.f("uq_wechat_users_openid")),
    )
    op.create_index(op.f("ix_wechat_users_unionid"), "wechat_users", ["unionid"])
    op.create_index(op.f("ix_wechat_users_customer_id"), "wechat_users", ["customer_id"])
    op.create_table(
        "inbound_spool",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("dedupe_key", sa.String(length=400), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        *_delivery_state(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_spool")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_inbound_spool_dedupe_key")),
    )
    op.create_index(
        "ix_inbound_spool_status_next_attempt_at", "inbound_spool", ["status", "next_attempt_at"]
    )
    op.create_table(
        "channel_outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("ref_kind", sa.String(length=32), nullable=True),
        sa.Column("ref_id", sa.String(length=64), nullable=True),
        *_delivery_state(),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_channel_outbox_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_outbox")),
    )
    op.create_index(
        "ix_channel_outbox_status_next_attempt_at", "channel_outbox", ["status", "next_attempt_at"]
    )
    op.create_index("ix_channel_outbox_ref_kind_ref_id", "channel_outbox", ["ref_kind", "ref_id"])
    op.create_index(op.f("ix_channel_outbox_message_id"), "channel_outbox", ["message_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("source", JSON, nullable=True),
        *_delivery_state(),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_attachments_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(op.f("ix_attachments_message_id"), "attachments", ["message_id"])
    op.create_table(
        "wechat_links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("openid", sa.String(length=128), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_sent_at", WHEN, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("completed_at", WHEN, nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["wechat_accounts.id"],
            name=op.f("fk_wechat_links_account_id_wechat_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_wechat_links_token_hash")),
    )
    op.create_index(op.f("ix_wechat_links_openid"), "wechat_links", ["openid"])


def downgrade() -> None:
    op.drop_table("wechat_links")
    op.drop_table("attachments")
    op.drop_table("channel_outbox")
    op.drop_table("inbound_spool")
    op.drop_table("wechat_users")
    op.drop_table("wechat_accounts")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("delivery_error")
