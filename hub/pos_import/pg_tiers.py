"""Keeping derived tiers current after a PostgreSQL import, one pass per import.

The rules are ``hub.pos_import.tier_refresh``'s: only customers whose tier is derived and
below the top are touched, and their tier becomes ``derive_tier`` of their lifetime value.

Refreshing after every chunk summed a frequent buyer's whole history again in every chunk,
which made the refresh the largest cost of a big import. Instead each chunk notes its
customers in ``pos_touched``, a table of the import's own session that rolls back with a
chunk that fails, and the import refreshes them all once at the end. A run that stops
half-way is completed by importing the file again (as before): the lines it had committed
come back as duplicates, and their customers are noted too. A dry run keeps nothing, so it
refreshes each chunk's customers in the chunk's transaction, to count what would change.
"""

# SQL here is composed from this package's constants and column names; no value read
# from a file reaches it (header labels are quoted by pg_staging._literal).
# ruff: noqa: S608

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import asyncpg

from hub.profiles.tier import DEFAULT_THRESHOLDS, TIERS

SESSION_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS pos_touched (customer_id text); TRUNCATE pos_touched"
)
DROP_SESSION_TABLE = "DROP TABLE IF EXISTS pos_touched"

# The customers a chunk linked (over-approximated for lines without a number: both the
# e-mail's and the phone's owner; re-deriving a derived tier is always right).
NOTE_CHUNK = """
    INSERT INTO pos_touched
    SELECT owner FROM pos_number WHERE owner <> ''
    UNION SELECT owner FROM pos_owner WHERE owner <> ''"""
# The customers of lines already imported (a run completed by importing its file again).
NOTE_DUPLICATES = """
    INSERT INTO pos_touched
    SELECT DISTINCT p.customer_id FROM ({rows}) r
    JOIN purchases p ON p.store_id = r.store_id AND p.transaction_id = r.transaction_id
         AND p.line_no = r.line_no
    WHERE p.customer_id IS NOT NULL"""


def _refresh() -> str:
    """Set each noted customer's tier as ``derive_tier`` would: the highest tier whose
    threshold one currency reaches. Top-tier customers are skipped: buying more cannot
    change their tier."""
    thresholds = ", ".join(
        f"({TIERS.index(tier)}, '{currency}', {Decimal(amount)})"
        for tier, limits in DEFAULT_THRESHOLDS.items()
        for currency, amount in limits.items()
    )
    tiers = "ARRAY[" + ", ".join(f"'{tier}'" for tier in TIERS) + "]"
    return f"""
        WITH spent AS (
            SELECT p.customer_id, p.currency, sum(p.quantity * p.unit_price) AS total
            FROM purchases p JOIN (SELECT DISTINCT customer_id FROM pos_touched) t
                 ON t.customer_id = p.customer_id
            GROUP BY p.customer_id, p.currency
        ), reached AS (
            SELECT s.customer_id, coalesce(max(th.rank), 0) AS rank
            FROM spent s
            LEFT JOIN (VALUES {thresholds}) th (rank, currency, amount)
                 ON th.currency = s.currency AND s.total >= th.amount
            GROUP BY s.customer_id
        )
        UPDATE customers c SET tier = ({tiers})[r.rank + 1], updated_at = $1
        FROM reached r
        WHERE c.id = r.customer_id AND c.tier_source = 'derived' AND c.tier <> '{TIERS[-1]}'
          AND c.tier <> ({tiers})[r.rank + 1]"""


_REFRESH = _refresh()


async def refresh_tiers(connection: asyncpg.Connection, now: datetime) -> int:
    """Re-derive the tiers of the customers noted in ``pos_touched`` and forget them;
    returns how many tiers changed."""
    # How many customers there are decides between reading their histories through the
    # customer index and one pass over the table; the planner needs the count to choose.
    await connection.execute("SET LOCAL work_mem = '64MB'; ANALYZE pos_touched")
    changed = int((await connection.execute(_REFRESH, now)).rsplit(" ", 1)[-1])
    await connection.execute("TRUNCATE pos_touched")
    return changed
