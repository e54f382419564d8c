"""The fixed statements of the batched inbox write (``hub.inbox_batch``), one set per database.

They are strings built once at import: nothing is compiled per batch, PostgreSQL prepares
each once per connection, and no statement objects are left for the garbage collector
(building them per batch was most of the hub's cyclic garbage under load, and so of its
collector pauses). A batch travels as arrays (PostgreSQL) or JSON (SQLite), whatever its
size. Only constants are formatted in; every value is a bound parameter.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.selectable import TextualSelect

from hub.conversations import OPEN_STATUSES
from hub.db.models import Conversation, Message

CONVERSATIONS = Conversation.__table__
MESSAGES = Message.__table__
_OPEN = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
CONVERSATION_COLUMNS = tuple(column.name for column in CONVERSATIONS.columns)
_RETURNED = ", ".join(f"conversations.{name}" for name in CONVERSATION_COLUMNS)


# PostgreSQL: the whole batch is one statement, sent outside an explicit transaction, so
# it costs one round trip (no BEGIN, no COMMIT) and is atomic all the same. Its plan does
# not depend on statistics (a fresh or growing table must not turn a lookup into a scan of
# every open conversation): every step is a lookup on an index, per message, or linear in
# the batch (no join of one CTE with another, which would be a nested loop: quadratic).
# - Keys stored already (found on the unique index) are left out: the individual way
#   answers them with the stored message.
# - Each message's contact's newest open conversation is found and locked (``LATERAL …
#   LIMIT 1 FOR UPDATE``), and read as locked: its ``last_seq`` is the latest committed
#   one. The caller sends the batch sorted by contact, so two processes' batches that
#   share conversations lock them in the same order and queue instead of deadlocking.
# - Each message takes ``last_seq`` + its place (``ord``, arrival order) among its
#   conversation's messages in the batch; each conversation's ``last_seq`` advances by its
#   number of messages.
# - A key stored by someone else meanwhile fails the statement on the unique index, and
#   with it the whole batch: no seq is spent.
# Rows out: one per conversation ('c': its columns as updated), one per message stored
# ('m': message_key, message_seq, and its conversation in ``id``).
# Parameters: $1 ids, $2 channels, $3 contacts, $4 texts, $5 data as JSON text, $6 dedupe
# keys, $7 arrival order (arrays, one element per message), $8 now.
_MESSAGE_ROW = ", ".join(
    "conversation_id AS id" if name == "id" else f"NULL AS {name}" for name in CONVERSATION_COLUMNS
)
WRITE_POSTGRESQL = f"""
WITH batch AS (
    SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[],
                         $5::text[], $6::varchar[], $7::integer[])
        AS b(id, channel, contact, text, data, dedupe_key, ord)
), stored AS (
    SELECT dedupe_key FROM messages WHERE dedupe_key = ANY($6::varchar[])
), locked AS (
    SELECT batch.*, newest.id AS conversation_id, newest.last_seq AS base
    FROM batch CROSS JOIN LATERAL (
        SELECT c.id, c.last_seq FROM conversations AS c
        WHERE c.channel = batch.channel AND c.contact = batch.contact
          AND c.status IN ({_OPEN})
        ORDER BY c.created_at DESC, c.id DESC
        LIMIT 1
        FOR UPDATE
    ) AS newest
    WHERE batch.dedupe_key NOT IN (SELECT dedupe_key FROM stored)
), placed AS (
    SELECT locked.*,
           base + row_number() OVER (PARTITION BY conversation_id ORDER BY ord) AS seq
    FROM locked
), counts AS (
    SELECT conversation_id, count(*) AS n FROM locked GROUP BY conversation_id
), updated AS (
    UPDATE conversations SET last_seq = conversations.last_seq + counts.n, updated_at = $8
    FROM counts
    WHERE conversations.id = counts.conversation_id
    RETURNING {_RETURNED}
), inserted AS (
    INSERT INTO messages (id, conversation_id, seq, direction, channel, author_kind, text,
                          data, dedupe_key, created_at)
    SELECT id, conversation_id, seq, 'in', channel, 'customer', text, CAST(data AS jsonb),
           dedupe_key, $8
    FROM placed
    RETURNING dedupe_key, seq, conversation_id
)
SELECT 'c' AS kind, NULL AS message_key, NULL::integer AS message_seq, updated.*
FROM updated
UNION ALL
SELECT 'm', dedupe_key, seq, {_MESSAGE_ROW}
FROM inserted"""  # noqa: S608 - constants

# SQLite (one writer, in-process): two statements in one transaction. The UPDATE starts
# with UPDATE because Python's sqlite3 opens its implicit transaction only before a
# statement that starts with a DML keyword (a leading WITH would autocommit). It is driven
# by the batch: each contact's newest open conversation is looked up on its index (joined
# the other way, SQLite walked every open conversation and scanned the batch for each).
_TAKE_SEQS_SQLITE = f"""
UPDATE conversations SET last_seq = conversations.last_seq + wanted.n, updated_at = :now
FROM (
    SELECT (
        SELECT c.id FROM conversations AS c
        WHERE c.channel = json_extract(value, '$[0]')
          AND c.contact = json_extract(value, '$[1]')
          AND c.status IN ({_OPEN})
        ORDER BY c.created_at DESC, c.id DESC
        LIMIT 1
    ) AS id, json_extract(value, '$[2]') AS n
    FROM json_each(:wanted)
) AS wanted
WHERE conversations.id = wanted.id
RETURNING {_RETURNED}"""  # noqa: S608 - constants


def take_seqs_sqlite() -> TextualSelect:
    """``:wanted`` is a JSON list of [channel, contact, messages]; returns the updated
    conversations, typed as their columns."""
    return (
        text(_TAKE_SEQS_SQLITE)
        .bindparams(bindparam("now", type_=CONVERSATIONS.c.updated_at.type))
        .columns(*CONVERSATIONS.columns)
    )


def insert_messages_sqlite() -> Any:
    """An executemany of one INSERT; returns the keys inserted (a key stored meanwhile is
    skipped, and the caller rolls back)."""
    return (
        sqlite_insert(Message)
        .on_conflict_do_nothing(index_elements=[MESSAGES.c.dedupe_key])
        .returning(MESSAGES.c.dedupe_key)
    )
