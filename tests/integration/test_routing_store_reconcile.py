"""What the routing stores keep so that a web process killed outright leaves nothing stuck:
claims' deadlines (handed out once when lapsed), heartbeats and who holds each console
(reaped once when a heartbeat lapses). The in-memory store is the reference; the Redis one
must behave the same (the rest of the parity suite: test_routing_store.py)."""

# ruff: noqa: F811 - the tests' ``store`` parameter is the imported fixture, by name

from __future__ import annotations

import asyncio
from datetime import timedelta

from routing.model import AmbassadorProfile, Presence, StoreInfo, Ticket
from routing.store import Lapsed, RoutingStore
from tests.conftest import FakeClock

# The parity suite's store fixture: each test runs on the memory and the Redis store.
from tests.integration.test_routing_store import CONFIG, store  # noqa: F401

LIMIT = 100


def profile(ambassador_id: str = "amelie") -> AmbassadorProfile:
    return AmbassadorProfile(
        ambassador_id, ambassador_id.title(), frozenset({"paris"}), ("fr",), 3.0
    )


async def available(store: RoutingStore, clock: FakeClock, ambassador_id: str = "amelie") -> None:
    await store.connect(profile(ambassador_id), f"{ambassador_id}-console")
    await store.set_presence(ambassador_id, Presence.AVAILABLE, clock())


# -- claims' deadlines -----------------------------------------------------------------


async def test_a_lapsed_claim_is_handed_out_once_then_again_after_the_retry(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock)
    for cid in ("c1", "c2", "c3"):
        await store.enqueue(Ticket(cid, "paris", clock()))
    start = clock()
    await store.claim("c2", "amelie", 1.0, lapse_at=start + timedelta(seconds=10))
    await store.claim("c1", "amelie", 1.0, lapse_at=start + timedelta(seconds=20))
    await store.claim("c3", "amelie", 1.0)  # no deadline: never handed out
    await store.record_offer("c1", "offer-1", start + timedelta(seconds=30))

    retry = start + timedelta(minutes=5)
    assert await store.lapsed(start + timedelta(seconds=10), retry, LIMIT) == []  # exclusive
    due = await store.lapsed(start + timedelta(seconds=31), retry, LIMIT)
    assert due == [Lapsed("c2", "amelie", None, 1), Lapsed("c1", "amelie", "offer-1", 1)]
    assert await store.lapsed(start + timedelta(seconds=31), retry, LIMIT) == []  # once
    # Its taker died too: after the retry time the claim is handed out again.
    again = await store.lapsed(retry + timedelta(seconds=1), retry + timedelta(minutes=5), 1)
    assert again == [Lapsed("c1", "amelie", "offer-1", 2)]  # by deadline then id, up to limit
    assert await store.offered_to("c2") == "amelie"  # handing out changes no claim


async def test_recording_the_offer_moves_the_deadline_and_counts_afresh(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock)
    await store.enqueue(Ticket("c1", "paris", clock()))
    start = clock()
    await store.claim("c1", "amelie", 1.0, lapse_at=start + timedelta(seconds=1))
    retry = start + timedelta(seconds=3)
    assert await store.lapsed(start + timedelta(seconds=2), retry, LIMIT) == [
        Lapsed("c1", "amelie", None, 1)
    ]
    await store.record_offer("c1", "offer-1", start + timedelta(seconds=30))
    assert await store.lapsed(start + timedelta(seconds=29), retry, LIMIT) == []
    assert await store.lapsed(start + timedelta(seconds=31), retry, LIMIT) == [
        Lapsed("c1", "amelie", "offer-1", 1)
    ]


async def test_release_and_settle_forget_the_deadline(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock)
    start = clock()
    for cid in ("released", "requeued", "settled"):
        await store.enqueue(Ticket(cid, "paris", start))
        await store.claim(cid, "amelie", 1.0, lapse_at=start + timedelta(seconds=1))
        await store.record_offer(cid, f"offer-{cid}", start + timedelta(seconds=1))
    await store.release("released", "amelie", 1.0, requeue=None)
    await store.release("requeued", "amelie", 1.0, requeue=Ticket("requeued", "paris", start))
    await store.settle("settled")
    assert await store.lapsed(start + timedelta(hours=1), start + timedelta(hours=2), LIMIT) == []
    # The requeued one can be claimed again, with a new deadline and no old offer id.
    await store.claim("requeued", "amelie", 1.0, lapse_at=start + timedelta(seconds=5))
    assert await store.lapsed(start + timedelta(seconds=6), start + timedelta(hours=1), LIMIT) == [
        Lapsed("requeued", "amelie", None, 1)
    ]


async def test_an_offer_is_recorded_only_on_a_claim(store: RoutingStore, clock: FakeClock) -> None:
    await store.enqueue(Ticket("queued", "paris", clock()))
    await store.record_offer("queued", "offer-1", clock())
    await store.record_offer("unknown", "offer-2", clock())
    hour = timedelta(hours=1)
    assert await store.lapsed(clock() + hour, clock() + 2 * hour, LIMIT) == []
    assert await store.unknown(["unknown"]) == ["unknown"]


# -- processes -------------------------------------------------------------------------


async def test_a_beat_says_whether_the_store_knew_the_process(
    store: RoutingStore, clock: FakeClock
) -> None:
    until = clock() + timedelta(seconds=10)
    assert await store.beat("web-1", until) is False  # new
    assert await store.beat("web-1", until) is True
    await store.reset()
    assert await store.beat("web-1", until) is False  # the store was emptied


async def test_a_dead_process_loses_its_consoles_once_and_only_those(
    store: RoutingStore, clock: FakeClock
) -> None:
    await store.put_store(StoreInfo("paris", region="FR"))
    start = clock()
    await store.beat("dead", start + timedelta(seconds=10))
    await store.beat("alive", start + timedelta(seconds=10))
    await store.connect(profile("amelie"), "tab-1", "dead")
    await store.connect(profile("amelie"), "tab-2", "alive")
    await store.connect(profile("bruno"), "tab-3", "dead")
    await store.connect(profile("bruno"), "tab-4", "dead")
    await store.connect(profile("chloe"), "tab-5", "dead")
    await store.connect(profile("chloe"), "tab-6")  # held by no process: never reaped
    await store.disconnect("bruno", "tab-4", "dead")  # gone before the process died
    await store.connect(profile("dora"), "tab-7", "dead")
    await store.set_presence("dora", Presence.OFFLINE, start)  # connections dropped already

    assert await store.reap(start + timedelta(seconds=10), LIMIT) == []  # exclusive
    await store.beat("alive", start + timedelta(seconds=30))
    later_on = start + timedelta(seconds=11)
    assert await store.reap(later_on, LIMIT) == [
        ("amelie", "tab-1"),
        ("bruno", "tab-3"),
        ("chloe", "tab-5"),
    ]
    assert await store.reap(later_on, LIMIT) == []  # once
    assert [await store.connections(a) for a in ("amelie", "bruno", "chloe", "dora")] == [
        1,
        0,
        1,
        0,
    ]
    # Presence is the caller's business: reaping only drops the connections.
    bruno = await store.ambassador("bruno")
    assert bruno is not None and bruno.presence is Presence.AWAY
    # The reaped process, alive after all, is told so by its next beat.
    assert await store.beat("dead", later_on + timedelta(seconds=10)) is False
    assert await store.beat("alive", later_on + timedelta(seconds=30)) is True


async def test_many_dead_processes_are_reaped_in_order_up_to_the_limit(
    store: RoutingStore, clock: FakeClock
) -> None:
    start = clock()
    for n in range(3):
        process = f"web-{n}"
        await store.beat(process, start + timedelta(seconds=3 - n))
        await store.connect(profile(f"a{n}"), f"tab-{n}", process)
    now = start + timedelta(seconds=5)
    assert await store.reap(now, 2) == [("a1", "tab-1"), ("a2", "tab-2")]  # earliest first
    assert await store.reap(now, 2) == [("a0", "tab-0")]


async def test_reaping_races_from_many_callers_hand_each_connection_out_once(
    store: RoutingStore, clock: FakeClock
) -> None:
    start = clock()
    for n in range(20):
        await store.beat(f"web-{n}", start)
        await store.connect(profile(f"a{n % 5}"), f"tab-{n}", f"web-{n}")
    results = await asyncio.gather(
        *(store.reap(start + timedelta(seconds=1), 3) for _ in range(10))
    )
    handed = [pair for result in results for pair in result]
    assert sorted(handed) == sorted((f"a{n % 5}", f"tab-{n}") for n in range(20))
