"""Which database errors mean "another writer got there first: read again and retry".

A unique key taken meanwhile (IntegrityError), a deadlock PostgreSQL broke by aborting
one side (40P01), or a serialization failure (40001): the transaction did nothing, and
running it again sees the other writer's result.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

RETRYABLE_STATES = frozenset({"40P01", "40001"})  # deadlock, serialization failure


def sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return str(state) if state else None


def write_raced(exc: BaseException) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, DBAPIError) and sqlstate(exc) in RETRYABLE_STATES
