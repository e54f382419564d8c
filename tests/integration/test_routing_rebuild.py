"""Routing rebuilt from the database when Redis loses it, with the real Redis store and the
hub's watcher: two "processes" (routing services with their own consoles and timers) on one
Redis and one database (the fake repository), as two `hub serve` would be."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import pytest
from redis.asyncio import Redis

from hub.redis_watch import RedisWatch
from routing.config import RoutingConfig
from routing.model import AmbassadorProfile, Presence, Ticket
from routing.redis_store import RedisRoutingStore
from routing.service import RoutingService
from tests.conftest import FakeClock
from tests.e2e.conftest import free_port
from tests.redis_server import PrivateRedis
from tests.unit.routing_fakes import FakeRepository, ManualTimers, NullMetrics, Recorder

REDIS_URL = "redis://127.0.0.1:6379/0"
CONFIG = RoutingConfig()


@dataclass
class Process:
    service: RoutingService
    watch: RedisWatch
    events: Recorder
    timers: ManualTimers

    def offers(self) -> list[tuple[str, str]]:
        return [(o.conversation_id, o.ambassador_id) for o in self.events.offers()]


@dataclass
class Hub:
    client: Redis
    prefix: str
    repo: FakeRepository
    clock: FakeClock

    def process(self, *, probe_timeout: float = 1.0) -> Process:
        store = RedisRoutingStore(self.client, CONFIG, self.prefix, fenced=True)
        events, timers = Recorder(), ManualTimers(self.clock)
        service = RoutingService(
            store=store,
            repository=self.repo,
            notifier=events,
            metrics=NullMetrics(),
            timers=timers,
            clock=self.clock,
            config=CONFIG,
        )
        watch = RedisWatch(store, service, probe_timeout=probe_timeout)
        return Process(service, watch, events, timers)

    async def console(
        self, process: Process, aid: str, capacity: float, *, available: bool = True
    ) -> None:
        self.repo.capacity[aid] = capacity
        profile = AmbassadorProfile(aid, aid.title(), frozenset({"paris"}), ("fr",), capacity)
        await process.service.connected(profile, f"console-{aid}")
        if available:
            await process.service.set_presence(aid, Presence.AVAILABLE)

    async def arrive(self, process: Process, cid: str) -> None:
        await process.service.enqueue(self.repo.add(Ticket(cid, "paris", self.clock())))

    async def accept(self, process: Process, cid: str) -> None:
        (oid,) = [
            k for k, o in self.repo.offers.items() if o["cid"] == cid and o["status"] == "pending"
        ]
        await process.service.accept(oid, self.repo.offers[oid]["aid"])

    async def forget_everything(self) -> None:
        """What FLUSHALL does to this hub's keys."""
        keys = [key async for key in self.client.scan_iter(match=f"{self.prefix}*")]
        if keys:
            await self.client.delete(*keys)

    async def in_step(self, *processes: Process) -> None:
        """Every watcher checks until all run on one published epoch (bounded)."""
        for _ in range(50):
            await asyncio.gather(*(p.watch.check() for p in processes))
            epochs = {p.watch.epoch for p in processes}
            settled = not any(p.service.suspended for p in processes)
            if len(epochs) == 1 and None not in epochs and settled:
                return
        raise AssertionError("the processes never agreed on a rebuilt state")

    async def load(self, aid: str) -> float:
        raw = await self.client.hget(f"{self.prefix}amb:{aid}", "load")
        return float(raw or 0)

    async def presence(self, aid: str) -> str | None:
        raw = await self.client.hget(f"{self.prefix}amb:{aid}", "presence")
        return raw.decode() if raw is not None else None


async def _cleanup(client: Redis, prefix: str) -> None:
    stale = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if stale:
        await client.delete(*stale)


@pytest.fixture
async def hub(clock: FakeClock) -> AsyncIterator[Hub]:
    client = Redis.from_url(REDIS_URL)
    prefix = f"test:{uuid4().hex}:routing:"
    try:
        yield Hub(client, prefix, FakeRepository(), clock)
    finally:
        await _cleanup(client, prefix)
        await client.aclose()


async def test_an_emptied_redis_is_rebuilt_once_and_every_process_announces_its_consoles(
    hub: Hub,
) -> None:
    one, two = hub.process(), hub.process()
    await hub.in_step(one, two)
    assert one.watch.rebuilds + two.watch.rebuilds == 1  # the first start found it empty

    await hub.console(one, "amelie", capacity=2)
    await hub.arrive(one, "c1")
    await hub.arrive(two, "c2")
    for cid in ("c1", "c2"):
        await hub.accept(one, cid)
    await hub.console(two, "bruno", capacity=1)
    await hub.arrive(one, "c3")
    assert one.offers()[-1] == ("c3", "bruno")  # pending when Redis loses it
    await hub.arrive(two, "c4")  # nobody has room: waits
    stale = next(k for k, o in hub.repo.offers.items() if o["cid"] == "c3")

    await hub.forget_everything()
    await hub.in_step(one, two)

    assert one.watch.rebuilds + two.watch.rebuilds == 2  # one process rebuilt, once
    assert hub.repo.offers[stale]["status"] == "revoked"
    # Announced again by their own processes, with their presence and their work.
    assert await hub.presence("amelie") == "available"
    assert await hub.presence("bruno") == "available"
    assert await hub.load("amelie") == 2.0
    # c3 came back to Bruno (a new offer); c4 still waits: nobody over capacity.
    assert two.offers()[-1] == ("c3", "bruno") or one.offers()[-1] == ("c3", "bruno")
    assert await hub.load("bruno") == 1.0
    assert hub.repo.status["c4"] == "queued"
    live = [(o["cid"], o["aid"]) for o in hub.repo.offers.values() if o["status"] == "pending"]
    assert live == [("c3", "bruno")]


async def test_conversations_waiting_in_the_database_are_queued_by_a_start_on_an_empty_redis(
    hub: Hub,
) -> None:
    """A web process that starts on an empty Redis (a fresh deployment, or Redis restarted
    while every web process was down) rebuilds loads and queues before serving."""
    hub.repo.add(Ticket("waiting", "paris", hub.clock()))
    hub.repo.add(Ticket("held", "paris", hub.clock()))
    hub.repo.status["held"] = "assigned"
    hub.repo.assigned_to["held"] = "amelie"
    hub.repo.capacity["amelie"] = 1
    one = hub.process()
    await hub.in_step(one)
    assert await hub.load("amelie") == 1.0
    await hub.console(one, "amelie", capacity=1)
    assert one.offers() == []  # full with the conversation she held
    await hub.console(one, "bruno", capacity=1)
    assert one.offers() == [("waiting", "bruno")]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_port(), tmp_path / "redis.log")
    server.start()
    yield server
    server.kill()


async def test_a_redis_that_hung_and_came_back_with_its_data_is_still_rebuilt(
    private_redis: PrivateRedis, clock: FakeClock
) -> None:
    """Writes made while it was away never reached it: trust nothing, rebuild."""
    client = Redis.from_url(private_redis.url, socket_timeout=2)
    hub = Hub(client, "test:routing:", FakeRepository(), clock)
    try:
        one = hub.process(probe_timeout=0.3)
        await hub.in_step(one)
        await hub.console(one, "amelie", capacity=2)
        await hub.arrive(one, "c1")
        (first,) = one.events.offers()

        private_redis.freeze()
        await one.watch.check()  # times out: unreachable
        assert not one.watch.reachable and one.service.suspended
        await hub.arrive(one, "c2")  # stored, waits (and returns at once)
        assert await one.service.presence_of("amelie") is Presence.AVAILABLE
        await one.service.set_presence("amelie", Presence.AVAILABLE)
        private_redis.thaw()

        await hub.in_step(one)
        assert one.watch.rebuilds == 2
        assert ("revoked", (first.id, "rebuilt")) in one.events.events
        assert sorted(cid for cid, _ in one.offers()[1:]) == ["c1", "c2"]
        assert await hub.load("amelie") == 2.0
    finally:
        await client.aclose()


async def test_a_process_that_starts_while_redis_is_down_serves_and_catches_up(
    private_redis: PrivateRedis, clock: FakeClock
) -> None:
    private_redis.kill()
    client = Redis.from_url(private_redis.url, socket_connect_timeout=0.3)
    hub = Hub(client, "test:routing:", FakeRepository(), clock)
    try:
        one = hub.process(probe_timeout=0.3)
        await one.watch.check()
        assert one.service.suspended and not one.watch.reachable
        await hub.console(one, "amelie", capacity=1)
        await hub.arrive(one, "c1")
        private_redis.start()
        await hub.in_step(one)
        assert one.offers() == [("c1", "amelie")]
    finally:
        await client.aclose()
