"""Clienteling: follow-up tasks and outreach.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_up_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("assignee_staff_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_follow_up_tasks_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_follow_up_tasks_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_staff_id"],
            ["staff.id"],
            name=op.f("fk_follow_up_tasks_assignee_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff.id"],
            name=op.f("fk_follow_up_tasks_created_by_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_tasks")),
    )
    op.create_index(
        op.f("ix_follow_up_tasks_customer_id"), "follow_up_tasks", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_follow_up_tasks_store_id"), "follow_up_tasks", ["store_id"], unique=False
    )
    # "My open tasks, soonest first".
    op.create_index(
        "ix_follow_up_tasks_assignee_staff_id_done_at_due_on",
        "follow_up_tasks",
        ["assignee_staff_id", "done_at", "due_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_follow_up_tasks_assignee_staff_id_done_at_due_on", "follow_up_tasks")
    op.drop_index(op.f("ix_follow_up_tasks_store_id"), "follow_up_tasks")
    op.drop_index(op.f("ix_follow_up_tasks_customer_id"), "follow_up_tasks")
    op.drop_table("follow_up_tasks")
