"""Reconciliation: several routing services ("web processes") on one store and one
database, one of them killed outright (its timers never fire again, it never says goodbye).
What it left behind (offers, consoles, conversations it never routed) is taken over by the
others, once, through the usual code paths; a process that was only slow is not harmed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from routing.config import RoutingConfig
from routing.memory_store import InMemoryRoutingStore
from routing.model import AmbassadorProfile, Presence, Ticket
from routing.service import RoutingService
from routing.store import RoutingStore
from tests.conftest import FakeClock
from tests.unit.routing_fakes import STORES, FakeRepository, ManualTimers, NullMetrics, Recorder

CONFIG = RoutingConfig()  # offers last 30 s; a process is given up after 10 s without a beat
TIMEOUT = CONFIG.offer_timeout.total_seconds()
# Sweeps run every second; a claim past its deadline (and the margin) is handed out once,
# and handed out again after the retry time if that did not end it.
HANDED_OUT = TIMEOUT + 1
HANDED_OUT_AGAIN = HANDED_OUT + CONFIG.lapse_retry.total_seconds() + 1


@dataclass
class Process:
    service: RoutingService
    events: Recorder
    timers: ManualTimers

    def offers_to(self, ambassador_id: str) -> list[str]:
        return [o.conversation_id for o in self.events.offers() if o.ambassador_id == ambassador_id]

    def revoked(self) -> list[tuple[str, str]]:
        return [detail for kind, detail in self.events.events if kind == "revoked"]


@dataclass
class World:
    clock: FakeClock
    repo: FakeRepository
    store: RoutingStore  # in memory here; Redis in tests/integration/test_routing_reconcile.py

    async def process(self, *, reconciling: bool = True) -> Process:
        events, timers = Recorder(), ManualTimers(self.clock)
        service = RoutingService(
            store=self.store,
            repository=self.repo,
            notifier=events,
            metrics=NullMetrics(),
            timers=timers,
            clock=self.clock,
            config=CONFIG,
        )
        await service.start(list(STORES), recover=False)
        if reconciling:
            await service.start_reconciling()
        return Process(service, events, timers)

    async def ambassador(
        self, process: Process, aid: str, *, console: str | None = None, capacity: float = 2
    ) -> None:
        self.repo.capacity[aid] = capacity
        profile = AmbassadorProfile(aid, aid.title(), frozenset({"paris"}), ("fr",), capacity)
        await process.service.connected(profile, console or f"console-{aid}")
        await process.service.set_presence(aid, Presence.AVAILABLE)

    async def arrive(self, process: Process, cid: str) -> Ticket:
        ticket = self.repo.add(Ticket(cid, "paris", self.clock()))
        await process.service.enqueue(ticket)
        return ticket

    def offers(self, cid: str) -> list[str]:
        return [oid for oid, o in self.repo.offers.items() if o["cid"] == cid]

    async def load(self, aid: str) -> float:
        ambassador = await self.store.ambassador(aid)
        return ambassador.load if ambassador else 0.0


async def together(seconds: float, *processes: Process) -> None:
    """Live processes side by side: each fires its timers as the clock moves a second."""
    for _ in range(int(seconds)):
        for process in processes:
            await process.timers.advance(1 if process is processes[0] else 0)


@pytest.fixture
def world(clock: FakeClock) -> World:
    return World(clock, FakeRepository(), InMemoryRoutingStore(CONFIG))


# -- offers --------------------------------------------------------------------------------


async def test_an_offer_whose_maker_died_expires_once_as_its_timer_would_have(
    world: World,
) -> None:
    doomed, two, three = [await world.process() for _ in range(3)]
    await world.ambassador(two, "amelie")
    await world.arrive(doomed, "c1")
    (offer,) = doomed.events.offers()
    # Killed: doomed's timers never fire again. The others sweep every second.
    await together(TIMEOUT, two, three)
    assert world.repo.offers[offer.id]["status"] == "pending"  # not a moment early
    await together(1, two, three)
    assert two.revoked() + three.revoked() == [(offer.id, "expired")]
    assert world.repo.offers[offer.id]["status"] == "expired"
    assert world.repo.status["c1"] == "queued"
    assert await world.store.waiting_ticket("c1") is not None  # back in line
    assert await world.load("amelie") == 0.0
    await together(10, two, three)
    assert len(two.revoked() + three.revoked()) == 1  # exactly once


async def test_misses_of_offers_expired_by_others_still_put_the_ambassador_away(
    world: World,
) -> None:
    doomed, survivor = await world.process(), await world.process()
    await world.ambassador(survivor, "amelie")
    await world.arrive(doomed, "c1")
    await world.arrive(doomed, "c2")
    assert doomed.offers_to("amelie") == ["c1", "c2"]
    await survivor.timers.advance(TIMEOUT + 2)
    assert ("presence", ("amelie", Presence.AWAY, "missed_offers")) in survivor.events.events
    assert world.repo.status["c1"] == world.repo.status["c2"] == "queued"


async def test_a_late_timer_of_a_live_process_is_not_overtaken(world: World) -> None:
    slow = await world.process()
    await world.ambassador(slow, "amelie")
    await world.arrive(slow, "c1")
    (offer,) = slow.events.offers()
    world.clock.advance(seconds=TIMEOUT + 5)  # slow's loop was busy: its timer is late
    await slow.service.reconcile()
    assert slow.revoked() == []  # its own timer will do it
    await slow.timers.advance(0)
    assert slow.revoked() == [(offer.id, "expired")]
    assert world.repo.offers[offer.id]["status"] == "expired"


# -- claims a process held when it died ------------------------------------------------------


async def test_a_claim_never_recorded_as_an_offer_goes_back_in_line(world: World) -> None:
    survivor = await world.process()
    await world.ambassador(survivor, "amelie")
    await world.ambassador(survivor, "bruno")
    ticket = world.repo.add(Ticket("c1", "paris", world.clock()))
    await world.store.enqueue(ticket)
    # A process claimed c1 for bruno, then died before the database heard of it.
    lapse = world.clock() + CONFIG.offer_timeout
    assert await world.store.claim("c1", "bruno", 1.0, lapse_at=lapse) == ticket
    await survivor.service.set_presence("bruno", Presence.AWAY)
    await survivor.timers.advance(HANDED_OUT)
    assert await world.store.offered_to("c1") == "bruno"  # its maker may still be at it
    await survivor.timers.advance(HANDED_OUT_AGAIN - HANDED_OUT)
    assert survivor.offers_to("amelie") == ["c1"]  # in line again, and offered at once
    assert await world.load("bruno") == 0.0
    assert survivor.revoked() == []


async def test_an_offer_the_store_never_heard_of_is_revoked(world: World) -> None:
    survivor = await world.process()
    await world.ambassador(survivor, "amelie")
    await survivor.service.set_presence("amelie", Presence.AWAY)
    ticket = world.repo.add(Ticket("c1", "paris", world.clock()))
    await world.store.enqueue(ticket)
    await world.store.set_presence("amelie", Presence.AVAILABLE, world.clock())
    # Died after the database recorded the offer, before the store did.
    expires = world.clock() + CONFIG.offer_timeout
    await world.store.claim("c1", "amelie", 1.0, lapse_at=expires)
    offer = await world.repo.open_offer(ticket, "amelie", world.clock(), expires)
    assert offer is not None
    await survivor.timers.advance(HANDED_OUT_AGAIN)
    assert survivor.revoked() == [(offer.id, "expired")]
    assert world.repo.status["c1"] == "queued"
    assert await world.load("amelie") == 0.0


async def test_an_offer_accepted_by_a_process_that_died_before_the_store_knew_stays_work(
    world: World,
) -> None:
    doomed, survivor = await world.process(), await world.process()
    await world.ambassador(survivor, "amelie")
    await world.arrive(doomed, "c1")
    (offer,) = doomed.events.offers()
    # Accepted in the database; the process died before settling the store.
    await world.repo.accept(offer.id, "amelie", world.clock())
    await survivor.timers.advance(HANDED_OUT_AGAIN)
    assert await world.store.ticket("c1") is None
    assert await world.load("amelie") == 1.0  # still their conversation
    assert survivor.revoked() == []
    assert world.repo.status["c1"] == "assigned"


# -- consoles of a dead process ------------------------------------------------------------


async def test_consoles_of_a_dead_process_count_as_disconnected_then_their_work_moves(
    world: World,
) -> None:
    doomed, survivor = await world.process(), await world.process()
    await world.ambassador(doomed, "amelie")
    await world.arrive(survivor, "c1")
    (offer,) = survivor.events.offers()
    await survivor.service.accept(offer.id, "amelie")
    await world.ambassador(survivor, "bruno")
    # amelie's console was on the doomed process, which dies: no disconnect is ever heard.
    await survivor.timers.advance(CONFIG.process_timeout.total_seconds())
    assert await world.store.connections("amelie") == 1  # not yet: a beat may be late
    await survivor.timers.advance(1)
    assert await world.store.connections("amelie") == 0
    amelie = await world.store.ambassador("amelie")
    assert amelie is not None and amelie.presence is Presence.AWAY
    await survivor.timers.advance(CONFIG.disconnect_grace.total_seconds())
    assert ("requeued", ["c1"]) in survivor.events.events
    assert survivor.offers_to("bruno") == ["c1"]
    amelie = await world.store.ambassador("amelie")
    assert amelie is not None and amelie.presence is Presence.OFFLINE


async def test_an_ambassador_still_connected_elsewhere_keeps_everything(world: World) -> None:
    doomed, survivor = await world.process(), await world.process()
    await world.ambassador(doomed, "amelie", console="tab-on-doomed")
    await world.ambassador(survivor, "amelie", console="tab-on-survivor")
    await survivor.timers.advance(CONFIG.process_timeout.total_seconds() + 1)
    assert await world.store.connections("amelie") == 1
    amelie = await world.store.ambassador("amelie")
    assert amelie is not None and amelie.presence is Presence.AVAILABLE
    await world.arrive(survivor, "c1")
    assert survivor.offers_to("amelie") == ["c1"]


async def test_a_process_given_up_while_only_slow_announces_its_consoles_again(
    world: World,
) -> None:
    slow, other = await world.process(), await world.process()
    await world.ambassador(slow, "amelie")
    await world.arrive(other, "c1")
    assert other.offers_to("amelie") == ["c1"]
    # slow's loop stalls past the timeout: the other process takes it for dead.
    await other.timers.advance(CONFIG.process_timeout.total_seconds() + 1)
    assert await world.store.connections("amelie") == 0
    assert world.repo.status["c1"] == "queued"  # the offer was withdrawn, as on a disconnect
    await slow.timers.advance(0)  # slow wakes up: its next beat learns it was given up
    assert await world.store.connections("amelie") == 1
    amelie = await world.store.ambassador("amelie")
    assert amelie is not None and amelie.presence is Presence.AVAILABLE  # what she chose
    await together(CONFIG.disconnect_grace.total_seconds() + 1, other, slow)
    assert not any(kind == "requeued" for kind, _ in other.events.events)
    await world.arrive(other, "c2")  # c1 waits for someone else: she let it go once
    assert other.offers_to("amelie") == ["c1", "c2"]


# -- conversations routing never heard of ----------------------------------------------


async def test_a_waiting_conversation_routing_never_heard_of_is_routed(world: World) -> None:
    process = await world.process()
    await world.ambassador(process, "amelie")
    world.repo.add(Ticket("lost", "paris", world.clock()))  # stored; routing never told
    await process.timers.advance(CONFIG.unrouted_check_every.total_seconds())
    assert process.offers_to("amelie") == ["lost"]
    await process.timers.advance(CONFIG.unrouted_check_every.total_seconds() * 3)
    assert process.offers_to("amelie") == ["lost"]  # once


async def test_a_conversation_whose_enqueue_may_be_on_its_way_is_left_alone(
    world: World,
) -> None:
    process = await world.process()
    await world.ambassador(process, "amelie")
    world.clock.advance(seconds=CONFIG.unrouted_check_every.total_seconds() - 0.5)
    world.repo.add(Ticket("fresh", "paris", world.clock()))
    await process.timers.advance(0.5)  # a check runs, the conversation is too young
    assert process.offers_to("amelie") == []
    await process.timers.advance(CONFIG.unrouted_check_every.total_seconds())
    assert process.offers_to("amelie") == ["fresh"]


# -- the sweeps themselves -----------------------------------------------------------------


async def test_no_sweep_while_the_store_is_away_or_after_stop(world: World) -> None:
    process = await world.process()
    world.repo.add(Ticket("lost", "paris", world.clock()))
    process.service.suspend()
    await process.timers.advance(CONFIG.unrouted_check_every.total_seconds() + 1)
    assert await world.store.unknown(["lost"]) == ["lost"]
    await process.service.stop()
    process.service.suspended = False
    await process.timers.advance(CONFIG.unrouted_check_every.total_seconds() * 2)
    assert await world.store.unknown(["lost"]) == ["lost"]
    assert [p for p in process.timers.pending if not p[2][0]] == []


async def test_a_failing_sweep_is_tried_again(world: World) -> None:
    process = await world.process()
    await world.ambassador(process, "amelie")
    world.repo.add(Ticket("lost", "paris", world.clock()))
    calls = 0
    queued_ids = world.repo.queued_ids

    async def flaky(queued_before: object = None) -> list[str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database restarting")
        return await queued_ids(queued_before)  # type: ignore[arg-type]

    world.repo.queued_ids = flaky  # type: ignore[method-assign]
    every = CONFIG.unrouted_check_every.total_seconds()
    await process.timers.advance(every)
    assert process.offers_to("amelie") == []
    await process.timers.advance(every)
    assert process.offers_to("amelie") == ["lost"]
