"""Claims racing on the Redis store, from many tasks and from several processes: no
conversation is ever offered twice and no ambassador is ever filled past capacity."""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import random
import traceback
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from typing import Any
from uuid import uuid4

import pytest
from redis.asyncio import BlockingConnectionPool, Redis

from routing.config import RoutingConfig
from routing.model import AmbassadorProfile, Presence, Ticket
from routing.redis_store import RedisRoutingStore

REDIS_URL = "redis://127.0.0.1:6379/0"
CONFIG = RoutingConfig()
CAPACITY = 2.0
AMBASSADORS = [f"a{n}" for n in range(10)]
# Half chats (weight 1), half emails (weight 0.5): sums stay exact, so loads compare with ==.
CHANNELS = {f"c{n:02d}": "email" if n % 2 else "webchat" for n in range(50)}
WEIGHTS = {cid: CONFIG.weight(channel, CAPACITY) for cid, channel in CHANNELS.items()}
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

Claim = tuple[str, str]  # (conversation id, ambassador id)


def connect() -> Redis:
    """More tasks than connections: they queue for the pool instead of failing, as in a web
    process under load (a plain pool raises past 100 connections)."""
    return Redis.from_pool(BlockingConnectionPool.from_url(REDIS_URL, max_connections=32))


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    name = f"test:{uuid4().hex}:"
    yield name
    client = Redis.from_url(REDIS_URL)
    stale = [key async for key in client.scan_iter(match=f"{name}*")]
    if stale:
        await client.delete(*stale)
    await client.aclose()


@pytest.fixture
async def store(prefix: str) -> AsyncIterator[RedisRoutingStore]:
    client = connect()
    routing = RedisRoutingStore(client, CONFIG, prefix)
    for ambassador_id in AMBASSADORS:
        profile = AmbassadorProfile(
            ambassador_id, ambassador_id, frozenset({"paris"}), ("fr",), CAPACITY
        )
        await routing.connect(profile, f"{ambassador_id}-console")
        await routing.set_presence(ambassador_id, Presence.AVAILABLE, START)
    for n, (cid, channel) in enumerate(CHANNELS.items()):
        await routing.enqueue(Ticket(cid, "paris", START + timedelta(seconds=n), channel=channel))
    yield routing
    await client.aclose()


async def assert_consistent(store: RedisRoutingStore, claims: Iterable[Claim]) -> None:
    """The claims that succeeded are the whole truth: offers, loads and the queue agree."""
    claims = list(claims)
    assert claims, "nothing was claimed: the race did not happen"
    duplicates = [cid for cid, times in Counter(cid for cid, _ in claims).items() if times > 1]
    assert duplicates == []
    claimed: dict[str, float] = defaultdict(float)
    for cid, ambassador_id in claims:
        claimed[ambassador_id] += WEIGHTS[cid]
        assert await store.offered_to(cid) == ambassador_id
    for ambassador_id in AMBASSADORS:
        ambassador = await store.ambassador(ambassador_id)
        assert ambassador is not None
        assert claimed[ambassador_id] <= CAPACITY
        assert ambassador.load == claimed[ambassador_id]
    taken = {cid for cid, _ in claims}
    waiting = [t.conversation_id for t in await store.queued(["paris"], len(CHANNELS))]
    assert waiting == [cid for cid in CHANNELS if cid not in taken]


async def claim_some(
    store: RedisRoutingStore, ambassador_id: str, cids: list[str], started: Any
) -> list[Claim]:
    """Tries every listed conversation for one ambassador, capacity or not."""
    await started.wait()
    claims: list[Claim] = []
    for cid in cids:
        got = await store.claim(cid, ambassador_id, WEIGHTS[cid])
        if got is not None:
            assert got.conversation_id == cid
            claims.append((cid, ambassador_id))
    return claims


async def test_200_tasks_racing_for_50_tickets(store: RedisRoutingStore) -> None:
    rng = random.Random(200)
    started = asyncio.Barrier(200)
    tasks = [
        claim_some(store, AMBASSADORS[n % len(AMBASSADORS)], rng.sample(list(CHANNELS), 8), started)
        for n in range(200)
    ]
    results = await asyncio.gather(*tasks)
    await assert_consistent(store, [claim for claims in results for claim in claims])


async def test_enqueues_racing_with_claims_never_undo_a_claim(store: RedisRoutingStore) -> None:
    """Another process queues conversations again (its enqueue, or one found waiting in the
    database) while claims go on: a claimed conversation stays claimed, offered once."""
    rng = random.Random(7)
    started = asyncio.Barrier(100)
    tickets = {
        cid: Ticket(cid, "paris", START + timedelta(seconds=n), channel=channel)
        for n, (cid, channel) in enumerate(CHANNELS.items())
    }

    async def enqueue_again(order: list[str]) -> list[Claim]:
        await started.wait()
        for cid in order:
            await store.enqueue(tickets[cid])
        return []

    claimers = [
        claim_some(store, AMBASSADORS[n % len(AMBASSADORS)], rng.sample(list(CHANNELS), 8), started)
        for n in range(50)
    ]
    enqueuers = [enqueue_again(rng.sample(list(CHANNELS), len(CHANNELS))) for _ in range(50)]
    results = await asyncio.gather(*claimers, *enqueuers)
    await assert_consistent(store, [claim for claims in results for claim in claims])


# -- several processes -----------------------------------------------------------------

PROCESSES = 3
TASKS_PER_PROCESS = 10


async def _race_in_process(prefix: str, barrier: Barrier, seed: int) -> list[Claim]:
    client = connect()
    try:
        store = RedisRoutingStore(client, CONFIG, prefix)
        rng = random.Random(seed)
        await client.ping()  # connected before the start line, so the race starts at once
        plans = [
            (AMBASSADORS[(seed + n) % len(AMBASSADORS)], rng.sample(list(CHANNELS), 20))
            for n in range(TASKS_PER_PROCESS)
        ]
        started = asyncio.Barrier(TASKS_PER_PROCESS)
        await asyncio.to_thread(barrier.wait, 30)
        results = await asyncio.gather(*(claim_some(store, a, c, started) for a, c in plans))
        return [claim for claims in results for claim in claims]
    finally:
        await client.aclose()


def _process_main(prefix: str, barrier: Barrier, results: Any, seed: int) -> None:
    """Entry point of a spawned process: its own event loop, its own Redis client."""
    try:
        results.put(("ok", asyncio.run(_race_in_process(prefix, barrier, seed))))
    except BaseException:
        results.put(("error", traceback.format_exc()))


async def test_processes_racing_for_the_same_tickets(store: RedisRoutingStore, prefix: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(prefix, barrier, results, seed))
        for seed in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = [await asyncio.to_thread(results.get, True, 30) for _ in processes]
    except queue.Empty:
        pytest.fail("a claiming process never reported")
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()
        results.close()
        results.join_thread()
    errors = [detail for status, detail in outcomes if status != "ok"]
    assert errors == []
    await assert_consistent(store, [claim for _, claims in outcomes for claim in claims])
