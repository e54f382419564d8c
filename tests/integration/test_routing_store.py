"""One behavioural suite for every routing state store: the in-memory one is the reference,
the Redis one must be indistinguishable from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from uuid import uuid4

import pytest
from redis.asyncio import Redis

from routing.config import RoutingConfig
from routing.memory_store import InMemoryRoutingStore
from routing.model import AmbassadorProfile, Presence, StoreInfo, Ticket
from routing.policy import queue_score
from routing.redis_store import RedisRoutingStore
from routing.store import RoutingStore
from tests.conftest import FakeClock

REDIS_URL = "redis://127.0.0.1:6379/0"
CONFIG = RoutingConfig()


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[RoutingStore]:
    if request.param == "memory":
        yield InMemoryRoutingStore(CONFIG)
        return
    client = Redis.from_url(REDIS_URL)
    prefix = f"test:{uuid4().hex}:"
    try:
        yield RedisRoutingStore(client, CONFIG, prefix)
    finally:
        stale = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if stale:
            await client.delete(*stale)
        await client.aclose()


def profile(
    ambassador_id: str = "amelie", *stores: str, capacity: float = 2.0
) -> AmbassadorProfile:
    return AmbassadorProfile(
        id=ambassador_id,
        name=ambassador_id.title(),
        store_ids=frozenset(stores or ("paris",)),
        languages=("fr", "en"),
        capacity=capacity,
    )


def ticket(
    cid: str, at: datetime, *, store: str = "paris", channel: str = "webchat", priority: int = 1
) -> Ticket:
    return Ticket(cid, store, at, channel=channel, priority=priority)


async def available(
    store: RoutingStore, now: datetime, ambassador_id: str = "amelie", *stores: str, **kw: float
) -> None:
    await store.connect(profile(ambassador_id, *stores, **kw), f"{ambassador_id}-console")
    await store.set_presence(ambassador_id, Presence.AVAILABLE, now)


async def queue_ids(store: RoutingStore, *stores: str, limit: int = 100) -> list[str]:
    return [t.conversation_id for t in await store.queued(stores or ("paris",), limit)]


async def candidate_ids(store: RoutingStore, *stores: str) -> set[str]:
    return {a.id for a in await store.candidates(stores)}


# -- ambassadors -----------------------------------------------------------------------


async def test_a_first_connect_starts_away(store: RoutingStore) -> None:
    assert await store.ambassador("amelie") is None
    assert await store.connect(profile(), "tab-1") == 1
    amelie = await store.ambassador("amelie")
    assert amelie is not None
    assert (amelie.profile, amelie.presence, amelie.load, amelie.idle_since) == (
        profile(),
        Presence.AWAY,
        0.0,
        None,
    )
    assert await store.candidates(["paris"]) == []


async def test_available_ambassadors_are_candidates_of_their_stores_only(
    store: RoutingStore, clock: FakeClock
) -> None:
    await store.connect(profile("amelie", "paris", "lyon"), "tab-1")
    assert await store.set_presence("amelie", Presence.AVAILABLE, clock()) is Presence.AVAILABLE
    await available(store, clock(), "bruno", "milan")
    (amelie,) = await store.candidates(["paris"])
    assert (amelie.id, amelie.presence, amelie.idle_since) == (
        "amelie",
        Presence.AVAILABLE,
        clock(),
    )
    assert [a.id for a in await store.candidates(["lyon", "paris", "lyon"])] == ["amelie"]
    assert await candidate_ids(store, "milan") == {"bruno"}
    assert await candidate_ids(store, "paris", "milan") == {"amelie", "bruno"}
    assert await candidate_ids(store, "rome") == set()


@pytest.mark.parametrize("presence", [Presence.AWAY, Presence.OFFLINE])
async def test_away_or_offline_ambassadors_are_not_candidates(
    store: RoutingStore, clock: FakeClock, presence: Presence
) -> None:
    await available(store, clock())
    assert await store.set_presence("amelie", presence, clock()) is presence
    assert await store.candidates(["paris"]) == []
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.presence is presence


async def test_connection_ids_name_every_console_of_one_ambassador(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    await store.connect(profile(), "tab-2", "process-b")
    await available(store, clock(), "hugo")
    assert await store.connection_ids("amelie") == ["amelie-console", "tab-2"]
    await store.disconnect("amelie", "tab-2", "process-b")
    assert await store.connection_ids("amelie") == ["amelie-console"]
    await store.set_presence("amelie", Presence.OFFLINE, clock())
    assert await store.connection_ids("amelie") == []
    assert await store.connection_ids("nobody") == []


async def test_offline_forgets_the_index_connections_and_misses_until_a_reconnect(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    await store.connect(profile(), "tab-2")
    await store.record_miss("amelie")
    await store.set_presence("amelie", Presence.OFFLINE, clock())
    assert await store.disconnect("amelie", "tab-2") == 0  # connections were dropped too
    assert await store.record_miss("amelie") == 1
    # Without a reconnect the index stays forgotten, whatever presence is set next.
    await store.set_presence("amelie", Presence.AVAILABLE, clock())
    assert await store.candidates(["paris"]) == []
    await store.set_presence("amelie", Presence.OFFLINE, clock())
    assert await store.connect(profile(), "tab-3") == 1
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.presence is Presence.AWAY
    await store.set_presence("amelie", Presence.AVAILABLE, clock())
    assert await candidate_ids(store, "paris") == {"amelie"}


async def test_a_reconnect_with_other_stores_moves_the_index(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock(), "amelie", "paris")
    await store.connect(profile("amelie", "lyon"), "tab-2")
    assert await candidate_ids(store, "paris") == set()
    assert await candidate_ids(store, "lyon") == {"amelie"}


async def test_present_lists_connected_ambassadors_available_or_away_full_or_not(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock(), "amelie", "paris", "lyon", capacity=1.0)
    await store.add_load("amelie", 1.0)
    await store.connect(profile("bruno", "paris"), "tab-1")
    await available(store, clock(), "chloe", "lyon")
    await store.set_presence("chloe", Presence.OFFLINE, clock())
    await available(store, clock(), "dora", "milan")
    present = await store.present(["paris", "lyon", "paris"])
    assert sorted(a.id for a in present) == ["amelie", "bruno"]
    assert {a.id: a.presence for a in present} == {
        "amelie": Presence.AVAILABLE,
        "bruno": Presence.AWAY,
    }
    assert [a.id for a in await store.present(["milan"])] == ["dora"]
    assert await store.present(["rome"]) == []


async def test_presence_of_an_unknown_ambassador_is_offline(
    store: RoutingStore, clock: FakeClock
) -> None:
    assert await store.set_presence("ghost", Presence.AVAILABLE, clock()) is Presence.OFFLINE
    assert await store.ambassador("ghost") is None


async def test_disconnect_counts_the_remaining_connections(
    store: RoutingStore, clock: FakeClock
) -> None:
    assert await store.disconnect("ghost", "tab-1") == 0
    await store.connect(profile(), "tab-1")
    assert await store.connect(profile(), "tab-2") == 2
    assert await store.connect(profile(), "tab-2") == 2
    assert await store.disconnect("amelie", "tab-1") == 1
    assert await store.disconnect("amelie", "tab-1") == 1
    assert await store.disconnect("amelie", "tab-2") == 0
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.presence is Presence.AWAY  # left to the caller


async def test_coming_back_keeps_the_earlier_idle_start(
    store: RoutingStore, clock: FakeClock
) -> None:
    start = clock()
    await available(store, start)
    await store.set_presence("amelie", Presence.AWAY, clock.advance(minutes=5))
    await store.set_presence("amelie", Presence.AVAILABLE, clock.advance(minutes=5))
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.idle_since == start


async def test_a_full_ambassador_is_not_a_candidate(store: RoutingStore, clock: FakeClock) -> None:
    await available(store, clock(), capacity=1.0)
    await store.add_load("amelie", 1.0)
    assert await store.candidates(["paris"]) == []


async def test_misses_count_up_and_clear(store: RoutingStore, clock: FakeClock) -> None:
    await available(store, clock())
    assert [await store.record_miss("amelie") for _ in range(3)] == [1, 2, 3]
    await store.clear_misses("amelie")
    assert await store.record_miss("amelie") == 1


async def test_add_load_accumulates_like_python_floats(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    for weight in (0.1, 0.2):
        await store.add_load("amelie", weight)
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.load == 0.1 + 0.2  # 0.30000000000000004, as Python adds
    await store.add_load("nobody", 1.0)  # counted, but no profile to show
    assert await store.ambassador("nobody") is None


async def test_finish_gives_weight_back_and_marks_the_idle_start_at_zero(
    store: RoutingStore, clock: FakeClock
) -> None:
    start = clock()
    await available(store, start)
    await store.add_load("amelie", 1.5)
    await store.finish("amelie", 0.5, clock.advance(minutes=1))
    amelie = await store.ambassador("amelie")
    assert amelie is not None and (amelie.load, amelie.idle_since) == (1.0, start)
    await store.finish("amelie", 2.0, clock.advance(minutes=1))
    amelie = await store.ambassador("amelie")
    assert amelie is not None and (amelie.load, amelie.idle_since) == (0.0, clock())


# -- topology --------------------------------------------------------------------------


async def test_stores_round_trip(store: RoutingStore) -> None:
    paris = StoreInfo("paris", "FR")
    hub = StoreInfo(
        "hub",
        "EU",
        service_centre=True,
        relax_language=False,
        timezone="Asia/Shanghai",
        hours=MappingProxyType({"mon": [["09:00", "12:30"], ["14:00", "19:00"]], "sun": []}),
    )
    for info in (paris, hub, replace(paris, region="FR-IDF")):
        await store.put_store(info)
    assert dict(await store.stores()) == {"paris": replace(paris, region="FR-IDF"), "hub": hub}


# -- queue -----------------------------------------------------------------------------


async def test_queue_order_follows_the_queue_score(store: RoutingStore, clock: FakeClock) -> None:
    t0 = clock()
    step = CONFIG.priority_step
    tickets = [
        ticket("standard", t0),
        ticket("standard-later", t0 + timedelta(seconds=3)),
        ticket("vip-within-step", t0 + step - timedelta(seconds=1), priority=2),
        ticket("vip-past-step", t0 + step + timedelta(seconds=1), priority=2),
        ticket("tie-b", t0 + timedelta(seconds=5)),
        ticket("tie-a", t0 + timedelta(seconds=5)),
    ]
    for item in tickets:
        await store.enqueue(item)
    # A VIP overtakes a standard ticket that arrived at most one step before it, no more.
    expected = [
        "vip-within-step",
        "standard",
        "vip-past-step",
        "standard-later",
        "tie-a",
        "tie-b",
    ]
    assert await queue_ids(store) == expected
    by_score = sorted(tickets, key=lambda t: (queue_score(t, CONFIG), t.conversation_id))
    assert [t.conversation_id for t in by_score] == expected
    assert await store.queue_length("paris") == len(tickets)


async def test_enqueue_is_idempotent_and_replaces(store: RoutingStore, clock: FakeClock) -> None:
    first = ticket("c1", clock())
    await store.enqueue(first)
    await store.enqueue(ticket("c2", clock.advance(seconds=1)))
    await store.enqueue(first)
    assert await queue_ids(store) == ["c1", "c2"]
    assert await store.queue_length("paris") == 2
    urgent = replace(first, enqueued_at=clock.advance(seconds=1), priority=3, note="VIP")
    await store.enqueue(replace(urgent, conversation_id="c2"))
    assert await queue_ids(store) == ["c2", "c1"]
    moved = replace(first, store_id="lyon")
    await store.enqueue(moved)
    assert await queue_ids(store) == ["c2"]
    assert await queue_ids(store, "lyon") == ["c1"]
    assert await store.ticket("c1") == moved


async def test_queued_merges_stores_in_order_and_honours_limit(
    store: RoutingStore, clock: FakeClock
) -> None:
    t0 = clock()
    for n, name in enumerate(["p1", "l1", "p2", "m1", "l2", "p3"]):
        where = {"p": "paris", "l": "lyon", "m": "milan"}[name[0]]
        await store.enqueue(ticket(name, t0 + timedelta(seconds=n), store=where))
    assert await queue_ids(store, "lyon", "paris") == ["p1", "l1", "p2", "l2", "p3"]
    assert await queue_ids(store, "paris", "lyon", "paris", limit=3) == ["p1", "l1", "p2"]
    assert await queue_ids(store, "milan", "lyon", limit=1) == ["l1"]
    assert await queue_ids(store, "paris", limit=0) == []
    assert await queue_ids(store, "rome") == []
    assert await store.queue_length("rome") == 0


# -- claims ----------------------------------------------------------------------------


async def test_a_claim_succeeds_once(store: RoutingStore, clock: FakeClock) -> None:
    await available(store, clock())
    await available(store, clock(), "bruno")
    c1 = ticket("c1", clock())
    await store.enqueue(c1)
    await store.enqueue(ticket("c2", clock.advance(seconds=1)))
    assert await store.claim("c1", "amelie", 1.0) == c1
    assert await store.claim("c1", "bruno", 1.0) is None
    assert await store.claim("c1", "amelie", 1.0) is None
    assert await store.claim("unknown", "amelie", 1.0) is None
    assert await store.offered_to("c1") == "amelie"
    assert await store.offered_to("c2") is None
    assert await store.ticket("c1") == c1  # still known while offered
    assert await queue_ids(store) == ["c2"]
    assert await store.queue_length("paris") == 1
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.load == 1.0


@pytest.mark.parametrize("presence", [Presence.AWAY, Presence.OFFLINE])
async def test_no_claim_for_an_ambassador_who_is_not_available(
    store: RoutingStore, clock: FakeClock, presence: Presence
) -> None:
    await available(store, clock())
    await store.set_presence("amelie", presence, clock())
    await store.enqueue(ticket("c1", clock()))
    assert await store.claim("c1", "amelie", 1.0) is None
    assert await store.claim("c1", "ghost", 1.0) is None
    assert await queue_ids(store) == ["c1"]
    assert await store.offered_to("c1") is None
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.load == 0.0


async def test_claims_stop_at_capacity_with_fractional_weights(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock(), capacity=3.0)
    chat, email = CONFIG.weight("webchat", 3.0), CONFIG.weight("email", 3.0)
    assert (chat, email, CONFIG.weight("voice", 3.0)) == (1.0, 0.5, 3.0)
    for n, channel in enumerate(["webchat", "webchat", "email", "webchat", "email", "email"]):
        await store.enqueue(ticket(f"c{n}", clock.advance(seconds=1), channel=channel))
    await store.enqueue(ticket("call", clock.advance(seconds=1), channel="voice"))
    assert await store.claim("call", "amelie", 3.0) is not None
    await store.release("call", "amelie", 3.0, requeue=None)
    outcomes = [
        await store.claim("c0", "amelie", chat),  # 1.0
        await store.claim("c1", "amelie", chat),  # 2.0
        await store.claim("c2", "amelie", email),  # 2.5
        await store.claim("c3", "amelie", chat),  # 3.5 would exceed
        await store.claim("c4", "amelie", email),  # 3.0 exactly
        await store.claim("c5", "amelie", email),  # 3.5 would exceed
    ]
    assert [t is not None for t in outcomes] == [True, True, True, False, True, False]
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.load == 3.0
    assert await store.candidates(["paris"]) == []
    assert await queue_ids(store) == ["c3", "c5"]


async def test_release_gives_weight_back_and_requeues_at_the_old_place(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    for n in range(3):
        await store.enqueue(ticket(f"c{n}", clock.advance(seconds=1)))
    claimed = await store.claim("c1", "amelie", 1.0)
    assert claimed is not None and await queue_ids(store) == ["c0", "c2"]
    back = replace(claimed, last_offered_to="amelie")
    await store.release("c1", "amelie", 1.0, requeue=back)
    assert await queue_ids(store) == ["c0", "c1", "c2"]
    assert await store.ticket("c1") == back
    assert await store.offered_to("c1") is None
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.load == 0.0
    assert await store.claim("c1", "amelie", 1.0) == back


async def test_release_without_requeue_drops_the_ticket(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    await store.enqueue(ticket("c1", clock()))
    await store.claim("c1", "amelie", 1.0)
    await store.release("c1", "amelie", 1.0, requeue=None)
    assert await store.ticket("c1") is None
    assert await store.queue_length("paris") == 0
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.load == 0.0


async def test_release_by_anyone_else_or_of_a_queued_ticket_is_ignored(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    await available(store, clock(), "bruno")
    await store.add_load("bruno", 1.0)
    c1, c2 = ticket("c1", clock()), ticket("c2", clock.advance(seconds=1))
    await store.enqueue(c1)
    await store.enqueue(c2)
    await store.claim("c1", "amelie", 1.0)
    await store.release("c1", "bruno", 1.0, requeue=c1)
    await store.release("c2", "bruno", 1.0, requeue=None)
    assert await store.offered_to("c1") == "amelie"
    assert await queue_ids(store) == ["c2"]
    loads = [await store.ambassador(a) for a in ("amelie", "bruno")]
    assert [a.load for a in loads if a is not None] == [1.0, 1.0]


async def test_settle_drops_the_ticket_and_keeps_the_load(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    await store.enqueue(ticket("queued", clock()))
    await store.enqueue(ticket("offered", clock()))
    await store.claim("offered", "amelie", 1.0)
    for cid in ("queued", "offered", "unknown"):
        await store.settle(cid)
        assert await store.ticket(cid) is None
        assert await store.offered_to(cid) is None
    assert await store.queue_length("paris") == 0
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.load == 1.0  # an accepted offer is work now


async def test_enqueue_of_a_claimed_conversation_changes_nothing(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    first = Ticket("c1", "paris", clock())
    assert await store.enqueue(first) is True
    assert await store.claim("c1", "amelie", 1.0) == first
    # Another process, which has not seen the claim, queues the conversation again.
    assert await store.enqueue(Ticket("c1", "paris", clock(), priority=3)) is False
    assert await store.offered_to("c1") == "amelie"
    assert await store.ticket("c1") == first
    assert await store.queue_length("paris") == 0
    assert await store.waiting_ticket("c1") is None
    assert await store.claim("c1", "amelie", 1.0) is None  # not offered twice
    amelie = await store.ambassador("amelie")
    assert amelie is not None and amelie.load == 1.0
    # Once the claim is given back, the conversation may wait again.
    await store.release("c1", "amelie", 1.0, requeue=None)
    assert await store.enqueue(first) is True
    assert await store.queue_length("paris") == 1


async def test_unknown_names_the_conversations_without_a_ticket(
    store: RoutingStore, clock: FakeClock
) -> None:
    await available(store, clock())
    await store.enqueue(Ticket("queued", "paris", clock()))
    await store.enqueue(Ticket("offered", "paris", clock()))
    await store.claim("offered", "amelie", 1.0)
    assert await store.unknown(["queued", "lost-1", "offered", "lost-2"]) == ["lost-1", "lost-2"]
    assert await store.unknown([]) == []


# -- round trips -----------------------------------------------------------------------


async def test_a_ticket_round_trips_every_field(store: RoutingStore, clock: FakeClock) -> None:
    await available(store, clock())
    shanghai = timezone(timedelta(hours=8))
    full = Ticket(
        conversation_id="conv-ü-1",
        store_id="paris",
        enqueued_at=datetime(2026, 11, 25, 18, 0, 1, 123456, tzinfo=shanghai),
        channel="wechat",
        language="fr-CA",
        required_skills=frozenset({"watches", "jewellery"}),
        optional_skills=frozenset({"engraving"}),
        priority=3,
        preferred_ambassador_id="amelie",
        known_ambassador_ids=frozenset({"amelie", "bruno"}),
        last_offered_to="bruno",
        note='Gift for "Mme Lefèvre" — ring size 52',
    )
    await store.enqueue(full)
    for got in (await store.ticket(full.conversation_id), *await store.queued(["paris"], 1)):
        assert got == full
        assert got is not None and got.enqueued_at.utcoffset() == timedelta(hours=8)
    assert await store.claim(full.conversation_id, "amelie", 1.0) == full
    bare = Ticket("bare", "paris", datetime(2026, 1, 1, tzinfo=UTC))
    await store.enqueue(bare)
    assert await store.ticket("bare") == bare


async def test_an_ambassador_round_trips_every_field(store: RoutingStore, clock: FakeClock) -> None:
    full = AmbassadorProfile(
        id="amélie",
        name="Amélie Poulain",
        store_ids=frozenset({"paris", "lyon"}),
        languages=("fr-FR", "en", "zh-Hans"),
        capacity=2.5,
        skills=frozenset({"watches", "vip"}),
    )
    await store.connect(full, "tab-1")
    await store.set_presence(full.id, Presence.AVAILABLE, clock())
    await store.add_load(full.id, 0.5)
    amelie = await store.ambassador(full.id)
    assert amelie is not None
    assert (amelie.profile, amelie.presence, amelie.load, amelie.idle_since) == (
        full,
        Presence.AVAILABLE,
        0.5,
        clock(),
    )
    assert await store.candidates(["lyon"]) == [amelie]
