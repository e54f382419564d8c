"""Production mode end to end: a real `hub worker` (rq + its scheduler) on PostgreSQL and
Redis delivers mails to a real SMTP server: work the tables hold when it starts, a job
queued for now and one scheduled for later."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from hub import mail
from hub.db.engine import Database
from hub.db.jobs_models import JobAttempt, MailOutbox
from hub.jobs.registry import registered_kinds
from hub.jobs.rq_queue import RqJobs, queue_name
from hub.mail.outbox import MAIL_JOB
from hub.settings import Settings
from tests.conftest import make_settings, truncate_pg
from tests.fakes.smtp import FakeSmtpServer

REDIS_URL = "redis://127.0.0.1:6379/0"
BIN = Path(sys.executable).parent


@pytest.fixture
async def settings(pg_url: str, smtp: FakeSmtpServer) -> AsyncIterator[Settings]:
    """PostgreSQL emptied, and a Redis prefix (hence an rq queue) of this test's own."""
    await truncate_pg(pg_url)
    settings = make_settings(
        pg_url,
        redis_url=REDIS_URL,
        redis_prefix=f"test:{uuid4().hex}:",
        smtp_relay=smtp.relay,
        public_url="https://hub.example.com",
    )
    yield settings
    redis = Redis.from_url(REDIS_URL)
    try:
        name = queue_name(settings)
        stale = [key async for key in redis.scan_iter(match=f"rq:*{name}*")]
        if stale:
            await redis.delete(*stale)
        await redis.srem("rq:queues", f"rq:queue:{name}")
    finally:
        await redis.aclose()


async def start_worker(settings: Settings, log: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_REDIS_URL": REDIS_URL,
        "HUB_REDIS_PREFIX": settings.redis_prefix,
        "HUB_SMTP_RELAY": settings.smtp_relay or "",
        "HUB_PUBLIC_URL": settings.public_url,
        "HUB_LOG_FORMAT": "json",
    }
    with log.open("w") as out:
        return await asyncio.create_subprocess_exec(
            str(BIN / "hub"), "worker", env=env, stdout=out, stderr=out
        )


async def queue_mail(db: Database, settings: Settings, to: str) -> str:
    now = datetime.now(UTC)
    message = mail.compose(settings, to=to, subject="Hello", text=f"Hello {to}", now=now)
    async with db.transaction() as session:
        return await mail.enqueue(session, message, now=now)


async def test_hub_worker_recovers_queued_mail_and_runs_enqueued_and_scheduled_jobs(
    settings: Settings, smtp: FakeSmtpServer, tmp_path: Path
) -> None:
    db = Database(settings.database_url)
    jobs = RqJobs(settings, registered_kinds())
    log = tmp_path / "worker.log"
    worker: asyncio.subprocess.Process | None = None
    try:
        # Stored while no worker ran, and never queued in Redis: only the table knows it.
        waiting = await queue_mail(db, settings, "waiting@example.com")
        worker = await start_worker(settings, log)
        assert (await smtp.next_message(timeout=30)).rcpt_tos == ("waiting@example.com",)

        now_id = await queue_mail(db, settings, "now@example.com")
        await mail.schedule(jobs, now_id)
        later_id = await queue_mail(db, settings, "later@example.com")
        await jobs.schedule(MAIL_JOB, later_id, at=datetime.now(UTC) + timedelta(seconds=2))
        arrived = [(await smtp.next_message(timeout=30)).rcpt_tos[0] for _ in range(2)]
        assert arrived == ["now@example.com", "later@example.com"]

        worker.send_signal(signal.SIGTERM)  # a warm shutdown lets the current job settle
        assert await asyncio.wait_for(worker.wait(), 30) == 0, log.read_text()
        async with db.reading() as session:
            rows = {r.id: (r.status, r.attempts) for r in await session.scalars(select(MailOutbox))}
            attempts = (await session.scalars(select(JobAttempt.outcome))).all()
        assert rows == {key: ("sent", 1) for key in (waiting, now_id, later_id)}
        assert attempts == ["done", "done", "done"]
        assert len(smtp.received) == 3
    finally:
        if worker is not None and worker.returncode is None:
            worker.kill()
            await worker.wait()
        await jobs.stop()
        await db.close()
