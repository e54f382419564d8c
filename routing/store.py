"""The routing state store: presence, load and queues, behind one protocol.

Two implementations: ``InMemoryRoutingStore`` (one process) and ``RedisRoutingStore``
(many web processes). ``claim`` is the one operation that must be atomic: it moves a queued
ticket to "offered" and adds its weight to an available ambassador's load only if the
ambassador still has room, so two processes can never over-fill anyone or offer one
conversation twice. Everything is indexed by store so no call scans every ambassador.

The store is a cache of the database plus the consoles' presence: ``reset`` empties it and
the routing service rebuilds it (``RoutingService.rebuild``). A store that cannot be reached
raises ``StoreUnavailable``; the service then waits for it instead of failing the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from routing.model import Ambassador, AmbassadorProfile, Presence, StoreInfo, Ticket


class StoreUnavailable(Exception):
    """The state store cannot be reached (Redis down or restarting): nothing was changed."""


@dataclass(frozen=True)
class Line:
    conversation_ids: list[str]
    total: int
    available_capacity: float  # summed over available ambassadors serving the store
    available: int


class RoutingStore(Protocol):
    async def reset(self) -> None:
        """Forget everything: the first step of a rebuild from the database."""
        ...

    # -- topology ----------------------------------------------------------------------
    async def put_store(self, store: StoreInfo) -> None: ...

    async def stores(self) -> Mapping[str, StoreInfo]: ...

    # -- ambassadors -------------------------------------------------------------------
    async def connect(self, profile: AmbassadorProfile, connection_id: str) -> int:
        """Register a console connection; a first login starts away. Returns connections."""
        ...

    async def disconnect(self, ambassador_id: str, connection_id: str) -> int:
        """Forget one connection; returns how many remain (presence is left to the caller)."""
        ...

    async def connections(self, ambassador_id: str) -> int:
        """How many console connections the ambassador has, in every process."""
        ...

    async def set_presence(self, ambassador_id: str, presence: Presence, now: datetime) -> Presence:
        """Set presence of a known ambassador; OFFLINE forgets the profile's store index."""
        ...

    async def ambassador(self, ambassador_id: str) -> Ambassador | None: ...

    async def candidates(self, store_ids: Iterable[str]) -> list[Ambassador]:
        """Available ambassadors with any room left, serving any of these stores."""
        ...

    async def present(self, store_ids: Iterable[str]) -> list[Ambassador]:
        """Connected ambassadors (available or away) serving any of these stores."""
        ...

    async def record_miss(self, ambassador_id: str) -> int:
        """One more offer left to lapse in a row; returns the streak."""
        ...

    async def clear_misses(self, ambassador_id: str) -> None: ...

    async def add_load(self, ambassador_id: str, weight: float) -> None:
        """Count work the ambassador already has (assigned before a restart, or by hand)."""
        ...

    async def finish(self, ambassador_id: str, weight: float, now: datetime) -> None:
        """A conversation ended: give its weight back and note when they went idle."""
        ...

    # -- queue -------------------------------------------------------------------------
    async def enqueue(self, ticket: Ticket) -> None:
        """Add or replace a queued ticket (idempotent), placed by ``policy.queue_score``."""
        ...

    async def ticket(self, conversation_id: str) -> Ticket | None: ...

    async def queued(self, store_ids: Iterable[str], limit: int) -> list[Ticket]:
        """Queued (not offered) tickets of these stores, in queue order, at most limit."""
        ...

    async def queue_length(self, store_id: str) -> int: ...

    async def line(self, store_id: str, limit: int) -> Line:
        """One store's line for shoppers: the first ids in order, the total, who serves it.

        Cheaper than ``queued``: positions need the order, not the tickets.
        """
        ...

    async def waiting_ticket(self, conversation_id: str) -> Ticket | None:
        """The ticket if it is queued and not on offer to anyone."""
        ...

    async def claim(self, conversation_id: str, ambassador_id: str, weight: float) -> Ticket | None:
        """Atomically: queued ticket → offered to this ambassador, load += weight, if it fits."""
        ...

    async def release(
        self, conversation_id: str, ambassador_id: str, weight: float, *, requeue: Ticket | None
    ) -> None:
        """An offer ended unanswered: give the weight back; put ``requeue`` back in line."""
        ...

    async def settle(self, conversation_id: str) -> None:
        """The offer was accepted (or the conversation closed while waiting): drop the ticket."""
        ...

    async def offered_to(self, conversation_id: str) -> str | None: ...
