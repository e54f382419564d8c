"""Purchases keyed by the till's (store, transaction, line), without per-row foreign keys.

The daily POS import writes millions of purchase lines. The random string id needed a
second unique index beside the natural key, and each of the five foreign keys ran a
trigger per line; see ``hub.db.profile_models.Purchase`` for why neither is needed.
Anonymous sales leave the customer index. Existing purchases are kept.

Revision ID: 0005
Revises: 0004
"""

# SQL composed from this module's table and column names only.
# ruff: noqa: S608

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEY = ["store_id", "transaction_id", "line_no"]
CUSTOMER_INDEX = "ix_purchases_customer_id_purchased_at"
NAMED = sa.text("customer_id IS NOT NULL")
# (column, referred table, on delete) as revision 0003 created them.
REFERENCES = (
    ("conversation_id", "conversations", "SET NULL"),
    ("customer_id", "customers", "SET NULL"),
    ("import_id", "pos_imports", "SET NULL"),
    ("staff_id", "staff", "SET NULL"),
    ("store_id", "stores", None),
)
UNIQUE_KEY = "uq_purchases_store_id_transaction_id_line_no"


def _foreign_key(column: str, table: str) -> str:
    return f"fk_purchases_{column}_{table}"


def upgrade() -> None:
    op.drop_index(CUSTOMER_INDEX, table_name="purchases")
    with op.batch_alter_table("purchases", recreate="always") as batch:
        for column, table, _ in REFERENCES:
            batch.drop_constraint(_foreign_key(column, table), type_="foreignkey")
        batch.drop_constraint(UNIQUE_KEY, type_="unique")
        batch.drop_constraint("pk_purchases", type_="primary")
        batch.drop_column("id")
        batch.create_primary_key("pk_purchases", KEY)
    op.create_index(
        CUSTOMER_INDEX,
        "purchases",
        ["customer_id", "purchased_at"],
        postgresql_where=NAMED,
        sqlite_where=NAMED,
    )


def _new_ids() -> str:
    """SQL for a random uuid4-shaped string per row, on either database."""
    if op.get_bind().dialect.name == "postgresql":
        return "gen_random_uuid()::text"
    parts = ("hex(randomblob(4))", "hex(randomblob(2))", "'4' || substr(hex(randomblob(2)), 2)",
             "substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2)",
             "hex(randomblob(6))")  # fmt: skip
    return "lower(" + " || '-' || ".join(parts) + ")"


def downgrade() -> None:
    # References to rows that are gone would stop the foreign keys from being created.
    for column, table, on_delete in REFERENCES:
        if on_delete is not None:
            op.execute(
                f"UPDATE purchases SET {column} = NULL WHERE {column} IS NOT NULL"
                f" AND {column} NOT IN (SELECT id FROM {table})"
            )
    op.execute("DELETE FROM purchases WHERE store_id NOT IN (SELECT id FROM stores)")
    op.drop_index(CUSTOMER_INDEX, table_name="purchases")
    with op.batch_alter_table("purchases") as batch:
        batch.add_column(sa.Column("id", sa.String(length=36), nullable=True))
    op.execute(f"UPDATE purchases SET id = {_new_ids()}")
    with op.batch_alter_table("purchases", recreate="always") as batch:
        batch.alter_column("id", existing_type=sa.String(length=36), nullable=False)
        batch.drop_constraint("pk_purchases", type_="primary")
        batch.create_primary_key("pk_purchases", ["id"])
        batch.create_unique_constraint(UNIQUE_KEY, KEY)
        for column, table, on_delete in REFERENCES:
            batch.create_foreign_key(
                _foreign_key(column, table), table, [column], ["id"], ondelete=on_delete
            )
    op.create_index(CUSTOMER_INDEX, "purchases", ["customer_id", "purchased_at"])
