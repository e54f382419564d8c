"""Which customer each line of a chunk belongs to, decided set-based in PostgreSQL.

The rules are ``hub.pos_import.linking``'s (that module does the same a batch at a time
on SQLite, and its docstring is the reference): a verified POS number links; else a
verified e-mail, then phone, and the owner gains the number; else a number nobody holds
makes a new customer with the receipt's name and unverified contacts; merged profiles
resolve to their survivor, erased ones link nobody. Within a chunk the first line of a
new number decides for all its lines, as the row-by-row rules do.

Each statement handles every distinct value of the chunk at once, so a chunk costs a
handful of joins however many lines it has. The results stay in temporary tables for the
insert: ``pos_number`` (number -> customer, '' when erased, NULL when nobody) and
``pos_owner`` (verified e-mail or phone -> customer, for lines without a number).
"""

# SQL here is composed from this package's constants and column names; no value read
# from a file reaches it (header labels are quoted by pg_staging._literal).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import asyncpg

from hub.profiles.identity import EMAIL, PHONE, POS_CUSTOMER_NO
from hub.profiles.resolve import MAX_MERGE_HOPS

Rows = Callable[..., str]  # SQL selecting the chunk's rows with the named columns


def _owners(wanted: str, before: str = "") -> str:
    """A WITH clause ending in ``owners``: (kind, value, owner) for each wanted (kind,
    value) held as a verified identity, the owner being the live customer at the end of its
    merges, or '' when erased (or merged too many times). ``before`` names CTEs that
    ``wanted`` reads.

    Each value is looked up through the identities' unique index (``OFFSET 0`` keeps the
    planner from joining whole tables instead, as its guesses about a temporary table
    would have it do), and only merged profiles are followed further.
    """
    columns = "c.id, c.merged_into_id, c.erased_at"
    return f"""
        WITH RECURSIVE {before} wanted AS MATERIALIZED ({wanted}),
        held AS (
            SELECT w.kind, w.value, {columns}, 0 AS hops
            FROM wanted w
            CROSS JOIN LATERAL (
                SELECT {columns}
                FROM customer_identities i JOIN customers c ON c.id = i.customer_id
                WHERE i.kind = w.kind AND i.value = w.value AND i.verified
                OFFSET 0
            ) c
          UNION ALL
            SELECT h.kind, h.value, {columns}, h.hops + 1
            FROM held h
            CROSS JOIN LATERAL (
                SELECT {columns} FROM customers c WHERE c.id = h.merged_into_id OFFSET 0
            ) c
            WHERE h.merged_into_id IS NOT NULL AND h.hops < {MAX_MERGE_HOPS}
        ),
        owners AS (
            SELECT kind, value,
                   coalesce(max(id) FILTER (WHERE merged_into_id IS NULL AND erased_at IS NULL),
                            '') AS owner
            FROM held GROUP BY kind, value
        )"""


def _numbers(rows: Rows) -> str:
    wanted = (
        f"SELECT DISTINCT '{POS_CUSTOMER_NO}'::text AS kind, customer_no AS value"
        f" FROM ({rows('customer_no')}) r WHERE customer_no IS NOT NULL"
    )
    return f"""
        CREATE TEMP TABLE pos_number ON COMMIT DROP AS
        {_owners(wanted)}
        SELECT w.value, o.owner FROM wanted w LEFT JOIN owners o ON o.value = w.value"""


def _contacts(rows: Rows) -> str:
    """Owners of the e-mails and phones that can matter: on lines without a number, or
    whose number nobody holds yet."""
    needing = (
        f"SELECT r.email, r.phone FROM ({rows('customer_no', 'email', 'phone')}) r"
        " LEFT JOIN pos_number n ON n.value = r.customer_no"
        " WHERE r.customer_no IS NULL OR n.owner IS NULL"
    )
    wanted = (
        f"SELECT '{EMAIL}'::text AS kind, email AS value FROM needing WHERE email IS NOT NULL"
        f" UNION SELECT '{PHONE}', phone FROM needing WHERE phone IS NOT NULL"
    )
    return f"""
        CREATE TEMP TABLE pos_owner ON COMMIT DROP AS
        {_owners(wanted, f"needing AS MATERIALIZED ({needing}),")}
        SELECT kind, value, owner FROM owners"""


def _new_numbers(rows: Rows) -> str:
    """Per number nobody holds, its first line: adopted by the owner of that line's
    verified e-mail or phone, or a new customer (with a fresh id)."""
    columns = rows("line", "customer_no", "name", "email", "phone", "store_id")
    return f"""
        CREATE TEMP TABLE pos_new ON COMMIT DROP AS
        SELECT value, name, email, phone, store_id, adopter,
               CASE WHEN adopter IS NULL THEN gen_random_uuid()::text END AS created
        FROM (
            SELECT DISTINCT ON (r.customer_no) r.customer_no AS value, r.name, r.email,
                   r.phone, r.store_id,
                   coalesce(nullif(e.owner, ''), nullif(p.owner, '')) AS adopter
            FROM ({columns}) r
            JOIN pos_number n ON n.value = r.customer_no AND n.owner IS NULL
            LEFT JOIN pos_owner e ON e.kind = '{EMAIL}' AND e.value = r.email
            LEFT JOIN pos_owner p ON p.kind = '{PHONE}' AND p.value = r.phone
            ORDER BY r.customer_no, r.line
        ) first_lines"""


_CREATE_CUSTOMERS = """
    INSERT INTO customers (id, name, tier, tier_source, home_store_id, preferences,
                           created_at, updated_at)
    SELECT created, name, 'standard', 'derived', store_id, '{}'::jsonb, $1, $1
    FROM pos_new WHERE created IS NOT NULL"""
# A number an adopting customer only claimed (typed in a chat) is now proven by the till:
# that row becomes verified instead of a second one being added.
_CREATE_IDENTITIES = f"""
    INSERT INTO customer_identities (id, customer_id, kind, value, verified, created_at)
    SELECT gen_random_uuid()::text, coalesce(adopter, created), '{POS_CUSTOMER_NO}', value,
           true, $1::timestamptz
    FROM pos_new
    UNION ALL
    SELECT gen_random_uuid()::text, created, '{EMAIL}', email, false, $1::timestamptz
    FROM pos_new WHERE created IS NOT NULL AND email IS NOT NULL
    UNION ALL
    SELECT gen_random_uuid()::text, created, '{PHONE}', phone, false, $1::timestamptz
    FROM pos_new WHERE created IS NOT NULL AND phone IS NOT NULL
    ON CONFLICT (customer_id, kind, value) DO UPDATE SET verified = true"""
_RESOLVE_NEW = """
    UPDATE pos_number n SET owner = coalesce(w.adopter, w.created)
    FROM pos_new w WHERE w.value = n.value"""

# The customer of a line, given the aliases r (rows), n (pos_number), e and p (pos_owner).
CUSTOMER = (
    "CASE WHEN r.customer_no IS NOT NULL THEN nullif(n.owner, '')"
    " ELSE coalesce(nullif(e.owner, ''), nullif(p.owner, '')) END"
)
CUSTOMER_JOINS = (
    "LEFT JOIN pos_number n ON n.value = r.customer_no"
    f" LEFT JOIN pos_owner e ON r.customer_no IS NULL AND e.kind = '{EMAIL}'"
    " AND e.value = r.email"
    f" LEFT JOIN pos_owner p ON r.customer_no IS NULL AND p.kind = '{PHONE}'"
    " AND p.value = r.phone"
)


def count(status: str) -> int:
    """The row count of a command tag such as ``INSERT 0 12`` or ``SELECT 12``."""
    return int(status.rsplit(" ", 1)[-1])


async def link_chunk(connection: asyncpg.Connection, rows: Rows, now: datetime) -> int:
    """Resolve every line's customer into ``pos_number``/``pos_owner``, creating the
    customers and identities the rules call for; returns how many customers were created.

    A verified identity another import created meanwhile makes the insert fail on its
    unique index; the caller retries the chunk, which then finds that import's customer.
    """
    await connection.execute(_numbers(rows))
    await connection.execute(_contacts(rows))
    # Their sizes, for the planner: hash joins with the chunk, not sorts of it.
    await connection.execute("ANALYZE pos_number, pos_owner")
    if count(await connection.execute(_new_numbers(rows))) == 0:
        return 0
    created = count(await connection.execute(_CREATE_CUSTOMERS, now))
    await connection.execute(_CREATE_IDENTITIES, now)
    await connection.execute(_RESOLVE_NEW)
    return created
