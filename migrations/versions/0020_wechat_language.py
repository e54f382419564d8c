"""WeChat followers' own language (the tag WeChat's user info gives, e.g. ``zh_TW``).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: followers read before this revision get theirs on the next profile read.
    op.add_column("wechat_users", sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wechat_users") as batch:
        batch.drop_column("language")
