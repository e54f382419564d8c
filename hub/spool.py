"""The inbound spool: store a channel's callback as one row, answer, process it after.

Channels such as WeChat give a callback five seconds and retry it when the answer is
late. Writing the whole conversation (profile, routing) inside that window would tie the
answer to the slowest part of the hub; one insert keyed by the channel's dedupe key does
not. The row is then processed by this process's own runner (``spool_runner``): it
needs the inbox, routing and sockets, which live in the web process, and a crash before
processing leaves a queued row that the next start (of any web process) picks up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.channel_models import InboundSpool
from hub.db.engine import Database
from hub.db.models import new_id
from hub.jobs.attempts import DeliveryFailed, RetryPolicy, attempt, due_rows
from hub.jobs.kind import JobContext, JobKind

SPOOL_JOB = "inbound"
# Seconds, not minutes: a shopper is waiting. A row that keeps failing (a bug, a store
# deleted under it) stops after a day and stays visible as failed.
SPOOL_RETRIES = RetryPolicy(
    first_delay=timedelta(seconds=2),
    max_delay=timedelta(minutes=30),
    max_attempts=20,
    lease=timedelta(minutes=2),
)

Processor = Callable[[InboundSpool], Awaitable[None]]


async def spool(
    db: Database,
    *,
    channel: str,
    account_id: str | None,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
    raw: bytes | None = None,
) -> str | None:
    """Store one callback; its id, or None when the same key was stored before (a retry)."""
    spool_id = new_id()
    values = {
        "id": spool_id,
        "channel": channel,
        "account_id": account_id,
        "dedupe_key": dedupe_key,
        "payload": payload,
        "raw": raw,
        "received_at": now,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    async with db.transaction() as session:
        result = await session.execute(_insert_new(db.dialect, values))
    return spool_id if getattr(result, "rowcount", 1) == 1 else None


def _insert_new(dialect: str, values: dict[str, Any]) -> Any:
    """INSERT that does nothing when the dedupe key exists: no error, no aborted transaction."""
    if dialect == "postgresql":
        return (
            postgresql_insert(InboundSpool)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    if dialect == "sqlite":
        return (
            sqlite_insert(InboundSpool)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    return insert(InboundSpool).values(**values)


def spool_kind(processors: Mapping[str, Processor]) -> JobKind:
    """The job that turns a spooled callback into messages, by the channel's processor."""

    async def handle(ctx: JobContext, spool_id: str) -> None:
        async def work(row: InboundSpool) -> None:
            processor = processors.get(row.channel)
            if processor is None:
                raise DeliveryFailed(f"no processor for channel {row.channel}", permanent=True)
            await processor(row)

        await attempt(ctx, SPOOL_JOB, InboundSpool, spool_id, work, SPOOL_RETRIES)

    async def due(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
        return await due_rows(session, InboundSpool)

    return JobKind(name=SPOOL_JOB, handle=handle, due=due)
