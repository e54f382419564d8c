"""The routing service with in-memory fakes: offers, time-outs, presence changes."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from hub.errors import Conflict
from routing.model import AmbassadorProfile, OfferRecord, Presence, QueuePosition, Waiting
from routing.service import RoutingService
from routing.state import InMemoryPresence
from tests.conftest import FakeClock


@dataclass
class FakeRepo:
    clock: FakeClock
    conversations: dict[str, dict] = field(default_factory=dict)
    offers: dict[str, dict] = field(default_factory=dict)
    ids: itertools.count = field(default_factory=itertools.count)

    def add(self, cid: str, store: str = "paris") -> None:
        self.conversations[cid] = {
            "status": "queued",
            "store": store,
            "at": self.clock(),
            "staff": None,
        }

    async def waiting(self) -> list[Waiting]:
        passed: dict[str, set[str]] = {}
        for o in self.offers.values():
            if o["status"] in ("declined", "expired"):
                passed.setdefault(o["conversation"], set()).add(o["staff"])
        return [
            Waiting(cid, c["store"], c["at"], excluded=frozenset(passed.get(cid, ())))
            for cid, c in self.conversations.items()
            if c["status"] == "queued"
        ]

    async def loads(self) -> dict[str, int]:
        loads: dict[str, int] = {}
        for c in self.conversations.values():
            if c["status"] == "assigned":
                loads[c["staff"]] = loads.get(c["staff"], 0) + 1
        for o in self.offers.values():
            if o["status"] == "pending":
                loads[o["staff"]] = loads.get(o["staff"], 0) + 1
        return loads

    def _record(self, oid: str) -> OfferRecord:
        o = self.offers[oid]
        return OfferRecord(oid, o["conversation"], o["staff"], o["expires"])

    async def open_offer(self, cid: str, aid: str, now: datetime, expires: datetime):  # type: ignore[no-untyped-def]
        if self.conversations[cid]["status"] != "queued":
            return None
        self.conversations[cid]["status"] = "offered"
        oid = f"o{next(self.ids)}"
        self.offers[oid] = {
            "conversation": cid,
            "staff": aid,
            "expires": expires,
            "status": "pending",
        }
        return self._record(oid)

    async def accept(self, oid: str, aid: str, now: datetime) -> OfferRecord:
        o = self.offers[oid]
        if o["status"] != "pending" or o["expires"] <= now:
            raise Conflict("gone", code="offer_expired")
        o["status"] = "accepted"
        self.conversations[o["conversation"]].update(status="assigned", staff=aid)
        return self._record(oid)

    def _requeue(self, oid: str, status: str) -> None:
        self.offers[oid]["status"] = status
        self.conversations[self.offers[oid]["conversation"]]["status"] = "queued"

    async def decline(self, oid: str, aid: str, now: datetime) -> OfferRecord:
        self._requeue(oid, "declined")
        return self._record(oid)

    async def expire(self, oid: str, now: datetime):  # type: ignore[no-untyped-def]
        o = self.offers[oid]
        if o["status"] != "pending" or o["expires"] > now:
            return None
        self._requeue(oid, "expired")
        return self._record(oid)

    async def revoke_pending(self, aid: str | None, now: datetime) -> list[OfferRecord]:
        hit = [
            k
            for k, o in self.offers.items()
            if o["status"] == "pending" and aid in (None, o["staff"])
        ]
        for oid in hit:
            self._requeue(oid, "revoked")
        return [self._record(oid) for oid in hit]


@dataclass
class Recorder:
    events: list[tuple[str, object]] = field(default_factory=list)

    async def offered(self, offer: OfferRecord) -> None:
        self.events.append(("offered", offer))

    async def revoked(self, offer: OfferRecord, reason: str) -> None:
        self.events.append(("revoked", (offer.id, reason)))

    async def assigned(self, offer: OfferRecord) -> None:
        self.events.append(("assigned", offer))

    async def queue_positions(self, positions: list[QueuePosition]) -> None:
        self.events.append(("queue", positions))

    def offers(self) -> list[OfferRecord]:
        return [e[1] for e in self.events if e[0] == "offered"]  # type: ignore[misc]


class ManualTimers:
    """Timers that fire only when the test says time has come."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.pending: list[tuple[datetime, Callable[[], Awaitable[None]], list[bool]]] = []

    def call_at(
        self, when: datetime, callback: Callable[[], Awaitable[None]]
    ) -> Callable[[], None]:
        cancelled = [False]
        self.pending.append((when, callback, cancelled))
        return lambda: cancelled.__setitem__(0, True)

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)
        due = [p for p in self.pending if p[0] <= self.clock() and not p[2][0]]
        self.pending = [p for p in self.pending if p not in due]
        for _, callback, _ in due:
            await callback()


def profile(aid: str, capacity: int = 2, stores: tuple[str, ...] = ("paris",)) -> AmbassadorProfile:
    return AmbassadorProfile(aid, aid, frozenset(stores), ("fr",), capacity)


@pytest.fixture
def rig(clock: FakeClock):  # type: ignore[no-untyped-def]
    repo, recorder, timers = FakeRepo(clock), Recorder(), ManualTimers(clock)
    service = RoutingService(
        repository=repo,
        presence=InMemoryPresence(),
        notifier=recorder,
        timers=timers,
        clock=clock,
        offer_timeout=timedelta(seconds=30),
    )
    return service, repo, recorder, timers


async def test_a_new_login_is_away_until_it_says_available(rig) -> None:  # type: ignore[no-untyped-def]
    service, repo, recorder, _ = rig
    repo.add("c1")
    await service.connected(profile("amelie"), "sid1")
    await service.dispatch()
    assert recorder.offers() == []
    await service.set_presence("amelie", Presence.AVAILABLE)
    assert [o.conversation_id for o in recorder.offers()] == ["c1"]


async def test_unanswered_offer_times_out_and_goes_to_someone_else(rig) -> None:  # type: ignore[no-untyped-def]
    service, repo, recorder, timers = rig
    repo.add("c1")
    for aid in ("a", "b"):
        await service.connected(profile(aid), f"sid-{aid}")
        await service.set_presence(aid, Presence.AVAILABLE)
    first = recorder.offers()[0]
    await timers.advance(29)
    assert len(recorder.offers()) == 1
    await timers.advance(1)
    assert ("revoked", (first.id, "expired")) in recorder.events
    second = recorder.offers()[1]
    assert second.conversation_id == "c1" and second.ambassador_id != first.ambassador_id


async def test_accepting_a_lapsed_offer_fails_and_accepting_a_live_one_assigns(rig) -> None:  # type: ignore[no-untyped-def]
    service, repo, recorder, timers = rig
    repo.add("c1")
    await service.connected(profile("a"), "s")
    await service.set_presence("a", Presence.AVAILABLE)
    offer = recorder.offers()[0]
    await service.accept(offer.id, "a")
    assert repo.conversations["c1"]["status"] == "assigned"
    await timers.advance(60)  # the cancelled timer must not requeue an accepted chat
    assert repo.conversations["c1"]["status"] == "assigned"


async def test_going_away_or_disconnecting_withdraws_offers_and_stops_new_ones(rig) -> None:  # type: ignore[no-untyped-def]
    service, repo, recorder, _ = rig
    repo.add("c1")
    await service.connected(profile("a"), "s1")
    await service.set_presence("a", Presence.AVAILABLE)
    offer = recorder.offers()[0]
    await service.set_presence("a", Presence.AWAY)
    assert ("revoked", (offer.id, "unavailable")) in recorder.events
    assert repo.conversations["c1"]["status"] == "queued"
    repo.add("c2")
    await service.dispatch()
    assert len(recorder.offers()) == 1
    await service.set_presence("a", Presence.AVAILABLE)
    await service.disconnected("a", "s1")
    assert all(o["status"] != "pending" for o in repo.offers.values())


async def test_capacity_is_never_exceeded(rig) -> None:  # type: ignore[no-untyped-def]
    service, repo, recorder, _ = rig
    for i in range(5):
        repo.add(f"c{i}")
    await service.connected(profile("a", capacity=2), "s")
    await service.set_presence("a", Presence.AVAILABLE)
    assert [o.conversation_id for o in recorder.offers()] == ["c0", "c1"]
    await service.accept(recorder.offers()[0].id, "a")
    assert len(recorder.offers()) == 2  # still full: one assigned + one pending
