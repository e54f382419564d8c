"""Runs the routing policy: makes offers, times them out, requeues and reassigns.

One dispatch runs at a time per process (a lock), and the repository only opens an offer
for a conversation that is still queued, so a conversation is never offered twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from routing import policy
from routing.model import AmbassadorProfile, OfferRecord, Presence
from routing.ports import RoutingNotifier, RoutingRepository, Timers
from routing.state import PresenceStore

log = logging.getLogger("routing")


class RoutingService:
    def __init__(
        self,
        *,
        repository: RoutingRepository,
        presence: PresenceStore,
        notifier: RoutingNotifier,
        timers: Timers,
        clock: Callable[[], datetime],
        offer_timeout: timedelta,
        initial_wait_estimate: float = 60.0,
    ) -> None:
        self.repository = repository
        self.presence = presence
        self.notifier = notifier
        self.timers = timers
        self.clock = clock
        self.offer_timeout = offer_timeout
        self.average_wait_seconds = initial_wait_estimate
        self._lock = asyncio.Lock()
        self._cancel_timer: dict[str, Callable[[], None]] = {}

    async def start(self) -> None:
        """Offers left pending by a previous process can never be answered: requeue them."""
        for offer in await self.repository.revoke_pending(None, self.clock()):
            log.info("offer revoked at start-up", extra={"fields": {"offer_id": offer.id}})
        await self.dispatch()

    async def stop(self) -> None:
        for cancel in self._cancel_timer.values():
            cancel()
        self._cancel_timer.clear()

    async def dispatch(self) -> None:
        async with self._lock:
            now = self.clock()
            waiting = await self.repository.waiting()
            loads = await self.repository.loads()
            ambassadors = [
                replace(a, load=loads.get(a.id, 0)) for a in await self.presence.snapshot()
            ]
            offered: set[str] = set()
            for assignment in policy.plan(waiting, ambassadors):
                offer = await self.repository.open_offer(
                    assignment.conversation_id,
                    assignment.ambassador_id,
                    now,
                    now + self.offer_timeout,
                )
                if offer is None:
                    continue
                offered.add(offer.conversation_id)
                await self.presence.note_offer(offer.ambassador_id, now)
                self._arm_timer(offer)
                await self.notifier.offered(offer)
            still_waiting = [w for w in waiting if w.conversation_id not in offered]
            await self.notifier.queue_positions(
                policy.queue_positions(
                    still_waiting, average_wait_seconds=self.average_wait_seconds
                )
            )

    def _arm_timer(self, offer: OfferRecord) -> None:
        async def lapse() -> None:
            self._cancel_timer.pop(offer.id, None)
            await self.expire(offer.id)

        self._cancel_timer[offer.id] = self.timers.call_at(offer.expires_at, lapse)

    def _disarm_timer(self, offer_id: str) -> None:
        cancel = self._cancel_timer.pop(offer_id, None)
        if cancel is not None:
            cancel()

    async def accept(self, offer_id: str, ambassador_id: str) -> OfferRecord:
        now = self.clock()
        offer = await self.repository.accept(offer_id, ambassador_id, now)
        self._disarm_timer(offer_id)
        if offer.queued_at is not None:
            self.record_wait(now - offer.queued_at)
        await self.notifier.assigned(offer)
        await self.dispatch()
        return offer

    async def decline(self, offer_id: str, ambassador_id: str) -> OfferRecord:
        offer = await self.repository.decline(offer_id, ambassador_id, self.clock())
        self._disarm_timer(offer_id)
        await self.dispatch()
        return offer

    async def expire(self, offer_id: str) -> None:
        offer = await self.repository.expire(offer_id, self.clock())
        if offer is not None:
            await self.notifier.revoked(offer, "expired")
            await self.dispatch()

    def record_wait(self, waited: timedelta) -> None:
        """Feed a finished wait into the estimate shoppers see (exponential moving average)."""
        self.average_wait_seconds = 0.8 * self.average_wait_seconds + 0.2 * waited.total_seconds()

    async def connected(self, profile: AmbassadorProfile, connection_id: str) -> None:
        await self.presence.connect(profile, connection_id)

    async def disconnected(self, ambassador_id: str, connection_id: str) -> None:
        presence = await self.presence.disconnect(ambassador_id, connection_id)
        if presence is not Presence.AVAILABLE:
            await self._withdraw_offers(ambassador_id)

    async def set_presence(self, ambassador_id: str, presence: Presence) -> Presence:
        result = await self.presence.set_presence(ambassador_id, presence)
        if result is not Presence.AVAILABLE:
            await self._withdraw_offers(ambassador_id)
        else:
            await self.dispatch()
        return result

    async def _withdraw_offers(self, ambassador_id: str) -> None:
        """An ambassador who leaves gets no new offers and gives back the pending ones."""
        revoked = await self.repository.revoke_pending(ambassador_id, self.clock())
        for offer in revoked:
            self._disarm_timer(offer.id)
            await self.notifier.revoked(offer, "unavailable")
        await self.dispatch()
