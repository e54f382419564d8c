"""Routing engine: regions and service centres, skills, preferred ambassador, priorities.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("region", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("service_centre", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("relax_language", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("skills", JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("preferred_staff_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            "fk_customers_preferred_staff_id_staff",
            "staff",
            ["preferred_staff_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("required_skills", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("optional_skills", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("transfer_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("transfer_to_staff_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            "fk_conversations_transfer_to_staff_id_staff",
            "staff",
            ["transfer_to_staff_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint("fk_conversations_transfer_to_staff_id_staff", type_="foreignkey")
        for column in (
            "transfer_to_staff_id",
            "transfer_note",
            "optional_skills",
            "required_skills",
            "priority",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint("fk_customers_preferred_staff_id_staff", type_="foreignkey")
        batch.drop_column("preferred_staff_id")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("skills")
    with op.batch_alter_table("stores") as batch:
        for column in ("relax_language", "service_centre", "region"):
            batch.drop_column(column)
