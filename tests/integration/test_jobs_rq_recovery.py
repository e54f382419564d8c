"""Jobs whose rq record vanished are queued again from the tables: once per row however
often recovery runs, when ``hub worker``'s watch finds Redis emptied, and in its sweep for
rows long overdue; an enqueue while Redis is away is logged, never raised to the caller
(the row is committed: the worker finds it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from redis.asyncio import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import update

from hub import mail
from hub.db.engine import Database
from hub.db.jobs_models import MailOutbox
from hub.jobs import rq_queue, rq_watch
from hub.jobs.registry import registered_kinds
from hub.jobs.rq_queue import RqJobs, queue_name, recover, recovery_id
from hub.mail.outbox import MAIL_JOB
from hub.settings import Settings
from tests.conftest import make_settings, truncate_pg

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def settings(pg_url: str) -> AsyncIterator[Settings]:
    await truncate_pg(pg_url)
    settings = make_settings(
        pg_url,
        redis_url=REDIS_URL,
        redis_prefix=f"test:{uuid4().hex}:",
        public_url="https://hub.example.com",
    )
    yield settings
    redis = Redis.from_url(REDIS_URL)
    try:
        name = queue_name(settings)
        stale = [key async for key in redis.scan_iter(match=f"rq:*{name}*")]
        stale += [key async for key in redis.scan_iter(match=f"{settings.redis_prefix}*")]
        db = Database(settings.database_url)
        try:
            async with db.reading() as session:
                from sqlalchemy import select

                ids = (await session.scalars(select(MailOutbox.id))).all()
        finally:
            await db.close()
        stale += [f"rq:job:{recovery_id(name, MAIL_JOB, key)}" for key in ids]
        if stale:
            await redis.delete(*stale)
        await redis.srem("rq:queues", f"rq:queue:{name}")
    finally:
        await redis.aclose()


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.close()


async def queue_mail(db: Database, settings: Settings, to: str, *, at: datetime) -> str:
    message = mail.compose(settings, to=to, subject="Hello", text="Hello", now=at)
    async with db.transaction() as session:
        return await mail.enqueue(session, message, now=at)


def rq_state(settings: Settings) -> tuple[list[str], list[str]]:
    """Job ids waiting in the queue, and scheduled for later."""
    connection = rq_queue.redis_client(settings)
    try:
        queue = Queue(queue_name(settings), connection=connection)
        scheduled = ScheduledJobRegistry(queue=queue).get_job_ids()
        return queue.get_job_ids(), scheduled
    finally:
        connection.close()


async def test_recovering_twice_queues_each_pending_row_once(
    settings: Settings, db: Database
) -> None:
    now = datetime.now(UTC)
    due = await queue_mail(db, settings, "due@example.com", at=now)
    later = await queue_mail(db, settings, "later@example.com", at=now)
    async with db.transaction() as session:
        await session.execute(
            update(MailOutbox)
            .where(MailOutbox.id == later)
            .values(next_attempt_at=now + timedelta(hours=1))
        )
    assert await recover(settings) == 2
    assert await recover(settings) == 0  # their recovered jobs still wait
    name = queue_name(settings)
    assert rq_state(settings) == (
        [recovery_id(name, MAIL_JOB, due)],
        [recovery_id(name, MAIL_JOB, later)],
    )
    # A sweep looks only at rows due (long) before its cut-off.
    assert await recover(settings, due_before=now - timedelta(minutes=1)) == 0


async def test_an_enqueue_while_redis_is_away_is_logged_and_not_raised(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    away = settings.with_overrides(redis_url="redis://127.0.0.1:1/0")
    jobs = RqJobs(away, registered_kinds())
    try:
        with caplog.at_level(logging.WARNING, logger="hub.jobs"):
            await jobs.schedule(MAIL_JOB, "some-row")
        assert "job not queued" in caplog.text
        with pytest.raises(rq_queue.REDIS_UNAVAILABLE):
            await jobs.recover(MAIL_JOB, "some-row", None)  # recovery must know it failed
    finally:
        await jobs.stop()


async def test_the_worker_watch_queues_the_tables_again_when_redis_lost_its_jobs(
    settings: Settings, db: Database
) -> None:
    now = datetime.now(UTC)
    key = await queue_mail(db, settings, "lost@example.com", at=now)
    watch = rq_watch.RqWatch(settings)
    expected = [recovery_id(queue_name(settings), MAIL_JOB, key)]
    try:
        assert await asyncio.to_thread(watch.recover_all, "start") == 1
        assert rq_state(settings)[0] == expected
        await asyncio.to_thread(watch.check)  # the epoch is there: nothing to do
        assert rq_state(settings)[0] == expected

        # Redis restarted empty (this hub's keys are all gone): queued again from the table.
        redis = Redis.from_url(REDIS_URL)
        try:
            await redis.delete(
                rq_watch.epoch_key(settings),
                f"rq:queue:{queue_name(settings)}",
                f"rq:job:{expected[0]}",
            )
        finally:
            await redis.aclose()
        assert rq_state(settings)[0] == []
        await asyncio.to_thread(watch.check)
        assert rq_state(settings)[0] == expected
        assert watch.connection.get(rq_watch.epoch_key(settings)) is not None
    finally:
        watch.stop()


async def test_the_sweep_queues_long_overdue_rows_only_while_the_queue_is_idle(
    settings: Settings, db: Database
) -> None:
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    first = await queue_mail(db, settings, "overdue@example.com", at=long_ago)
    name = queue_name(settings)
    watch = rq_watch.RqWatch(settings, sweep_every=0)
    try:
        watch.connection.set(rq_watch.epoch_key(settings), "present")
        await asyncio.to_thread(watch.check)
        assert rq_state(settings)[0] == [recovery_id(name, MAIL_JOB, first)]
        # A backlog is not a loss: while the queue has work, no sweep.
        second = await queue_mail(db, settings, "also@example.com", at=long_ago)
        await queue_mail(db, settings, "fresh@example.com", at=datetime.now(UTC))
        await asyncio.to_thread(watch.check)
        assert rq_state(settings)[0] == [recovery_id(name, MAIL_JOB, first)]
        watch.queue.empty()  # the jobs are gone (deleted): the overdue rows come back
        await asyncio.to_thread(watch.check)
        assert sorted(rq_state(settings)[0]) == sorted(
            recovery_id(name, MAIL_JOB, key) for key in (first, second)
        )
    finally:
        watch.stop()
