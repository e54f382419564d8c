"""Properties of the routing policy over random stores, ambassadors and queues."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from routing import policy
from routing.config import FRONT_OF_QUEUE, RoutingConfig
from routing.model import Ambassador, AmbassadorProfile, Presence, StoreInfo, Ticket

CONFIG = RoutingConfig()
EPSILON = 1e-9
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PROPERTY = settings(derandomize=True, max_examples=200, deadline=None, database=None)

LANGUAGES = ("fr", "fr-CA", "en", "ja")
SKILLS = ("watches", "leather", "jewellery")
CHANNELS = (*CONFIG.channel_weights, "sms")  # "sms" is unknown: weighs like a chat
REGIONS = ("FR", "GB", "EU")
PRESENCES = (Presence.AVAILABLE, Presence.AVAILABLE, Presence.AWAY, Presence.OFFLINE)
# Enqueue times spread over a window wide enough to cross every relaxation threshold.
WINDOW_SECONDS = 400


@dataclass(frozen=True)
class World:
    stores: dict[str, StoreInfo]
    ambassadors: list[Ambassador]
    tickets: list[Ticket]
    now: datetime

    def preferred(self, ticket: Ticket, pool: dict[str, Ambassador]) -> Ambassador | None:
        return pool.get(ticket.preferred_ambassador_id or "")


def subset(draw: st.DrawFn, items: Sequence[str], *, min_size: int = 0) -> frozenset[str]:
    """A subset in one draw (a bitmask): cheap to generate, shrinks towards the first items."""
    mask = draw(st.integers(1 if min_size else 0, 2 ** len(items) - 1))
    return frozenset(item for bit, item in enumerate(items) if mask >> bit & 1)


def maybe(draw: st.DrawFn, items: Sequence[str]) -> str | None:
    index = draw(st.integers(-1, len(items) - 1))
    return None if index < 0 else items[index]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    now = START + timedelta(seconds=draw(st.integers(0, 86_400)))
    stores = {
        f"s{i}": StoreInfo(
            f"s{i}",
            draw(st.sampled_from(REGIONS)),
            service_centre=draw(st.booleans()),
            relax_language=draw(st.booleans()),
        )
        for i in range(draw(st.integers(1, 5)))
    }
    store_ids = sorted(stores)
    ambassadors = []
    for i in range(draw(st.integers(0, 6))):
        capacity = draw(st.sampled_from([1.0, 2.0, 3.0, 1.5]))
        profile = AmbassadorProfile(
            f"a{i}",
            f"A{i}",
            subset(draw, store_ids, min_size=1),
            tuple(sorted(subset(draw, LANGUAGES, min_size=1))),
            capacity,
            subset(draw, SKILLS),
        )
        load = draw(st.integers(0, int(capacity * 2))) / 2
        idle = draw(st.integers(-1, 3600))
        idle_since = None if idle < 0 else now - timedelta(seconds=idle)
        ambassadors.append(Ambassador(profile, draw(st.sampled_from(PRESENCES)), load, idle_since))
    ambassador_ids = [a.id for a in ambassadors] + ["ghost"]  # "ghost" is nobody we know
    tickets = [
        Ticket(
            f"c{i}",
            draw(st.sampled_from(store_ids)),
            now - timedelta(seconds=draw(st.integers(0, WINDOW_SECONDS))),
            channel=draw(st.sampled_from(CHANNELS)),
            language=maybe(draw, LANGUAGES),
            required_skills=subset(draw, SKILLS[:2]),
            optional_skills=subset(draw, SKILLS),
            priority=draw(st.sampled_from([1, 2, 3, FRONT_OF_QUEUE])),
            preferred_ambassador_id=maybe(draw, ambassador_ids),
            known_ambassador_ids=subset(draw, ambassador_ids),
            last_offered_to=maybe(draw, ambassador_ids),
        )
        for i in range(draw(st.integers(0, 10)))
    ]
    return World(stores, ambassadors, tickets, now)


def run_plan(world: World) -> list[policy.Assignment]:
    return policy.plan(
        world.tickets, world.ambassadors, stores=world.stores, now=world.now, config=CONFIG
    )


# -- plan: safe and maximal ----------------------------------------------------------------


@PROPERTY
@given(worlds())
def test_plan_offers_only_to_eligible_ambassadors_within_capacity(world: World) -> None:
    pool = {a.id: a for a in world.ambassadors}
    tickets = {t.conversation_id: t for t in world.tickets}
    assigned = run_plan(world)
    assert len({a.conversation_id for a in assigned}) == len(assigned)
    for assignment in assigned:  # replayed in plan order, so loads are as plan saw them
        t = tickets[assignment.conversation_id]
        ambassador = pool[assignment.ambassador_id]
        if t.preferred_ambassador_id == ambassador.id:
            assert policy.preferred_can_take(ambassador, t, CONFIG)
        else:
            need = policy.requirements(t, world.stores.get(t.store_id), world.now, CONFIG)
            assert policy.is_eligible(ambassador, t, need, world.stores, CONFIG)
        weight = CONFIG.weight(t.channel, ambassador.profile.capacity)
        pool[ambassador.id] = replace(ambassador, load=ambassador.load + weight)
    for ambassador in pool.values():
        assert ambassador.load <= ambassador.profile.capacity + EPSILON


@PROPERTY
@given(worlds())
def test_plan_leaves_no_ticket_someone_could_still_take(world: World) -> None:
    pool = {a.id: a for a in world.ambassadors}
    tickets = {t.conversation_id: t for t in world.tickets}
    assigned = run_plan(world)
    for assignment in assigned:
        ambassador = pool[assignment.ambassador_id]
        weight = CONFIG.weight(
            tickets[assignment.conversation_id].channel, ambassador.profile.capacity
        )
        pool[ambassador.id] = replace(ambassador, load=ambassador.load + weight)
    taken = {a.conversation_id for a in assigned}
    for t in world.tickets:
        if t.conversation_id in taken:
            continue
        choice = policy.choose(
            t,
            pool.values(),
            preferred=world.preferred(t, pool),
            stores=world.stores,
            now=world.now,
            config=CONFIG,
        )
        assert choice.ambassador_id is None, t
        if choice.waiting_for_preferred:
            assert choice.review_at == t.enqueued_at + CONFIG.preferred_wait
            assert choice.review_at > world.now
        elif choice.review_at is not None:
            assert choice.review_at > world.now


@PROPERTY
@given(worlds())
def test_may_take_agrees_with_choose_for_each_ambassador(world: World) -> None:
    pool = {a.id: a for a in world.ambassadors}
    for t in world.tickets:
        preferred = world.preferred(t, pool)
        for ambassador in world.ambassadors:
            allowed = policy.may_take(
                ambassador,
                t,
                preferred=preferred,
                stores=world.stores,
                now=world.now,
                config=CONFIG,
            )
            chosen = policy.choose(
                t,
                [ambassador],
                preferred=preferred,
                stores=world.stores,
                now=world.now,
                config=CONFIG,
            )
            assert allowed == (chosen.ambassador_id == ambassador.id), (t, ambassador)


# -- queue order: aging without starvation -------------------------------------------------


@PROPERTY
@given(
    step_seconds=st.sampled_from([5, 10, 30]),
    steps_per_priority=st.integers(1, 6),
    every=st.integers(1, 4),  # one higher-priority arrival every `every` steps: rate <= 1
    phase=st.integers(0, 3),
    stream_priorities=st.lists(st.integers(2, 4), min_size=1, max_size=8),
    backlog=st.lists(st.integers(1, 4), max_size=3),
)
def test_standard_shopper_is_served_despite_a_stream_of_vips(
    step_seconds: int,
    steps_per_priority: int,
    every: int,
    phase: int,
    stream_priorities: list[int],
    backlog: list[int],
) -> None:
    """One seat serves one conversation per step; a standard shopper arriving at t0 is
    overtaken only by arrivals within Δpriority * priority_step of it, so it is served
    within that plus one step per conversation that was already waiting, plus one."""
    step = timedelta(seconds=step_seconds)
    config = replace(CONFIG, priority_step=step * steps_per_priority)
    stores = {"s": StoreInfo("s", "FR")}
    seat = Ambassador(
        AmbassadorProfile("seat", "Seat", frozenset({"s"}), ("fr",), 1), Presence.AVAILABLE
    )
    t0 = START
    standard = Ticket("zz-standard", "s", t0, priority=1)  # loses every exact tie
    queue = [Ticket(f"b{i}", "s", t0 - step, priority=p) for i, p in enumerate(backlog)]
    queue.append(standard)
    bound = (max(stream_priorities) - 1) * config.priority_step + (len(backlog) + 1) * step
    everyone, served = list(queue), set()
    k = 0
    while True:
        now = t0 + k * step
        assert now - t0 <= bound, "standard shopper starved"
        if k % every == phase % every:
            arrival = len(everyone) - len(backlog) - 1
            priority = stream_priorities[arrival % len(stream_priorities)]
            queue.append(Ticket(f"v{arrival:04}", "s", now, priority=priority))
            everyone.append(queue[-1])
        [assignment] = policy.plan(queue, [seat], stores=stores, now=now, config=config)
        if assignment.conversation_id == standard.conversation_id:
            break
        served.add(assignment.conversation_id)
        queue = [t for t in queue if t.conversation_id != assignment.conversation_id]
        k += 1
    # ... and everyone who outranked it went first.
    mark = policy.queue_score(standard, config)
    assert {t.conversation_id for t in everyone if policy.queue_score(t, config) < mark} <= served


# -- queue order: stable while waiting -----------------------------------------------------


@st.composite
def queues(draw: st.DrawFn) -> tuple[list[Ticket], RoutingConfig, datetime]:
    config = replace(CONFIG, priority_step=timedelta(seconds=draw(st.sampled_from([1, 30, 120]))))
    # Whole seconds on a small grid, so equal effective priorities really happen.
    offsets = draw(st.lists(st.integers(0, 600), min_size=1, max_size=12))
    tickets = [
        Ticket(
            f"c{i:02}",
            "s",
            START + timedelta(seconds=offset),
            priority=draw(st.sampled_from([1, 2, 3, FRONT_OF_QUEUE])),
        )
        for i, offset in enumerate(offsets)
    ]
    latest = max(t.enqueued_at for t in tickets)
    later = latest + timedelta(microseconds=draw(st.integers(0, 10**10)))
    return tickets, config, later


@PROPERTY
@given(queues())
def test_queue_score_orders_like_effective_priority_at_any_later_time(
    case: tuple[list[Ticket], RoutingConfig, datetime],
) -> None:
    tickets, config, later = case
    step_us = config.priority_step // timedelta(microseconds=1)

    def effective(t: Ticket) -> int:  # (priority + waited / priority_step) * step, exactly
        return t.priority * step_us + (later - t.enqueued_at) // timedelta(microseconds=1)

    by_score = sorted(
        tickets, key=lambda t: (policy.queue_score(t, config), t.enqueued_at, t.conversation_id)
    )
    by_effective = sorted(tickets, key=lambda t: (-effective(t), t.enqueued_at, t.conversation_id))
    assert [t.conversation_id for t in by_score] == [t.conversation_id for t in by_effective]
