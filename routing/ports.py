"""What the routing service needs from the outside world, as small protocols.

The hub implements them over its database and socket server; tests implement them in
memory. Nothing here knows SQL or socket.io.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from routing.model import OfferRecord, QueuePosition, Waiting


class RoutingRepository(Protocol):
    async def waiting(self) -> list[Waiting]: ...

    async def loads(self) -> dict[str, int]:
        """Open conversations plus pending offers per ambassador id."""
        ...

    async def open_offer(
        self, conversation_id: str, ambassador_id: str, now: datetime, expires_at: datetime
    ) -> OfferRecord | None:
        """Record an offer if the conversation is still queued; None if it moved on."""
        ...

    async def accept(self, offer_id: str, ambassador_id: str, now: datetime) -> OfferRecord:
        """Assign the conversation; NotFound/Conflict-style errors if the offer is not live."""
        ...

    async def decline(self, offer_id: str, ambassador_id: str, now: datetime) -> OfferRecord: ...

    async def expire(self, offer_id: str, now: datetime) -> OfferRecord | None:
        """Lapse a pending offer whose time is up; None if it was already resolved."""
        ...

    async def revoke_pending(self, ambassador_id: str | None, now: datetime) -> list[OfferRecord]:
        """Withdraw pending offers of one ambassador (or of everyone, at start-up)."""
        ...


class RoutingNotifier(Protocol):
    async def offered(self, offer: OfferRecord) -> None: ...

    async def revoked(self, offer: OfferRecord, reason: str) -> None: ...

    async def assigned(self, offer: OfferRecord) -> None: ...

    async def queue_positions(self, positions: list[QueuePosition]) -> None: ...


class Timers(Protocol):
    def call_at(
        self, when: datetime, callback: Callable[[], Awaitable[None]]
    ) -> Callable[[], None]:
        """Run callback at ``when``; returns a function that cancels it."""
        ...
