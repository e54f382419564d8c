"""The routing state store for one process: dictionaries indexed by store.

Queues are lists kept sorted by (score, conversation id); every call touches only the
stores it names, so cost follows the size of a store, not of the whole network.

Claims' deadlines, heartbeats and which process holds which console are kept too, although
one process never outlives itself: the service runs the same reconciliation on both stores,
and tests share one instance between several services as processes share Redis.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from routing.config import RoutingConfig
from routing.model import Ambassador, AmbassadorProfile, Presence, StoreInfo, Ticket
from routing.policy import queue_score
from routing.store import Lapsed, Line

_EPSILON = 1e-9


@dataclass
class _Agent:
    profile: AmbassadorProfile | None = None
    presence: Presence = Presence.OFFLINE
    load: float = 0.0
    idle_since: datetime | None = None
    misses: int = 0
    connections: set[str] = field(default_factory=set)

    def snapshot(self) -> Ambassador | None:
        if self.profile is None:
            return None
        return Ambassador(self.profile, self.presence, self.load, self.idle_since)


@dataclass
class _Entry:
    ticket: Ticket
    key: tuple[float, str]
    offered_to: str | None = None
    offer_id: str | None = None
    lapses: int = 0


class InMemoryRoutingStore:
    def __init__(self, config: RoutingConfig) -> None:
        self.config = config
        self._stores: dict[str, StoreInfo] = {}
        self._agents: dict[str, _Agent] = {}
        self._by_store: dict[str, set[str]] = {}
        self._entries: dict[str, _Entry] = {}
        self._queues: dict[str, list[tuple[float, str]]] = {}
        self._deadlines: dict[str, datetime] = {}  # claimed conversation id -> when it lapses
        self._alive_until: dict[str, datetime] = {}  # process id -> its heartbeat's end
        self._held: dict[str, dict[str, str]] = {}  # process id -> connection id -> ambassador

    async def reset(self) -> None:
        self._stores.clear()
        self._agents.clear()
        self._by_store.clear()
        self._entries.clear()
        self._queues.clear()
        self._deadlines.clear()
        self._alive_until.clear()
        self._held.clear()

    # -- topology ----------------------------------------------------------------------
    async def put_store(self, store: StoreInfo) -> None:
        self._stores[store.id] = store

    async def stores(self) -> Mapping[str, StoreInfo]:
        return dict(self._stores)

    # -- ambassadors -------------------------------------------------------------------
    def _agent(self, ambassador_id: str) -> _Agent:
        return self._agents.setdefault(ambassador_id, _Agent())

    def _index(self, agent: _Agent, add: bool) -> None:
        if agent.profile is None:
            return
        for store_id in agent.profile.store_ids:
            members = self._by_store.setdefault(store_id, set())
            (members.add if add else members.discard)(agent.profile.id)

    async def connect(
        self, profile: AmbassadorProfile, connection_id: str, process_id: str | None = None
    ) -> int:
        agent = self._agent(profile.id)
        self._index(agent, add=False)
        agent.profile = profile
        if agent.presence is Presence.OFFLINE:
            agent.presence = Presence.AWAY
        agent.connections.add(connection_id)
        self._index(agent, add=True)
        if process_id is not None:
            self._held.setdefault(process_id, {})[connection_id] = profile.id
        return len(agent.connections)

    async def disconnect(
        self, ambassador_id: str, connection_id: str, process_id: str | None = None
    ) -> int:
        if process_id is not None:
            self._held.get(process_id, {}).pop(connection_id, None)
        agent = self._agents.get(ambassador_id)
        if agent is None:
            return 0
        agent.connections.discard(connection_id)
        return len(agent.connections)

    async def connections(self, ambassador_id: str) -> int:
        agent = self._agents.get(ambassador_id)
        return len(agent.connections) if agent else 0

    async def connection_ids(self, ambassador_id: str) -> list[str]:
        agent = self._agents.get(ambassador_id)
        return sorted(agent.connections) if agent else []

    async def set_presence(self, ambassador_id: str, presence: Presence, now: datetime) -> Presence:
        agent = self._agents.get(ambassador_id)
        if agent is None or agent.profile is None:
            return Presence.OFFLINE
        if presence is Presence.AVAILABLE and agent.presence is not Presence.AVAILABLE:
            agent.idle_since = agent.idle_since or now
        agent.presence = presence
        if presence is Presence.OFFLINE:
            self._index(agent, add=False)
            agent.connections.clear()
            agent.misses = 0
        return presence

    async def ambassador(self, ambassador_id: str) -> Ambassador | None:
        agent = self._agents.get(ambassador_id)
        return agent.snapshot() if agent else None

    async def candidates(self, store_ids: Iterable[str]) -> list[Ambassador]:
        return [
            a
            for a in self._present(store_ids)
            if a.presence is Presence.AVAILABLE and a.free_capacity > _EPSILON
        ]

    async def present(self, store_ids: Iterable[str]) -> list[Ambassador]:
        return list(self._present(store_ids))

    def _present(self, store_ids: Iterable[str]) -> Iterator[Ambassador]:
        seen: set[str] = set()
        for store_id in store_ids:
            for ambassador_id in self._by_store.get(store_id, ()):
                if ambassador_id in seen:
                    continue
                seen.add(ambassador_id)
                agent = self._agents[ambassador_id]
                snapshot = agent.snapshot()
                if snapshot is not None and agent.presence is not Presence.OFFLINE:
                    yield snapshot

    async def record_miss(self, ambassador_id: str) -> int:
        agent = self._agent(ambassador_id)
        agent.misses += 1
        return agent.misses

    async def clear_misses(self, ambassador_id: str) -> None:
        self._agent(ambassador_id).misses = 0

    async def add_load(self, ambassador_id: str, weight: float) -> None:
        self._agent(ambassador_id).load += weight

    async def finish(self, ambassador_id: str, weight: float, now: datetime) -> None:
        agent = self._agent(ambassador_id)
        agent.load = max(0.0, agent.load - weight)
        if agent.load <= _EPSILON:
            agent.load = 0.0
            agent.idle_since = now

    # -- processes ---------------------------------------------------------------------
    async def beat(self, process_id: str, until: datetime) -> bool:
        known = process_id in self._alive_until
        self._alive_until[process_id] = until
        return known

    async def reap(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        dead = sorted((until, pid) for pid, until in self._alive_until.items() if until < now)
        reaped = []
        for _, process_id in dead[:limit]:
            del self._alive_until[process_id]
            for connection_id, ambassador_id in self._held.pop(process_id, {}).items():
                agent = self._agents.get(ambassador_id)
                if agent is not None and connection_id in agent.connections:
                    agent.connections.discard(connection_id)
                    reaped.append((ambassador_id, connection_id))
        return sorted(reaped)

    # -- queue -------------------------------------------------------------------------
    def _unqueue(self, entry: _Entry) -> None:
        queue = self._queues.get(entry.ticket.store_id, [])
        index = bisect_left(queue, entry.key)
        if index < len(queue) and queue[index] == entry.key:
            del queue[index]

    async def enqueue(self, ticket: Ticket) -> bool:
        old = self._entries.get(ticket.conversation_id)
        if old is not None:
            if old.offered_to is not None:
                return False
            self._unqueue(old)
        entry = _Entry(ticket, (queue_score(ticket, self.config), ticket.conversation_id))
        self._entries[ticket.conversation_id] = entry
        insort(self._queues.setdefault(ticket.store_id, []), entry.key)
        return True

    async def unknown(self, conversation_ids: Iterable[str]) -> list[str]:
        return [cid for cid in conversation_ids if cid not in self._entries]

    async def ticket(self, conversation_id: str) -> Ticket | None:
        entry = self._entries.get(conversation_id)
        return entry.ticket if entry else None

    async def queued(self, store_ids: Iterable[str], limit: int) -> list[Ticket]:
        heads = [self._queues.get(store_id, []) for store_id in set(store_ids)]
        merged = heapq.merge(*heads)
        return [self._entries[cid].ticket for _, cid in islice(merged, limit)]

    async def queue_length(self, store_id: str) -> int:
        return len(self._queues.get(store_id, []))

    async def line(self, store_id: str, limit: int) -> Line:
        queue = self._queues.get(store_id, [])
        serving = [a for a in self._present([store_id]) if a.presence is Presence.AVAILABLE]
        return Line(
            [cid for _, cid in queue[:limit]],
            len(queue),
            sum(a.profile.capacity for a in serving),
            len(serving),
        )

    async def waiting_ticket(self, conversation_id: str) -> Ticket | None:
        entry = self._entries.get(conversation_id)
        return entry.ticket if entry is not None and entry.offered_to is None else None

    async def claim(
        self,
        conversation_id: str,
        ambassador_id: str,
        weight: float,
        *,
        lapse_at: datetime | None = None,
    ) -> Ticket | None:
        entry = self._entries.get(conversation_id)
        agent = self._agents.get(ambassador_id)
        if entry is None or entry.offered_to is not None or agent is None or agent.profile is None:
            return None
        if agent.presence is not Presence.AVAILABLE:
            return None
        if agent.profile.capacity - agent.load + _EPSILON < weight:
            return None
        self._unqueue(entry)
        entry.offered_to = ambassador_id
        agent.load += weight
        if lapse_at is not None:
            self._deadlines[conversation_id] = lapse_at
        return entry.ticket

    async def record_offer(self, conversation_id: str, offer_id: str, expires_at: datetime) -> None:
        entry = self._entries.get(conversation_id)
        if entry is None or entry.offered_to is None:
            return
        entry.offer_id = offer_id
        entry.lapses = 0  # a new deadline: handed out afresh
        self._deadlines[conversation_id] = expires_at

    async def lapsed(self, before: datetime, retry_at: datetime, limit: int) -> list[Lapsed]:
        due = sorted((at, cid) for cid, at in self._deadlines.items() if at < before)
        handed = []
        for _, cid in due[:limit]:
            entry = self._entries.get(cid)
            if entry is None or entry.offered_to is None:
                del self._deadlines[cid]
                continue
            self._deadlines[cid] = retry_at
            entry.lapses += 1
            handed.append(Lapsed(cid, entry.offered_to, entry.offer_id, entry.lapses))
        return handed

    async def release(
        self, conversation_id: str, ambassador_id: str, weight: float, *, requeue: Ticket | None
    ) -> None:
        entry = self._entries.get(conversation_id)
        if entry is None or entry.offered_to != ambassador_id:
            return
        agent = self._agent(ambassador_id)
        agent.load = max(0.0, agent.load - weight)
        del self._entries[conversation_id]
        self._deadlines.pop(conversation_id, None)
        if requeue is not None:
            await self.enqueue(requeue)

    async def settle(self, conversation_id: str) -> None:
        self._deadlines.pop(conversation_id, None)
        entry = self._entries.pop(conversation_id, None)
        if entry is not None and entry.offered_to is None:
            self._unqueue(entry)

    async def offered_to(self, conversation_id: str) -> str | None:
        entry = self._entries.get(conversation_id)
        return entry.offered_to if entry else None
