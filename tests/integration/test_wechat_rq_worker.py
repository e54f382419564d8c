"""Production mode: a real `hub worker` (rq on the real Redis) delivers WeChat messages
to the fake WeChat API, sharing one access token through Redis across jobs."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from adapters.wechat.accounts import NewWechatAccount, add_account, as_account
from adapters.wechat.outbox import SEND_JOB, enqueue_text
from hub.db.channel_models import ChannelOutbox
from hub.db.engine import Database
from hub.jobs.registry import registered_kinds
from hub.jobs.rq_queue import RqJobs, queue_name
from hub.settings import Settings
from tests.conftest import make_settings, truncate_pg
from tests.factories import make_store
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.test_jobs_rq_worker import BIN, REDIS_URL
from tests.integration.wechat_support import SECRET, TOKEN

APP_ID = "wx0123456789abcdef"


@pytest.fixture
async def settings(pg_url: str, wechat_api: FakeWechatApi) -> AsyncIterator[Settings]:
    await truncate_pg(pg_url)
    settings = make_settings(
        pg_url,
        redis_url=REDIS_URL,
        redis_prefix=f"test:{uuid4().hex}:",
        wechat_api_base=wechat_api.base_url,
        public_url="https://hub.example.com",
    )
    yield settings
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{settings.redis_prefix}*")]
        keys += [key async for key in redis.scan_iter(match=f"rq:*{queue_name(settings)}*")]
        if keys:
            await redis.delete(*keys)
        await redis.srem("rq:queues", f"rq:queue:{queue_name(settings)}")
    finally:
        await redis.aclose()


async def test_hub_worker_sends_wechat_messages_with_one_token_shared_in_redis(
    settings: Settings, wechat_api: FakeWechatApi, tmp_path: Path
) -> None:
    wechat_api.add_app(APP_ID, SECRET)
    db = Database(settings.database_url)
    jobs = RqJobs(settings, registered_kinds())
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_REDIS_URL": REDIS_URL,
        "HUB_REDIS_PREFIX": settings.redis_prefix,
        "HUB_WECHAT_API_BASE": settings.wechat_api_base,
        "HUB_PUBLIC_URL": settings.public_url,
        "HUB_LOG_FORMAT": "json",
    }
    worker = None
    try:
        now = datetime.now(UTC)
        await make_store(db, now)
        async with db.transaction() as session:
            row = await add_account(
                session,
                NewWechatAccount.parse(
                    name="cn",
                    app_id=APP_ID,
                    app_secret=SECRET,
                    token=TOKEN,
                    aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                ),
                now=now,
                actor=("test", None),
            )
            account = as_account(row, None)
            first = await enqueue_text(session, account, "oOpenid1", "Bonjour", now, "test")
            second = await enqueue_text(session, account, "oOpenid2", "您好", now, "test")
        with log.open("w") as out:
            worker = await asyncio.create_subprocess_exec(
                str(BIN / "hub"), "worker", env=env, stdout=out, stderr=out
            )
        await jobs.schedule(SEND_JOB, first)
        await jobs.schedule(SEND_JOB, second)
        received = set()
        for _ in range(2):
            sent = await wechat_api.next_custom_message(30)
            received.add((sent.openid, sent.text))
        assert received == {("oOpenid1", "Bonjour"), ("oOpenid2", "您好")}
        assert wechat_api.calls["/cgi-bin/token"] == 1  # the second job found it in Redis
        redis = Redis.from_url(REDIS_URL)
        try:
            cached = await redis.get(f"{settings.redis_prefix}wechat:{APP_ID}_access_token")
        finally:
            await redis.aclose()
        assert cached is not None
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 30) == 0, log.read_text()
        async with db.reading() as session:
            states = {r.id: r.status for r in await session.scalars(select(ChannelOutbox))}
        assert states == {first: "sent", second: "sent"}
    finally:
        if worker is not None and worker.returncode is None:
            worker.kill()
            await worker.wait()
        await jobs.stop()
        await db.close()
