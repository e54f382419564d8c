"""What the routing stores offer for a rebuild: both forget everything on ``reset`` and
count connections alike; the Redis store also guards its rebuild (a lock and an epoch),
claims nothing until the epoch is published when fenced, and reports a lost Redis as
``StoreUnavailable``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from redis.asyncio import Redis

from routing.config import RoutingConfig
from routing.memory_store import InMemoryRoutingStore
from routing.model import AmbassadorProfile, Presence, StoreInfo, Ticket
from routing.redis_store import RedisRoutingStore, epoch_key, rebuilding_key
from routing.store import RoutingStore, StoreUnavailable

REDIS_URL = "redis://127.0.0.1:6379/0"
CONFIG = RoutingConfig()
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
async def client() -> AsyncIterator[Redis]:
    redis = Redis.from_url(REDIS_URL)
    yield redis
    await redis.aclose()


@pytest.fixture
async def prefix(client: Redis) -> AsyncIterator[str]:
    value = f"test:{uuid4().hex}:"
    yield value
    stale = [key async for key in client.scan_iter(match=f"{value}*")]
    if stale:
        await client.delete(*stale)


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, client: Redis, prefix: str) -> RoutingStore:
    if request.param == "memory":
        return InMemoryRoutingStore(CONFIG)
    return RedisRoutingStore(client, CONFIG, prefix)


def profile(ambassador_id: str = "amelie", capacity: float = 2.0) -> AmbassadorProfile:
    return AmbassadorProfile(
        ambassador_id, ambassador_id.title(), frozenset({"paris"}), ("fr",), capacity
    )


async def fill(store: RoutingStore) -> None:
    await store.put_store(StoreInfo("paris", region="FR"))
    await store.connect(profile(), "console-1")
    await store.connect(profile(), "console-2")
    await store.set_presence("amelie", Presence.AVAILABLE, NOW)
    await store.add_load("amelie", 1.0)
    await store.enqueue(Ticket("c1", "paris", NOW))
    await store.enqueue(Ticket("c2", "paris", NOW))
    assert await store.claim("c2", "amelie", 1.0) is not None


async def test_connections_are_counted_across_connects_and_disconnects(
    store: RoutingStore,
) -> None:
    assert await store.connections("amelie") == 0
    await store.connect(profile(), "console-1")
    await store.connect(profile(), "console-2")
    assert await store.connections("amelie") == 2
    assert await store.disconnect("amelie", "console-1") == 1
    assert await store.connections("amelie") == 1


async def test_reset_forgets_everything(store: RoutingStore) -> None:
    await fill(store)
    await store.reset()
    assert await store.stores() == {}
    assert await store.ambassador("amelie") is None
    assert await store.connections("amelie") == 0
    assert await store.present(["paris"]) == []
    assert await store.queued(["paris"], 10) == []
    assert await store.ticket("c1") is None
    assert await store.offered_to("c2") is None
    assert (await store.line("paris", 10)).total == 0


async def test_reset_keeps_the_rebuild_lock_and_drops_the_epoch(client: Redis, prefix: str) -> None:
    store = RedisRoutingStore(client, CONFIG, prefix)
    await fill(store)
    assert await store.begin_rebuild("token", 30)
    assert await store.end_rebuild("token", "epoch-1")
    assert await store.begin_rebuild("again", 30)
    await store.reset()
    assert await store.epoch() is None
    assert await client.get(rebuilding_key(prefix)) == b"again"
    assert [key async for key in client.scan_iter(match=f"{prefix}*")] == [
        rebuilding_key(prefix).encode()
    ]


async def test_one_process_at_a_time_rebuilds_and_only_it_publishes_the_epoch(
    client: Redis, prefix: str
) -> None:
    store = RedisRoutingStore(client, CONFIG, prefix)
    assert await store.epoch() is None
    assert await store.begin_rebuild("first", 30)
    assert not await store.begin_rebuild("second", 30)
    assert not await store.end_rebuild("second", "epoch-2")  # not the holder
    assert await store.epoch() is None
    assert await store.end_rebuild("first", "epoch-1")
    assert await store.epoch() == "epoch-1"
    assert await client.get(rebuilding_key(prefix)) is None  # the lock is free again
    # A failed rebuild frees the lock, only its own.
    assert await store.begin_rebuild("third", 30)
    await store.abandon_rebuild("someone else")
    assert not await store.begin_rebuild("fourth", 30)
    await store.abandon_rebuild("third")
    assert await store.begin_rebuild("fourth", 30)


async def test_forgetting_an_epoch_only_removes_that_epoch(client: Redis, prefix: str) -> None:
    store = RedisRoutingStore(client, CONFIG, prefix)
    await client.set(epoch_key(prefix), "newer")
    assert not await store.forget_epoch("older")  # someone rebuilt since: keep theirs
    assert await store.epoch() == "newer"
    assert await store.forget_epoch("newer")
    assert await store.epoch() is None


async def test_the_rebuild_lock_expires_if_its_holder_dies(client: Redis, prefix: str) -> None:
    store = RedisRoutingStore(client, CONFIG, prefix)
    assert await store.begin_rebuild("crashed", 30)
    assert 0 < await client.ttl(rebuilding_key(prefix)) <= 30


async def test_a_fenced_store_claims_nothing_until_the_state_is_rebuilt(
    client: Redis, prefix: str
) -> None:
    fenced = RedisRoutingStore(client, CONFIG, prefix, fenced=True)
    await fill_without_claim(fenced)
    assert await fenced.claim("c1", "amelie", 1.0) is None  # no epoch: not rebuilt
    assert await fenced.offered_to("c1") is None
    assert (await fenced.ambassador("amelie")).load == 1.0  # type: ignore[union-attr]
    assert await fenced.begin_rebuild("token", 30)
    assert await fenced.end_rebuild("token", "epoch-1")
    assert await fenced.claim("c1", "amelie", 1.0) is not None
    # An unfenced store (tests, tools) claims regardless.
    await client.delete(epoch_key(prefix))
    await fenced.enqueue(Ticket("c3", "paris", NOW))
    plain = RedisRoutingStore(client, CONFIG, prefix)
    assert await plain.claim("c3", "amelie", 0.5) is not None


async def fill_without_claim(store: RoutingStore) -> None:
    await store.put_store(StoreInfo("paris", region="FR"))
    await store.connect(profile(capacity=3.0), "console-1")
    await store.set_presence("amelie", Presence.AVAILABLE, NOW)
    await store.add_load("amelie", 1.0)
    await store.enqueue(Ticket("c1", "paris", NOW))


async def test_an_unreachable_redis_is_reported_as_store_unavailable() -> None:
    nowhere = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    store = RedisRoutingStore(nowhere, CONFIG, "test:nowhere:")
    try:
        with pytest.raises(StoreUnavailable):
            await store.enqueue(Ticket("c1", "paris", NOW))
        with pytest.raises(StoreUnavailable):
            await store.epoch()
        with pytest.raises(StoreUnavailable):
            await store.claim("c1", "amelie", 1.0)
    finally:
        await nowhere.aclose()
