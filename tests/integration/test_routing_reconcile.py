"""The reconciliation scenarios of ``tests/unit/test_routing_reconcile.py`` again, with the
routing services ("web processes") sharing the real Redis store instead of the in-memory
one: heartbeats, reaping and lapsed claims go through the Lua scripts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from redis.asyncio import Redis

from routing.redis_store import RedisRoutingStore
from tests.conftest import FakeClock
from tests.unit import test_routing_reconcile as scenarios
from tests.unit.routing_fakes import FakeRepository

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def world(clock: FakeClock) -> AsyncIterator[scenarios.World]:
    client = Redis.from_url(REDIS_URL)
    prefix = f"test:{uuid4().hex}:"
    try:
        yield scenarios.World(
            clock, FakeRepository(), RedisRoutingStore(client, scenarios.CONFIG, prefix)
        )
    finally:
        stale = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if stale:
            await client.delete(*stale)
        await client.aclose()


# Every scenario, collected here as well, runs with this module's ``world``.
globals().update({name: test for name, test in vars(scenarios).items() if name.startswith("test_")})
