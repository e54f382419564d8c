"""The routing state store: presence, load and queues, behind one protocol.

Two implementations: ``InMemoryRoutingStore`` (one process) and ``RedisRoutingStore``
(many web processes). ``claim`` is the one operation that must be atomic: it moves a queued
ticket to "offered" and adds its weight to an available ambassador's load only if the
ambassador still has room, so two processes can never over-fill anyone or offer one
conversation twice. Everything is indexed by store so no call scans every ambassador.

The store is a cache of the database plus the consoles' presence: ``reset`` empties it and
the routing service rebuilds it (``RoutingService.rebuild``). A store that cannot be reached
raises ``StoreUnavailable``; the service then waits for it instead of failing the caller.

The store outlives any one web process, so it also keeps what a process that dies without
a goodbye (SIGKILL) would otherwise take with it: each claim's deadline (``lapsed`` hands a
claim left open past it to exactly one other process) and which process holds each console
connection, with that process's heartbeat (``beat``; ``reap`` hands the connections of a
process whose heartbeat lapsed to exactly one other process).
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
class Lapsed:
    """A claim still open past its deadline, handed to one caller to settle."""

    conversation_id: str
    ambassador_id: str
    offer_id: str | None  # None: the claim never became a recorded offer
    attempt: int  # 1 when first handed out; more when an earlier taker did not settle it


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
    async def connect(
        self, profile: AmbassadorProfile, connection_id: str, process_id: str | None = None
    ) -> int:
        """Register a console connection; a first login starts away. Returns connections.

        ``process_id``: the web process holding the connection, so that it can be reaped
        if that process dies; None: never reaped (one process, or a test)."""
        ...

    async def disconnect(
        self, ambassador_id: str, connection_id: str, process_id: str | None = None
    ) -> int:
        """Forget one connection; returns how many remain (presence is left to the caller)."""
        ...

    async def connections(self, ambassador_id: str) -> int:
        """How many console connections the ambassador has, in every process."""
        ...

    async def connection_ids(self, ambassador_id: str) -> list[str]:
        """Their console connections' ids, in every process (to hang them all up)."""
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

    # -- processes ---------------------------------------------------------------------
    async def beat(self, process_id: str, until: datetime) -> bool:
        """This process lives until ``until`` at least. False when the store did not know it
        (new, reaped, or the store was reset): it must announce its consoles again."""
        ...

    async def reap(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """Atomically give up processes whose heartbeat lapsed before ``now``: their console
        connections as (ambassador id, connection id), each handed to exactly one caller."""
        ...

    # -- queue -------------------------------------------------------------------------
    async def enqueue(self, ticket: Ticket) -> bool:
        """Add or replace a queued ticket (idempotent), placed by ``policy.queue_score``.

        Atomically a no-op, returning False, while the conversation is claimed: replacing
        the ticket would put a conversation on offer back in line and lose the claim."""
        ...

    async def unknown(self, conversation_ids: Iterable[str]) -> list[str]:
        """Those of these conversations the store holds no ticket for (queued or offered)."""
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

    async def claim(
        self,
        conversation_id: str,
        ambassador_id: str,
        weight: float,
        *,
        lapse_at: datetime | None = None,
    ) -> Ticket | None:
        """Atomically: queued ticket → offered to this ambassador, load += weight, if it fits.

        ``lapse_at``: when the claim is due to end; past it, ``lapsed`` hands the claim to
        another process in case its maker died before settling it. None: never."""
        ...

    async def record_offer(self, conversation_id: str, offer_id: str, expires_at: datetime) -> None:
        """The claim became this offer, due to lapse at ``expires_at`` (no-op if not claimed)."""
        ...

    async def lapsed(self, before: datetime, retry_at: datetime, limit: int) -> list[Lapsed]:
        """Atomically hand out claims whose deadline passed before ``before``, in deadline
        order, each to one caller; their deadline moves to ``retry_at`` in case it dies too."""
        ...

    async def release(
        self, conversation_id: str, ambassador_id: str, weight: float, *, requeue: Ticket | None
    ) -> None:
        """An offer ended unanswered: give the weight back and forget its deadline; put
        ``requeue`` back in line."""
        ...

    async def settle(self, conversation_id: str) -> None:
        """The offer was accepted (or the conversation closed while waiting): drop the ticket
        and its deadline."""
        ...

    async def offered_to(self, conversation_id: str) -> str | None: ...
