"""In-memory stand-ins for the routing service's ports, for fast deterministic tests."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from hub.errors import Conflict, NotFound
from routing.config import FRONT_OF_QUEUE, RoutingConfig
from routing.memory_store import InMemoryRoutingStore
from routing.model import AmbassadorProfile, OfferRecord, Presence, QueuePosition, StoreInfo, Ticket
from routing.ports import Work
from routing.service import RoutingService
from tests.conftest import FakeClock


@dataclass
class FakeRepository:
    """Conversations and offers as dictionaries, with the database's rules."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    assigned_to: dict[str, str] = field(default_factory=dict)
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    capacity: dict[str, float] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: itertools.count(1))

    def add(self, ticket: Ticket) -> Ticket:
        self.tickets[ticket.conversation_id] = ticket
        self.status[ticket.conversation_id] = "queued"
        return ticket

    async def stores(self) -> list[StoreInfo]:
        return list(STORES)

    async def queued_tickets(self, conversation_ids: Collection[str] | None = None) -> list[Ticket]:
        return [
            t
            for cid, t in self.tickets.items()
            if self.status[cid] == "queued"
            and (conversation_ids is None or cid in conversation_ids)
        ]

    async def queued_ids(self, queued_before: datetime | None = None) -> list[str]:
        return [
            t.conversation_id
            for t in await self.queued_tickets()
            if queued_before is None or t.enqueued_at < queued_before
        ]

    async def conversation_status(self, conversation_id: str) -> str | None:
        return self.status.get(conversation_id)

    async def open_work(self, ambassador_id: str | None) -> list[Work]:
        return [
            Work(cid, aid, self.tickets[cid].channel, self.capacity.get(aid, 3.0))
            for cid, aid in self.assigned_to.items()
            if self.status[cid] == "assigned" and ambassador_id in (None, aid)
        ]

    def _record(self, oid: str) -> OfferRecord:
        o = self.offers[oid]
        return OfferRecord(
            oid, o["cid"], o["aid"], o["expires"], self.tickets[o["cid"]].enqueued_at
        )

    async def open_offer(
        self, ticket: Ticket, aid: str, now: datetime, expires: datetime
    ) -> OfferRecord | None:
        if self.status.get(ticket.conversation_id) != "queued":
            return None
        self.status[ticket.conversation_id] = "offered"
        oid = f"offer-{next(self.ids)}"
        self.offers[oid] = {
            "cid": ticket.conversation_id,
            "aid": aid,
            "expires": expires,
            "status": "pending",
        }
        return self._record(oid)

    def _pending(self, oid: str, aid: str) -> dict[str, Any]:
        offer = self.offers.get(oid)
        if offer is None or offer["aid"] != aid:
            raise NotFound("offer not found", code="offer_not_found")
        if offer["status"] != "pending":
            raise Conflict("gone", code=f"offer_{offer['status']}")
        return offer

    async def accept(self, oid: str, aid: str, now: datetime) -> OfferRecord:
        offer = self._pending(oid, aid)
        if offer["expires"] <= now:
            raise Conflict("expired", code="offer_expired")
        offer["status"] = "accepted"
        self.status[offer["cid"]] = "assigned"
        self.assigned_to[offer["cid"]] = aid
        return self._record(oid)

    def _requeue(self, oid: str, status: str) -> OfferRecord:
        self.offers[oid]["status"] = status
        if self.status[self.offers[oid]["cid"]] == "offered":
            self.status[self.offers[oid]["cid"]] = "queued"
        return self._record(oid)

    async def decline(self, oid: str, aid: str, now: datetime) -> OfferRecord:
        self._pending(oid, aid)
        return self._requeue(oid, "declined")

    async def expire(self, oid: str, now: datetime) -> OfferRecord | None:
        offer = self.offers[oid]
        if offer["status"] != "pending" or offer["expires"] > now:
            return None
        return self._requeue(oid, "expired")

    async def revoke_pending(self, aid: str | None, now: datetime) -> list[OfferRecord]:
        hit = [
            k
            for k, o in self.offers.items()
            if o["status"] == "pending" and aid in (None, o["aid"])
        ]
        return [self._requeue(oid, "revoked") for oid in hit]

    async def revoke_offer_for(self, cid: str, now: datetime) -> OfferRecord | None:
        hit = [k for k, o in self.offers.items() if o["status"] == "pending" and o["cid"] == cid]
        return self._requeue(hit[0], "revoked") if hit else None

    async def revoke_offer(self, oid: str, now: datetime) -> OfferRecord | None:
        offer = self.offers.get(oid)
        if offer is None or offer["status"] != "pending":
            return None
        return self._requeue(oid, "revoked")

    async def requeue_work(self, aid: str, now: datetime) -> list[Ticket]:
        result = []
        for cid, holder in list(self.assigned_to.items()):
            if holder == aid and self.status[cid] == "assigned":
                self.status[cid] = "queued"
                del self.assigned_to[cid]
                self.tickets[cid] = replace(
                    self.tickets[cid], priority=FRONT_OF_QUEUE, enqueued_at=now
                )
                result.append(self.tickets[cid])
        return result


@dataclass
class Recorder:
    events: list[tuple[str, Any]] = field(default_factory=list)

    async def offered(self, offer: OfferRecord, ticket: Ticket) -> None:
        self.events.append(("offered", offer))

    async def revoked(self, offer: OfferRecord, reason: str) -> None:
        self.events.append(("revoked", (offer.id, reason)))

    async def assigned(self, offer: OfferRecord) -> None:
        self.events.append(("assigned", offer))

    async def queue_positions(self, positions: list[QueuePosition]) -> None:
        self.events.append(("queue", positions))

    async def presence_changed(self, ambassador_id: str, presence: Presence, reason: str) -> None:
        self.events.append(("presence", (ambassador_id, presence, reason)))

    async def requeued(self, tickets: list[Ticket]) -> None:
        self.events.append(("requeued", [t.conversation_id for t in tickets]))

    def offers(self) -> list[OfferRecord]:
        return [e[1] for e in self.events if e[0] == "offered"]

    def last_queue(self) -> list[QueuePosition]:
        return [e[1] for e in self.events if e[0] == "queue"][-1]


class NullMetrics:
    def __init__(self) -> None:
        self.seen: list[tuple[str, float]] = []

    def observe(self, name: str, value: float, **labels: str) -> None:
        self.seen.append((name, value))

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self.seen.append((name, amount))

    def set(self, name: str, value: float, **labels: str) -> None:
        self.seen.append((name, value))


class ManualTimers:
    """Timers that fire only when the test moves the clock past them."""

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
        target = self.clock() + timedelta(seconds=seconds)
        while True:
            due = sorted(
                (p for p in self.pending if p[0] <= target and not p[2][0]), key=lambda p: p[0]
            )
            if not due:
                break
            when, callback, _ = due[0]
            self.pending.remove(due[0])
            self.clock.now = max(self.clock.now, when)
            await callback()
        self.clock.now = target


@dataclass
class Rig:
    service: RoutingService
    repo: FakeRepository
    events: Recorder
    timers: ManualTimers
    clock: FakeClock
    store: InMemoryRoutingStore

    async def ambassador(
        self,
        aid: str,
        *,
        stores: tuple[str, ...] = ("paris",),
        capacity: float = 2,
        languages: tuple[str, ...] = ("fr", "en"),
        skills: frozenset[str] = frozenset(),
        available: bool = True,
    ) -> AmbassadorProfile:
        profile = AmbassadorProfile(
            aid, aid.title(), frozenset(stores), languages, capacity, skills
        )
        self.repo.capacity[aid] = capacity
        await self.service.connected(profile, f"conn-{aid}")
        if available:
            await self.service.set_presence(aid, Presence.AVAILABLE)
        return profile

    async def arrive(self, cid: str, **fields: Any) -> Ticket:
        ticket = self.repo.add(Ticket(cid, fields.pop("store_id", "paris"), self.clock(), **fields))
        await self.service.enqueue(ticket)
        return ticket

    def offers_to(self, aid: str) -> list[str]:
        return [o.conversation_id for o in self.events.offers() if o.ambassador_id == aid]

    def live_offer(self, cid: str) -> OfferRecord:
        for oid, offer in self.repo.offers.items():
            if offer["cid"] == cid and offer["status"] == "pending":
                return self.repo._record(oid)
        raise AssertionError(f"no live offer for {cid}")


STORES = (
    StoreInfo("paris", region="FR"),
    StoreInfo("lyon", region="FR"),
    StoreInfo("london", region="GB", relax_language=False),
    StoreInfo("centre", region="EU-SC", service_centre=True),
)


async def make_rig(
    clock: FakeClock, config: RoutingConfig | None = None, stores: tuple[StoreInfo, ...] = STORES
) -> Rig:
    config = config or RoutingConfig()
    store = InMemoryRoutingStore(config)
    repo, events, timers = FakeRepository(), Recorder(), ManualTimers(clock)
    service = RoutingService(
        store=store,
        repository=repo,
        notifier=events,
        metrics=NullMetrics(),
        timers=timers,
        clock=clock,
        config=config,
    )
    await service.start(list(stores), recover=True)
    return Rig(service, repo, events, timers, clock, store)
