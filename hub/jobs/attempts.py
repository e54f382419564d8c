"""Exactly-once-ish work on a claimable row: claim it, do it, record how it went, retry later.

Any table with ``DeliveryState`` columns and a string ``id`` works. The claim is one
conditional UPDATE, so of two runners (two rq workers, a duplicate job, a restart that
recovered work still scheduled elsewhere) only one gets the row; the attempt number it
returns fences the outcome, so a runner whose lease ran out cannot overwrite a newer try.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from hub.db.engine import Database
from hub.db.jobs_models import DeliveryState, JobAttempt
from hub.errors import HubError
from hub.jobs.kind import JobContext

log = logging.getLogger("hub.jobs")
MAX_ERROR_LENGTH = 1000
DUE_LIMIT = 10_000

Row = TypeVar("Row", bound=DeliveryState)


class DeliveryFailed(HubError):
    """The channel refused or could not take it; ``permanent`` means trying again is useless."""

    code = "delivery_failed"

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: first_delay, then twice as long each time, up to max_delay."""

    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=6)
    max_attempts: int = 8
    # How long a claim keeps other runners away; longer than any single attempt takes.
    lease: timedelta = timedelta(minutes=5)

    def delay_after(self, attempt: int) -> timedelta:
        return min(self.first_delay * (2 ** max(0, attempt - 1)), self.max_delay)


@dataclass(frozen=True)
class Claim(Generic[Row]):
    kind: str
    row: Row
    attempt: int
    attempt_id: int


def _table(model: type[DeliveryState]) -> Any:
    """The mapped class, for column access (the mixin itself declares no ``id``)."""
    return model


async def claim(
    db: Database,
    model: type[Row],
    kind: str,
    key: str,
    now: datetime,
    policy: RetryPolicy,
) -> Claim[Row] | None:
    """Take the row for one attempt, or None when it is not ours to do (done, leased, early)."""
    table = _table(model)
    async with db.transaction() as session:
        attempt = (
            await session.execute(
                update(table)
                .where(
                    table.id == key,
                    table.status == "queued",
                    table.sent_at.is_(None),
                    table.next_attempt_at <= now,
                    or_(table.claimed_until.is_(None), table.claimed_until <= now),
                )
                .values(attempts=table.attempts + 1, claimed_until=now + policy.lease)
                .returning(table.attempts)
                .execution_options(synchronize_session=False)
            )
        ).scalar_one_or_none()
        if attempt is None:
            return None
        record = JobAttempt(kind=kind, key=key, attempt=attempt, started_at=now, outcome="running")
        session.add(record)
        if attempt > policy.max_attempts:
            # Earlier attempts died without an answer (a crash mid-delivery): stop here.
            await session.execute(
                update(table)
                .where(table.id == key)
                .values(
                    status="failed",
                    claimed_until=None,
                    last_error=f"gave up after {attempt - 1} attempts without an answer",
                )
                .execution_options(synchronize_session=False)
            )
            record.outcome, record.finished_at = "failed", now
            log.warning("job gave up", extra={"fields": {"kind": kind, "key": key}})
            return None
        await session.flush()
        row: Row = (
            await session.scalars(
                select(table).where(table.id == key).execution_options(populate_existing=True)
            )
        ).one()
        return Claim(kind=kind, row=row, attempt=attempt, attempt_id=record.id)


async def settle(
    db: Database,
    model: type[DeliveryState],
    claimed: Claim[Any],
    error: DeliveryFailed | None,
    now: datetime,
    policy: RetryPolicy,
) -> datetime | None:
    """Record the attempt's outcome on the row and in ``job_attempts``; when to retry, if at all."""
    table = _table(model)
    retry_at: datetime | None = None
    if error is None:
        outcome = "done"
        values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
    elif error.permanent or claimed.attempt >= policy.max_attempts:
        outcome = "failed"
        values = {"status": "failed", "last_error": error.message[:MAX_ERROR_LENGTH]}
    else:
        outcome = "retry"
        retry_at = now + policy.delay_after(claimed.attempt)
        values = {"next_attempt_at": retry_at, "last_error": error.message[:MAX_ERROR_LENGTH]}
    async with db.transaction() as session:
        moved = await session.execute(
            update(table)
            # The attempt number fences the update: a newer claim has a higher one.
            .where(table.id == claimed.row.id, table.attempts == claimed.attempt)
            .values(claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(JobAttempt)
            .where(JobAttempt.id == claimed.attempt_id)
            .values(
                outcome=outcome,
                finished_at=now,
                error=None if error is None else error.message[:MAX_ERROR_LENGTH],
            )
        )
    fields = {"kind": claimed.kind, "key": claimed.row.id, "attempt": claimed.attempt}
    if getattr(moved, "rowcount", 1) != 1:
        log.warning("job: a newer attempt took over", extra={"fields": fields})
        return None
    if error is None:
        log.info("job done", extra={"fields": fields})
    else:
        fields.update(outcome=outcome, error=error.message[:MAX_ERROR_LENGTH], retry_at=retry_at)
        log.warning("job attempt failed", extra={"fields": fields})
    return retry_at


async def attempt(
    ctx: JobContext,
    kind: str,
    model: type[Row],
    key: str,
    work: Callable[[Row], Awaitable[None]],
    policy: RetryPolicy,
) -> None:
    """Claim, run ``work``, settle, and schedule the retry: a whole job for most kinds."""
    claimed = await claim(ctx.db, model, kind, key, ctx.clock(), policy)
    if claimed is None:
        return
    error: DeliveryFailed | None = None
    try:
        await work(claimed.row)
    except DeliveryFailed as exc:
        error = exc
    except Exception as exc:
        # A bug or an error nobody translated: retry like a temporary failure, but loudly.
        log.exception("job failed unexpectedly", extra={"fields": {"kind": kind, "key": key}})
        error = DeliveryFailed(f"unexpected error: {type(exc).__name__}")
    retry_at = await settle(ctx.db, model, claimed, error, ctx.clock(), policy)
    if retry_at is not None:
        await ctx.jobs.schedule(kind, key, at=retry_at)


async def due_rows(
    session: AsyncSession, model: type[DeliveryState], *where: ColumnElement[bool]
) -> list[tuple[str, datetime]]:
    """Queued rows and when each is due: its next attempt, or the end of a live lease.

    ``where`` narrows them to one job kind's rows in a table that several channels share
    (the channel outbox, attachments): another kind's row must never be claimed by this
    one, which would fail it for want of its channel's account."""
    table = _table(model)
    rows = await session.execute(
        select(table.id, table.next_attempt_at, table.claimed_until)
        .where(table.status == "queued", *where)
        .order_by(table.next_attempt_at)
        .limit(DUE_LIMIT)
    )
    return [
        (row_id, max(next_at, claimed) if claimed is not None else next_at)
        for row_id, next_at, claimed in rows
    ]
