"""Which database errors mean "another writer got there first: read again and retry".

A unique key taken meanwhile (IntegrityError), a deadlock PostgreSQL broke by aborting
one side (40P01), or a serialization failure (40001): the transaction did nothing, and
running it again sees the other writer's result.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database

log = logging.getLogger("hub.db")
T = TypeVar("T")
ATTEMPTS = 3

RETRYABLE_STATES = frozenset({"40P01", "40001"})  # deadlock, serialization failure


def sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return str(state) if state else None


def write_raced(exc: BaseException) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, DBAPIError) and sqlstate(exc) in RETRYABLE_STATES


async def transaction_retrying(
    db: Database, work: Callable[[AsyncSession], Awaitable[T]], attempts: int = ATTEMPTS
) -> T:
    """``work`` in a transaction, run again (from a fresh read) when another writer raced it."""
    for attempt in range(1, attempts + 1):
        try:
            async with db.transaction() as session:
                return await work(session)
        except DBAPIError as exc:
            if attempt == attempts or not write_raced(exc):
                raise
            log.info("write raced, retrying", extra={"fields": {"attempt": attempt}})
    raise AssertionError("unreachable")
