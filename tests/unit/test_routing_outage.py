"""The routing service when its store goes away and comes back empty: events are still
taken, the database keeps the truth, and a rebuild plus each process's resume put queues,
loads, offers and presence back together without assigning twice or past capacity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from hub.errors import Conflict
from routing.config import RoutingConfig
from routing.memory_store import InMemoryRoutingStore
from routing.model import AmbassadorProfile, Presence, Ticket
from routing.service import RoutingService
from routing.store import StoreUnavailable
from tests.conftest import FakeClock
from tests.unit.routing_fakes import STORES, FakeRepository, ManualTimers, NullMetrics, Recorder


class FlakyStore:
    """The in-memory store behind a switch: while ``down`` every call raises."""

    def __init__(self, inner: InMemoryRoutingStore) -> None:
        self.inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreUnavailable("connection refused")
            return await method(*args, **kwargs)

        return call

    async def restart_empty(self) -> None:
        self.down = False
        await self.inner.reset()


@dataclass
class Process:
    """One web process's routing service, on the shared store and database."""

    service: RoutingService
    events: Recorder
    timers: ManualTimers

    def offers_to(self, ambassador_id: str) -> list[str]:
        return [o.conversation_id for o in self.events.offers() if o.ambassador_id == ambassador_id]


@dataclass
class World:
    clock: FakeClock
    repo: FakeRepository
    store: FlakyStore

    def process(self) -> Process:
        events, timers = Recorder(), ManualTimers(self.clock)
        service = RoutingService(
            store=self.store,  # type: ignore[arg-type]
            repository=self.repo,
            notifier=events,
            metrics=NullMetrics(),
            timers=timers,
            clock=self.clock,
            config=RoutingConfig(),
        )
        return Process(service, events, timers)

    async def arrive(self, process: Process, cid: str, channel: str = "webchat") -> Ticket:
        ticket = self.repo.add(Ticket(cid, "paris", self.clock(), channel=channel))
        await process.service.enqueue(ticket)
        return ticket

    async def ambassador(
        self, process: Process, aid: str, capacity: float = 2, *, available: bool = True
    ) -> None:
        self.repo.capacity[aid] = capacity
        profile = AmbassadorProfile(aid, aid.title(), frozenset({"paris"}), ("fr",), capacity)
        await process.service.connected(profile, f"console-{aid}")
        if available:
            await process.service.set_presence(aid, Presence.AVAILABLE)

    async def accept_all(self, process: Process, aid: str) -> None:
        for oid, offer in list(self.repo.offers.items()):
            if offer["aid"] == aid and offer["status"] == "pending":
                await process.service.accept(oid, aid)

    async def close(self, process: Process, cid: str) -> None:
        aid = self.repo.assigned_to[cid]
        self.repo.status[cid] = "closed"
        await process.service.finished(aid, "webchat")

    async def restart(self, *processes: Process) -> datetime:
        """The store restarts empty: every process notices, one rebuilds, all resume."""
        await self.store.restart_empty()
        for process in processes:
            process.service.suspend()
        read_at = await processes[0].service.rebuild()
        for process in processes:
            await process.service.resume(rebuilt_at=read_at)
        return read_at

    async def load(self, aid: str) -> float:
        ambassador = await self.store.inner.ambassador(aid)
        return ambassador.load if ambassador else 0.0


@pytest.fixture
async def world(clock: FakeClock) -> World:
    store = FlakyStore(InMemoryRoutingStore(RoutingConfig()))
    world = World(clock, FakeRepository(), store)
    await world.process().service.start(list(STORES), recover=True)
    return world


async def test_a_conversation_opened_while_the_store_is_down_waits_then_is_offered(
    world: World,
) -> None:
    one = world.process()
    await one.service.start(list(STORES), recover=False)
    await world.ambassador(one, "amelie")
    world.store.down = True
    await world.arrive(one, "c1")  # does not raise: the database has it queued
    assert one.service.suspended and one.service.store_failed
    assert world.repo.status["c1"] == "queued"
    assert one.events.offers() == []
    await world.restart(one)
    assert one.offers_to("amelie") == ["c1"]
    assert await world.load("amelie") == 1.0


async def test_after_a_rebuild_assigned_work_still_fills_capacity(world: World) -> None:
    one = world.process()
    await one.service.start(list(STORES), recover=False)
    await world.ambassador(one, "amelie", capacity=2)
    await world.arrive(one, "c1")
    await world.arrive(one, "c2")
    await world.accept_all(one, "amelie")
    await world.arrive(one, "c3")
    await world.restart(one)
    assert await world.load("amelie") == 2.0
    assert "c3" not in one.offers_to("amelie")  # full: no offer past capacity
    await world.close(one, "c1")
    assert one.offers_to("amelie")[-1] == "c3"
    assert await world.load("amelie") == 2.0


async def test_an_offer_lost_with_the_store_is_revoked_and_made_again_once(
    world: World,
) -> None:
    one = world.process()
    await one.service.start(list(STORES), recover=False)
    await world.ambassador(one, "amelie", capacity=1)
    await world.arrive(one, "c1")
    (first,) = one.events.offers()
    await world.restart(one)
    assert ("revoked", (first.id, "rebuilt")) in one.events.events
    offers = one.events.offers()
    assert [o.conversation_id for o in offers] == ["c1", "c1"]
    assert offers[1].id != first.id
    assert await world.load("amelie") == 1.0  # counted once, not twice
    with pytest.raises(Conflict):
        await one.service.accept(first.id, "amelie")
    await one.service.accept(offers[1].id, "amelie")
    assert world.repo.status["c1"] == "assigned"


async def test_presence_chosen_while_the_store_is_down_is_applied_when_it_returns(
    world: World,
) -> None:
    one, two = world.process(), world.process()
    for process in (one, two):
        await process.service.start(list(STORES), recover=False)
    await world.ambassador(one, "amelie", available=False)
    world.store.down = True
    await world.arrive(two, "c1")  # another process takes a shopper meanwhile
    assert await one.service.set_presence("amelie", Presence.AVAILABLE) is Presence.AVAILABLE
    assert await one.service.presence_of("amelie") is Presence.AVAILABLE
    await world.restart(two, one)  # rebuilt by the other process
    assert one.offers_to("amelie") == ["c1"]
    assert (await world.store.inner.ambassador("amelie")).presence is Presence.AVAILABLE  # type: ignore[union-attr]


async def test_a_close_skipped_while_waiting_for_a_rebuild_counts_only_if_it_came_after(
    world: World,
) -> None:
    one, two = world.process(), world.process()
    for process in (one, two):
        await process.service.start(list(STORES), recover=False)
    await world.ambassador(one, "amelie", capacity=3)
    for cid in ("c1", "c2", "c3"):
        await world.arrive(one, cid)
    await world.accept_all(one, "amelie")
    await world.store.restart_empty()
    one.service.suspend()
    two.service.suspend()
    await world.close(one, "c1")  # before the rebuild reads the database: it knows already
    world.clock.advance(seconds=1)
    read_at = await two.service.rebuild()  # counts c2 and c3
    world.clock.advance(seconds=1)
    await world.close(one, "c2")  # after: the rebuild counted c2, so this one is replayed
    for cid in ("c4", "c5", "c6"):
        await world.arrive(one, cid)
    await two.service.resume(rebuilt_at=read_at)
    await one.service.resume(rebuilt_at=read_at)
    # c3 holds one place: c4 and c5 take the other two, c6 waits.
    assert sorted(cid for cid, s in world.repo.status.items() if s == "offered") == ["c4", "c5"]
    assert world.repo.status["c6"] == "queued"
    assert await world.load("amelie") == 3.0


async def test_an_offer_that_raced_the_loss_is_revoked_by_its_process_on_resume(
    world: World,
) -> None:
    one, two = world.process(), world.process()
    for process in (one, two):
        await process.service.start(list(STORES), recover=False)
    await world.ambassador(one, "amelie", capacity=1)
    await world.arrive(one, "c1")
    (raced,) = one.events.offers()
    await world.store.restart_empty()
    one.service.suspend()
    two.service.suspend()
    # The other process rebuilds, but this offer was committed just after it looked.
    world.repo.offers[raced.id]["status"] = "done elsewhere"
    read_at = await two.service.rebuild()
    world.repo.offers[raced.id]["status"] = "pending"
    world.repo.status["c1"] = "offered"
    await two.service.resume(rebuilt_at=read_at)
    await one.service.resume(rebuilt_at=read_at)
    assert ("revoked", (raced.id, "rebuilt")) in one.events.events
    assert world.repo.offers[raced.id]["status"] == "revoked"
    assert world.repo.status["c1"] in ("queued", "offered")
    live = [o for o in world.repo.offers.values() if o["status"] == "pending"]
    assert [o["cid"] for o in live] == ["c1"]
    assert await world.load("amelie") == 1.0


async def test_grace_waits_for_the_store_and_spares_who_came_back_elsewhere(
    world: World,
) -> None:
    one, two = world.process(), world.process()
    for process in (one, two):
        await process.service.start(list(STORES), recover=False)
    await world.ambassador(one, "amelie")
    await world.arrive(one, "c1")
    await world.accept_all(one, "amelie")
    # Gone from process one, back on process two within the grace period.
    await one.service.disconnected("amelie", "console-amelie")
    await world.ambassador(two, "amelie")
    await one.timers.advance(31)
    assert world.repo.status["c1"] == "assigned"
    # Gone for good while the store is away: nobody can tell yet, so nothing moves.
    await two.service.disconnected("amelie", "console-amelie")
    world.store.down = True
    await two.timers.advance(31)
    assert world.repo.status["c1"] == "assigned"
    await world.restart(one, two)
    await two.timers.advance(31)
    await one.timers.advance(31)
    assert world.repo.status["c1"] == "queued"
    assert ("requeued", ["c1"]) in two.events.events + one.events.events
