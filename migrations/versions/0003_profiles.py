"""Profiles: consent ledger, purchases, notes, POS imports; customer preferences and merges.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The ledger may only gain rows, or have rows moved to the surviving customer of a merge.
LEDGER_COLUMNS = "channel, purpose, granted, source, policy_version, actor_kind, actor_id, at"
CONSENT_TRIGGERS_SQLITE = [
    f"""CREATE TRIGGER consent_events_no_update BEFORE UPDATE OF {LEDGER_COLUMNS}
        ON consent_events BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END""",
    """CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
       BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END""",
]
CONSENT_TRIGGERS_POSTGRESQL = [
    f"""CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' OR ROW(NEW.{LEDGER_COLUMNS.replace(", ", ", NEW.")})
              IS DISTINCT FROM ROW(OLD.{LEDGER_COLUMNS.replace(", ", ", OLD.")}) THEN
           RAISE EXCEPTION 'consent_events is append-only';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON consent_events
       FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "pos_imports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_duplicate", sa.Integer(), nullable=False),
        sa.Column("rows_failed", sa.Integer(), nullable=False),
        sa.Column("errors", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pos_imports")),
    )
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("policy_version", sa.String(length=32), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_consent_events_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(
        "ix_consent_events_customer_id_at", "consent_events", ["customer_id", "at"], unique=False
    )
    op.create_table(
        "customer_notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_notes_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_customer_notes_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_notes")),
    )
    op.create_index(
        op.f("ix_customer_notes_customer_id"), "customer_notes", ["customer_id"], unique=False
    )
    op.create_table(
        "purchases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("customer_no", sa.String(length=64), nullable=True),
        sa.Column("purchased_at", WHEN, nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("carat", sa.Numeric(precision=8, scale=3), nullable=True),
        sa.Column("colour", sa.String(length=16), nullable=True),
        sa.Column("clarity", sa.String(length=16), nullable=True),
        sa.Column("cut", sa.String(length=32), nullable=True),
        sa.Column("metal", sa.String(length=32), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("attributes", JSON, nullable=True),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("import_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_purchases_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_purchases_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["pos_imports.id"],
            name=op.f("fk_purchases_import_id_pos_imports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_purchases_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_purchases_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint(
            "store_id",
            "transaction_id",
            "line_no",
            name=op.f("uq_purchases_store_id_transaction_id_line_no"),
        ),
    )
    op.create_index(
        "ix_purchases_customer_id_purchased_at",
        "purchases",
        ["customer_id", "purchased_at"],
        unique=False,
    )
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column("tier_source", sa.String(length=16), nullable=False, server_default="derived")
        )
        batch.add_column(sa.Column("preferences", JSON, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("merged_into_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("erased_at", WHEN, nullable=True))
        batch.add_column(sa.Column("updated_at", WHEN, nullable=True))
        batch.create_index(op.f("ix_customers_merged_into_id"), ["merged_into_id"], unique=False)
        batch.create_foreign_key(
            op.f("fk_customers_merged_into_id_customers"),
            "customers",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("customer_identities") as batch:
        batch.drop_constraint("uq_customer_identities_kind_value", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_customer_identities_customer_id_kind_value"), ["customer_id", "kind", "value"]
        )
    op.create_index(
        "uq_customer_identities_verified_kind_value",
        "customer_identities",
        ["kind", "value"],
        unique=True,
        sqlite_where=sa.text("verified"),
        postgresql_where=sa.text("verified"),
    )
    op.create_index("ix_customer_identities_kind_value", "customer_identities", ["kind", "value"])
    # Web visitors were stored as "web_visitor" before the identity kinds were settled.
    op.execute("UPDATE customer_identities SET kind = 'visitor' WHERE kind = 'web_visitor'")
    dialect = op.get_bind().dialect.name
    statements = CONSENT_TRIGGERS_POSTGRESQL if dialect == "postgresql" else CONSENT_TRIGGERS_SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS consent_events_append_only ON consent_events")
        op.execute("DROP FUNCTION IF EXISTS consent_events_append_only()")
    op.execute("UPDATE customer_identities SET kind = 'web_visitor' WHERE kind = 'visitor'")
    op.drop_index("ix_customer_identities_kind_value", table_name="customer_identities")
    op.drop_index("uq_customer_identities_verified_kind_value", table_name="customer_identities")
    with op.batch_alter_table("customer_identities") as batch:
        batch.drop_constraint(op.f("uq_customer_identities_customer_id_kind_value"), type_="unique")
        batch.create_unique_constraint("uq_customer_identities_kind_value", ["kind", "value"])
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint(op.f("fk_customers_merged_into_id_customers"), type_="foreignkey")
        batch.drop_index(op.f("ix_customers_merged_into_id"))
        for column in ("updated_at", "erased_at", "merged_into_id", "preferences", "tier_source"):
            batch.drop_column(column)
    for table in ("purchases", "customer_notes", "consent_events", "pos_imports"):
        op.drop_table(table)
