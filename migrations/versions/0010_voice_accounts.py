"""Voice: the stores' phone numbers at a voice provider.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        sa.Column("auth_token", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_voice_accounts_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_accounts")),
        sa.UniqueConstraint("number", name=op.f("uq_voice_accounts_number")),
    )


def downgrade() -> None:
    op.drop_table("voice_accounts")
