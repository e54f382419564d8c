"""Attachments stored as files (web chat uploads both ways).

An upload is a row before it is part of a message: ``message_id`` becomes nullable, the
bytes live in the attachment store under ``storage_key`` (existing rows keep ``data``),
and the row remembers who uploaded it and, for staff, into which conversation. Deleting a
row with a file (a sweep, an erasure, a message's cascade) records the file's key in
``discarded_files`` by trigger, for the job that deletes the file.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TRIGGER_SQLITE = [
    """CREATE TRIGGER attachments_file_discarded AFTER DELETE ON attachments
       FOR EACH ROW WHEN OLD.storage_key IS NOT NULL
       BEGIN INSERT OR IGNORE INTO discarded_files (storage_key) VALUES (OLD.storage_key); END""",
]
TRIGGER_POSTGRESQL = [
    """CREATE FUNCTION attachments_file_discarded() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO discarded_files (storage_key) VALUES (OLD.storage_key)
           ON CONFLICT DO NOTHING;
         RETURN OLD;
       END $$""",
    """CREATE TRIGGER attachments_file_discarded AFTER DELETE ON attachments
       FOR EACH ROW WHEN (OLD.storage_key IS NOT NULL)
       EXECUTE FUNCTION attachments_file_discarded()""",
]


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.alter_column("message_id", existing_type=sa.String(length=36), nullable=True)
        batch.add_column(sa.Column("storage_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("uploader_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("uploader_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("conversation_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            op.f("fk_attachments_conversation_id_conversations"),
            "conversations",
            ["conversation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_attachments_conversation_id"), ["conversation_id"])
        batch.create_index(
            op.f("ix_attachments_uploader_kind_uploader_id"), ["uploader_kind", "uploader_id"]
        )
    op.create_table(
        "discarded_files",
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("storage_key", name=op.f("pk_discarded_files")),
    )
    # After the batch: SQLite's batch mode rebuilds the table, which would drop a trigger.
    for statement in TRIGGER_POSTGRESQL if _postgresql() else TRIGGER_SQLITE:
        op.execute(statement)


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS attachments_file_discarded"
        + (" ON attachments" if _postgresql() else "")
    )
    if _postgresql():
        op.execute("DROP FUNCTION IF EXISTS attachments_file_discarded()")
    op.drop_table("discarded_files")
    # Uploads that never became part of a message cannot exist without one.
    op.execute("DELETE FROM attachments WHERE message_id IS NULL")
    with op.batch_alter_table("attachments") as batch:
        batch.drop_index(op.f("ix_attachments_uploader_kind_uploader_id"))
        batch.drop_index(op.f("ix_attachments_conversation_id"))
        batch.drop_constraint(
            op.f("fk_attachments_conversation_id_conversations"), type_="foreignkey"
        )
        batch.drop_column("conversation_id")
        batch.drop_column("uploader_id")
        batch.drop_column("uploader_kind")
        batch.drop_column("storage_key")
        batch.alter_column("message_id", existing_type=sa.String(length=36), nullable=False)
