"""What the routing service needs from the outside world, as small protocols.

The hub implements them over its database and socket server; tests implement them in
memory. Nothing here knows SQL or socket.io.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from routing.model import OfferRecord, Presence, QueuePosition, StoreInfo, Ticket


@dataclass(frozen=True)
class Work:
    """A conversation an ambassador holds (assigned and still open)."""

    conversation_id: str
    ambassador_id: str
    channel: str
    capacity: float


class RoutingRepository(Protocol):
    """The durable side: conversations and offers as the database records them."""

    async def queued_tickets(self, conversation_ids: Collection[str] | None = None) -> list[Ticket]:
        """Waiting conversations (of these ids only, if given), oldest first."""
        ...

    async def queued_ids(self, queued_before: datetime | None = None) -> list[str]:
        """Ids of the waiting conversations (queued before then, if given): a cheap read."""
        ...

    async def conversation_status(self, conversation_id: str) -> str | None:
        """queued, offered, assigned or closed; None when there is no such conversation."""
        ...

    async def stores(self) -> list[StoreInfo]:
        """Store topology as configured now (stores can be added while the hub runs)."""
        ...

    async def open_work(self, ambassador_id: str | None) -> list[Work]: ...

    async def open_offer(
        self, ticket: Ticket, ambassador_id: str, now: datetime, expires_at: datetime
    ) -> OfferRecord | None:
        """Record an offer if the conversation is still waiting; None if it moved on."""
        ...

    async def accept(self, offer_id: str, ambassador_id: str, now: datetime) -> OfferRecord:
        """Assign; raises NotFound/Conflict if the offer is not the caller's or not live."""
        ...

    async def decline(self, offer_id: str, ambassador_id: str, now: datetime) -> OfferRecord: ...

    async def expire(self, offer_id: str, now: datetime) -> OfferRecord | None: ...

    async def revoke_pending(
        self, ambassador_id: str | None, now: datetime
    ) -> list[OfferRecord]: ...

    async def revoke_offer_for(self, conversation_id: str, now: datetime) -> OfferRecord | None:
        """Withdraw the live offer of one conversation, if any (a manager takes over)."""
        ...

    async def revoke_offer(self, offer_id: str, now: datetime) -> OfferRecord | None:
        """Withdraw this offer if it is still live (the state it was made in was lost)."""
        ...

    async def requeue_work(self, ambassador_id: str, now: datetime) -> list[Ticket]:
        """The ambassador is gone for good: their open conversations wait again."""
        ...


class RoutingNotifier(Protocol):
    async def offered(self, offer: OfferRecord, ticket: Ticket) -> None: ...

    async def revoked(self, offer: OfferRecord, reason: str) -> None: ...

    async def assigned(self, offer: OfferRecord) -> None: ...

    async def queue_positions(self, positions: list[QueuePosition]) -> None: ...

    async def presence_changed(
        self, ambassador_id: str, presence: Presence, reason: str
    ) -> None: ...

    async def requeued(self, tickets: list[Ticket]) -> None:
        """Conversations went back in line because their ambassador left; tell the shoppers."""
        ...


class RoutingMetrics(Protocol):
    def observe(self, name: str, value: float, **labels: str) -> None: ...

    def set(self, name: str, value: float, **labels: str) -> None: ...

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None: ...


class Timers(Protocol):
    def call_at(
        self, when: datetime, callback: Callable[[], Awaitable[None]]
    ) -> Callable[[], None]:
        """Run callback at ``when``; returns a function that cancels it."""
        ...
