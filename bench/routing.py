"""Routing decision latency and throughput, for both state stores.

    .venv/bin/python -m bench.routing [--sizes 100,1000,10000] [--stores memory,redis]

For N ambassadors (10 per store, 10 stores per region, capacity 2, all available and full)
and 10 x N queued conversations, it times two kinds of decision through the real
RoutingService with a null database and notifier:

- freed: an ambassador finishes a chat and the service picks, claims and offers the next
  conversation they may take (ambassador-first, the common case under load);
- arrival: a new conversation arrives while everyone is busy (ticket-first; ends with a
  review timer, nobody free).

Prints p50/p99 latency and decisions per second (one decision at a time).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from redis.asyncio import BlockingConnectionPool, Redis

from hub.runtime import settle_heap
from routing.config import RoutingConfig
from routing.memory_store import InMemoryRoutingStore
from routing.model import AmbassadorProfile, OfferRecord, Presence, StoreInfo, Ticket
from routing.ports import Work
from routing.service import RoutingService
from routing.store import RoutingStore

REDIS_URL = "redis://127.0.0.1:6379/0"
SAMPLES = 2000
PER_STORE = 10
STORES_PER_REGION = 10
CAPACITY = 2.0


class NullRepository:
    """Accepts every offer at once: the benchmark measures routing, not the database."""

    def __init__(self) -> None:
        self.count = 0

    async def stores(self) -> list[StoreInfo]:
        return []

    async def queued_tickets(self) -> list[Ticket]:
        return []

    async def open_work(self, ambassador_id: str | None) -> list[Work]:
        return []

    async def open_offer(
        self, ticket: Ticket, ambassador_id: str, now: datetime, expires_at: datetime
    ) -> OfferRecord:
        self.count += 1
        return OfferRecord(f"o{self.count}", ticket.conversation_id, ambassador_id, expires_at)

    async def revoke_pending(self, ambassador_id: str | None, now: datetime) -> list[OfferRecord]:
        return []

    async def revoke_offer_for(self, conversation_id: str, now: datetime) -> None:
        return None


class Null:
    """Notifier, metrics and timers that do nothing."""

    async def _nothing(self, *args: object, **kwargs: object) -> None:
        return None

    offered = revoked = assigned = queue_positions = presence_changed = requeued = _nothing

    def observe(self, *args: object, **kwargs: object) -> None: ...

    def inc(self, *args: object, **kwargs: object) -> None: ...

    def set(self, *args: object, **kwargs: object) -> None: ...

    def call_at(
        self, when: datetime, callback: Callable[[], Awaitable[None]]
    ) -> Callable[[], None]:
        return lambda: None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def build(store: RoutingStore, n: int, now: datetime) -> tuple[RoutingService, list[str]]:
    config = RoutingConfig()
    null = Null()
    service = RoutingService(
        store=store,
        repository=NullRepository(),
        notifier=null,
        metrics=null,  # type: ignore[arg-type]
        timers=null,
        clock=lambda: now,
        config=config,
    )
    stores = [
        StoreInfo(f"s{i}", region=f"r{i // STORES_PER_REGION}")
        for i in range(max(1, n // PER_STORE))
    ]
    await service.start(stores, recover=False)
    ambassadors = []
    for i in range(n):
        home = stores[i % len(stores)].id
        profile = AmbassadorProfile(f"a{i}", f"A{i}", frozenset({home}), ("fr", "en"), CAPACITY)
        await service.connected(profile, f"c-{profile.id}")
        ambassadors.append(profile.id)
    # 12 x N tickets: 2 x N fill every ambassador, 10 x N stay queued.
    batch = []
    for j in range(12 * n):
        ticket = Ticket(f"t{j}", stores[j % len(stores)].id, now - timedelta(seconds=12 * n - j))
        batch.append(store.enqueue(ticket))
        if len(batch) == 500:
            await asyncio.gather(*batch)
            batch = []
    await asyncio.gather(*batch)
    for aid in ambassadors:
        await service.set_presence(aid, Presence.AVAILABLE)
    return service, ambassadors


async def measure(kind: str, store: RoutingStore, n: int) -> dict[str, float]:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    service, ambassadors = await build(store, n, now)
    # As `hub serve` does after start-up: long-lived objects leave the collector's scans.
    settle_heap()
    queued = sum([await store.queue_length(f"s{i}") for i in range(max(1, n // PER_STORE))])
    rng = random.Random(7)
    freed: list[float] = []
    arrivals: list[float] = []
    samples = min(SAMPLES, 10 * n)
    for k in range(samples):
        aid = rng.choice(ambassadors)
        started = time.perf_counter()
        await service.finished(aid, "webchat")
        freed.append(time.perf_counter() - started)
        ticket = Ticket(f"new{k}", f"s{rng.randrange(max(1, n // PER_STORE))}", now)
        started = time.perf_counter()
        await service.enqueue(ticket)
        arrivals.append(time.perf_counter() - started)
    return {
        "queued": queued,
        "freed_p50": percentile(freed, 0.5) * 1000,
        "freed_p99": percentile(freed, 0.99) * 1000,
        "freed_rate": 1 / statistics.fmean(freed),
        "arrival_p50": percentile(arrivals, 0.5) * 1000,
        "arrival_p99": percentile(arrivals, 0.99) * 1000,
        "arrival_rate": 1 / statistics.fmean(arrivals),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--stores", default="memory,redis")
    args = parser.parse_args()
    print(
        f"{'store':<7} {'ambassadors':>11} {'queued':>8} | {'freed p50':>9} {'p99 ms':>7}"
        f" {'dec/s':>7} | {'arrival p50':>11} {'p99 ms':>7} {'dec/s':>7}"
    )
    for kind in args.stores.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            redis = None
            if kind == "redis":
                redis = Redis(
                    connection_pool=BlockingConnectionPool.from_url(REDIS_URL, max_connections=50)
                )
                prefix = f"bench:{uuid.uuid4().hex}:"
                from routing.redis_store import RedisRoutingStore

                store: RoutingStore = RedisRoutingStore(redis, RoutingConfig(), prefix)
            else:
                store = InMemoryRoutingStore(RoutingConfig())
            try:
                r = await measure(kind, store, n)
            finally:
                gc.unfreeze()
                if redis is not None:
                    async for key in redis.scan_iter(match=f"{prefix}*", count=5000):
                        await redis.unlink(key)
                    await redis.aclose()
            print(
                f"{kind:<7} {n:>11} {int(r['queued']):>8} | {r['freed_p50']:>9.3f}"
                f" {r['freed_p99']:>7.3f} {r['freed_rate']:>7.0f}"
                f" | {r['arrival_p50']:>11.3f} {r['arrival_p99']:>7.3f}"
                f" {r['arrival_rate']:>7.0f}",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main())
