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


def _newest_open(outer: str) -> str:
    """Only the contact's newest open conversation takes messages (two open at the same
    instant is a race the individual way sorts out)."""
    return f"""NOT EXISTS (
        SELECT 1 FROM conversations AS newer
        WHERE newer.channel = {outer}.channel AND newer.contact = {outer}.contact
          AND newer.status IN ({_OPEN}) AND newer.created_at > {outer}.created_at)"""  # noqa: S608 - constants


# PostgreSQL: the whole batch is one statement, sent outside any explicit transaction, so
# it costs one round trip (no BEGIN, no COMMIT) and is atomic all the same. Keys stored
# already are left out (the individual way answers them with the stored message); the
# contacts' newest open conversations are locked in id order (two processes' batches that
# share conversations queue instead of deadlocking) and their ``last_seq`` advanced by
# their number of messages; each message takes its seq in batch order. A key stored by
# someone else meanwhile fails the statement on the unique index, and with it the whole
# batch: no seq is spent. Parameters: $1 ids, $2 channels, $3 contacts, $4 texts, $5 data
# as JSON text, $6 dedupe keys (arrays, one element per message), $7 now.
WRITE_POSTGRESQL = f"""
WITH batch AS (
    SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[],
                         $5::text[], $6::varchar[])
        WITH ORDINALITY AS b(id, channel, contact, text, data, dedupe_key, ord)
), fresh AS (
    SELECT batch.* FROM batch
    WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.dedupe_key = batch.dedupe_key)
), wanted AS (
    SELECT channel, contact, count(*) AS n FROM fresh GROUP BY channel, contact
), targets AS (
    SELECT c.id, wanted.n FROM conversations AS c
    JOIN wanted ON c.channel = wanted.channel AND c.contact = wanted.contact
    WHERE c.status IN ({_OPEN}) AND {_newest_open("c")}
    ORDER BY c.id
    FOR UPDATE OF c
), updated AS (
    UPDATE conversations SET last_seq = conversations.last_seq + targets.n, updated_at = $7
    FROM targets
    WHERE conversations.id = targets.id AND conversations.status IN ({_OPEN})
    RETURNING {_RETURNED}
), placed AS (
    SELECT fresh.*, updated.id AS conversation_id,
           updated.last_seq - count(*) OVER per + row_number() OVER (per ORDER BY fresh.ord)
               AS seq
    FROM fresh JOIN updated ON updated.channel = fresh.channel
                           AND updated.contact = fresh.contact
    WINDOW per AS (PARTITION BY updated.id)
), inserted AS (
    INSERT INTO messages (id, conversation_id, seq, direction, channel, author_kind, text,
                          data, dedupe_key, created_at)
    SELECT id, conversation_id, seq, 'in', channel, 'customer', text, CAST(data AS jsonb),
           dedupe_key, $7
    FROM placed
    RETURNING dedupe_key, seq, conversation_id
)
SELECT inserted.dedupe_key AS message_key, inserted.seq AS message_seq, updated.*
FROM inserted JOIN updated ON updated.id = inserted.conversation_id"""  # noqa: S608 - constants

# SQLite (one writer, in-process): two statements in one transaction. The UPDATE starts
# with UPDATE because Python's sqlite3 opens its implicit transaction only before a
# statement that starts with a DML keyword (a leading WITH would autocommit).
_TAKE_SEQS_SQLITE = f"""
UPDATE conversations SET last_seq = conversations.last_seq + wanted.n, updated_at = :now
FROM (
    SELECT json_extract(value, '$[0]') AS channel, json_extract(value, '$[1]') AS contact,
           json_extract(value, '$[2]') AS n
    FROM json_each(:wanted)
) AS wanted
WHERE conversations.channel = wanted.channel AND conversations.contact = wanted.contact
  AND conversations.status IN ({_OPEN}) AND {_newest_open("conversations")}
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
