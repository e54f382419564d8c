"""Runs the routing policy, one event at a time: enqueue, presence change, capacity freed,
offer expiry and review timers. No loop scans everything: each event looks only at the
ticket or the ambassador it concerns, through the state store's per-store indexes.

Claims go through the state store first (atomic across processes), then the offer is
recorded in the database; if the database says the conversation moved on, the claim is
given back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from routing import policy
from routing.config import FRONT_OF_QUEUE, RoutingConfig
from routing.model import (
    Ambassador,
    AmbassadorProfile,
    OfferRecord,
    Presence,
    Scope,
    StoreInfo,
    Ticket,
)
from routing.ports import RoutingMetrics, RoutingNotifier, RoutingRepository, Timers
from routing.store import RoutingStore
from routing.timers import KeyedTimers

log = logging.getLogger("routing")
CLAIM_ATTEMPTS = 3
SCAN_LIMIT = 200  # tickets an ambassador-first match looks at before giving up
SCAN_DEPTHS = (8, 40, SCAN_LIMIT)
_EPSILON = 1e-9  # usually the head of the line will do


class RoutingService:
    def __init__(
        self,
        *,
        store: RoutingStore,
        repository: RoutingRepository,
        notifier: RoutingNotifier,
        metrics: RoutingMetrics,
        timers: Timers,
        clock: Callable[[], datetime],
        config: RoutingConfig,
    ) -> None:
        self.store = store
        self.repository = repository
        self.notifier = notifier
        self.metrics = metrics
        self.timers = KeyedTimers(timers)
        self.clock = clock
        self.config = config
        self.handle_seconds = config.default_handle_seconds
        self._stores: dict[str, StoreInfo] = {}

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self, stores: list[StoreInfo], *, recover: bool) -> None:
        """Load topology; with ``recover`` (one process owns the state) rebuild from the DB."""
        for store in stores:
            await self.store.put_store(store)
        self._stores = dict(await self.store.stores())
        if recover:
            for offer in await self.repository.revoke_pending(None, self.clock()):
                log.info("offer revoked at start-up", extra={"fields": {"offer_id": offer.id}})
            for work in await self.repository.open_work(None):
                await self.store.add_load(
                    work.ambassador_id, self.config.weight(work.channel, work.capacity)
                )
        for ticket in await self.repository.queued_tickets():
            if await self.store.offered_to(ticket.conversation_id) is None:
                await self.store.enqueue(ticket)
        for store_id in self._stores:
            await self._publish_queue(store_id)

    async def stop(self) -> None:
        self.timers.cancel_all()

    async def put_store(self, store: StoreInfo) -> None:
        await self.store.put_store(store)
        self._stores[store.id] = store

    # -- events from the hub ------------------------------------------------------------

    async def enqueue(self, ticket: Ticket) -> None:
        if ticket.store_id not in self._stores:  # a store added since start-up
            for store in await self.repository.stores():
                await self.put_store(store)
        if await self.store.offered_to(ticket.conversation_id) is not None:
            return  # already offered (another process got there): replacing would lose the claim
        await self.store.enqueue(ticket)
        self.metrics.inc("routing_enqueued_total", store=ticket.store_id)
        await self._match_ticket(ticket.conversation_id)
        await self._publish_queue(ticket.store_id)

    async def connected(self, profile: AmbassadorProfile, connection_id: str) -> None:
        await self.store.connect(profile, connection_id)
        self.timers.cancel(f"grace:{profile.id}")

    async def disconnected(self, ambassador_id: str, connection_id: str) -> None:
        """The last console gone: no offers meanwhile, conversations kept for the grace period."""
        if await self.store.disconnect(ambassador_id, connection_id) > 0:
            return
        await self.store.set_presence(ambassador_id, Presence.AWAY, self.clock())
        await self._withdraw_offers(ambassador_id, "disconnected")
        await self._publish_stores_of(ambassador_id)
        self.timers.arm(
            f"grace:{ambassador_id}",
            self.clock() + self.config.disconnect_grace,
            lambda: self._grace_over(ambassador_id),
        )

    async def set_presence(self, ambassador_id: str, presence: Presence) -> Presence:
        result = await self.store.set_presence(ambassador_id, presence, self.clock())
        if result is Presence.AVAILABLE:
            await self.store.clear_misses(ambassador_id)
            await self._match_ambassador(ambassador_id)
        else:
            await self._withdraw_offers(ambassador_id, "unavailable")
        await self._publish_stores_of(ambassador_id)
        return result

    async def _publish_stores_of(self, ambassador_id: str) -> None:
        """Someone came or went: waiting shoppers of their stores learn whether anyone is there."""
        ambassador = await self.store.ambassador(ambassador_id)
        if ambassador is not None:
            for store_id in sorted(ambassador.profile.store_ids):
                await self._publish_queue(store_id)

    async def accept(self, offer_id: str, ambassador_id: str) -> OfferRecord:
        now = self.clock()
        offer = await self.repository.accept(offer_id, ambassador_id, now)
        self.timers.cancel(f"offer:{offer.id}")
        await self.store.settle(offer.conversation_id)
        await self.store.clear_misses(ambassador_id)
        if offer.queued_at is not None:
            self.metrics.observe(
                "routing_wait_until_accept_seconds", (now - offer.queued_at).total_seconds()
            )
        self.metrics.inc("routing_offers_total", outcome="accepted")
        await self.notifier.assigned(offer)
        return offer

    async def decline(self, offer_id: str, ambassador_id: str) -> OfferRecord:
        offer = await self.repository.decline(offer_id, ambassador_id, self.clock())
        self.metrics.inc("routing_offers_total", outcome="declined")
        await self._requeue_offer(offer)
        await self._match_ambassador(ambassador_id)
        return offer

    async def expire(self, offer_id: str) -> None:
        offer = await self.repository.expire(offer_id, self.clock())
        if offer is None:
            return
        self.metrics.inc("routing_offers_total", outcome="expired")
        await self.notifier.revoked(offer, "expired")
        await self._requeue_offer(offer)
        misses = await self.store.record_miss(offer.ambassador_id)
        if misses >= self.config.missed_offers_before_away:
            await self.store.set_presence(offer.ambassador_id, Presence.AWAY, self.clock())
            await self.store.clear_misses(offer.ambassador_id)
            await self._withdraw_offers(offer.ambassador_id, "unavailable")
            await self.notifier.presence_changed(
                offer.ambassador_id, Presence.AWAY, "missed_offers"
            )

    def _weight(self, ambassador: Ambassador | None, channel: str) -> float:
        """What a conversation on this channel takes of this ambassador's capacity."""
        return self.config.weight(channel, ambassador.profile.capacity if ambassador else 1.0)

    async def finished(self, ambassador_id: str, channel: str) -> None:
        """A conversation closed: its weight is free at once."""
        ambassador = await self.store.ambassador(ambassador_id)
        weight = self._weight(ambassador, channel)
        await self.store.finish(ambassador_id, weight, self.clock())
        if ambassador is not None:
            ambassador = replace(ambassador, load=max(0.0, ambassador.load - weight))
        await self._match_ambassador(ambassador_id, ambassador)

    async def take_by_hand(self, conversation_id: str, ambassador_id: str, channel: str) -> None:
        """A manager assigns a waiting conversation: it leaves the queue, counts as their work."""
        now = self.clock()
        offer = await self.repository.revoke_offer_for(conversation_id, now)
        ticket = await self.store.ticket(conversation_id)
        if offer is not None:
            self.timers.cancel(f"offer:{offer.id}")
            await self.notifier.revoked(offer, "assigned_by_manager")
            holder = await self.store.ambassador(offer.ambassador_id)
            await self.store.release(
                conversation_id, offer.ambassador_id, self._weight(holder, channel), requeue=None
            )
            await self._match_ambassador(offer.ambassador_id)
        await self.store.settle(conversation_id)
        self.timers.cancel(f"review:{conversation_id}")
        target = await self.store.ambassador(ambassador_id)
        await self.store.add_load(ambassador_id, self._weight(target, channel))
        if ticket is not None:
            await self._publish_queue(ticket.store_id)

    async def board(self, store_ids: list[str]) -> tuple[list[Ticket], list[Ambassador]]:
        """A manager's live view: who waits (in order) and who is connected, how loaded."""
        return await self.store.queued(store_ids, SCAN_LIMIT), await self.store.present(store_ids)

    async def presence_of(self, ambassador_id: str) -> Presence:
        ambassador = await self.store.ambassador(ambassador_id)
        return ambassador.presence if ambassador else Presence.OFFLINE

    async def dropped(self, conversation_id: str) -> None:
        """Closed before anyone took it: it no longer waits."""
        ticket = await self.store.ticket(conversation_id)
        self.timers.cancel(f"review:{conversation_id}")
        if ticket is not None and await self.store.offered_to(conversation_id) is None:
            await self.store.settle(conversation_id)
            await self._publish_queue(ticket.store_id)

    def record_handling(self, seconds: float) -> None:
        """Feed a finished conversation's handling time into the ETA shoppers see."""
        self.handle_seconds = 0.8 * self.handle_seconds + 0.2 * max(1.0, seconds)

    # -- matching -----------------------------------------------------------------------

    def _scope_stores(self, ticket: Ticket, scope: Scope) -> list[str]:
        home = self._stores.get(ticket.store_id)
        result = [ticket.store_id]
        if scope is Scope.STORE or home is None:
            return result
        for store in self._stores.values():
            if store.id != ticket.store_id and (
                store.region == home.region
                or (scope is Scope.SERVICE_CENTRE and store.service_centre)
            ):
                result.append(store.id)
        return result

    def _reach(self, ambassador: Ambassador) -> list[str]:
        """Stores whose tickets this ambassador may see: own, same region, all if service centre."""
        own = [self._stores[s] for s in ambassador.profile.store_ids if s in self._stores]
        if any(store.service_centre for store in own):
            return list(self._stores)
        regions = {store.region for store in own}
        return [
            s.id
            for s in self._stores.values()
            if s.region in regions or s.id in ambassador.profile.store_ids
        ]

    async def _preferred(self, ticket: Ticket) -> Ambassador | None:
        if ticket.preferred_ambassador_id is None:
            return None
        return await self.store.ambassador(ticket.preferred_ambassador_id)

    async def _match_ticket(self, conversation_id: str) -> None:
        for _ in range(CLAIM_ATTEMPTS):
            ticket = await self.store.waiting_ticket(conversation_id)
            if ticket is None:
                return
            now = self.clock()
            need = policy.requirements(ticket, self._stores.get(ticket.store_id), now, self.config)
            candidates = await self.store.candidates(self._scope_stores(ticket, need.scope))
            preferred = await self._preferred(ticket)
            choice = policy.choose(
                ticket,
                candidates,
                preferred=preferred,
                stores=self._stores,
                now=now,
                config=self.config,
            )
            if choice.ambassador_id is None:
                if choice.review_at is not None:
                    self.timers.arm(
                        f"review:{conversation_id}",
                        choice.review_at,
                        lambda: self._match_ticket(conversation_id),
                        keep_earlier=True,
                    )
                return
            pool = {a.id: a for a in candidates}
            if preferred is not None:
                pool.setdefault(preferred.id, preferred)
            if await self._claim_and_offer(ticket, pool[choice.ambassador_id]) is not None:
                return

    async def _match_ambassador(self, ambassador_id: str, known: Ambassador | None = None) -> None:
        """Offer a freed ambassador work until they are full or nothing fits."""
        ambassador = known or await self.store.ambassador(ambassador_id)
        while (
            ambassador is not None
            and ambassador.presence is Presence.AVAILABLE
            and ambassador.free_capacity > _EPSILON
        ):
            weight = await self._offer_next_to(ambassador)
            if weight is None:
                return
            ambassador = replace(ambassador, load=ambassador.load + weight)

    async def _offer_next_to(self, ambassador: Ambassador) -> float | None:
        """Offer the first ticket this ambassador may take; look deeper only when needed."""
        reach = self._reach(ambassador)
        seen = 0
        for depth in SCAN_DEPTHS:
            tickets = await self.store.queued(reach, depth)
            now = self.clock()
            for ticket in tickets[seen:]:
                preferred = None
                if ticket.preferred_ambassador_id not in (None, ambassador.id):
                    preferred = await self._preferred(ticket)
                if not policy.may_take(
                    ambassador,
                    ticket,
                    preferred=preferred,
                    stores=self._stores,
                    now=now,
                    config=self.config,
                ):
                    continue
                weight = await self._claim_and_offer(ticket, ambassador)
                if weight is not None:
                    return weight
            if len(tickets) < depth:
                return None
            seen = len(tickets)
        return None

    async def _claim_and_offer(self, ticket: Ticket, ambassador: Ambassador) -> float | None:
        """The claimed weight if the offer went out; None if someone got there first."""
        weight = self._weight(ambassador, ticket.channel)
        claimed = await self.store.claim(ticket.conversation_id, ambassador.id, weight)
        if claimed is None:
            return None
        now = self.clock()
        offer = await self.repository.open_offer(
            claimed, ambassador.id, now, now + self.config.offer_timeout
        )
        if offer is None:  # closed or taken meanwhile: give the claim back, drop the ticket
            await self.store.release(ticket.conversation_id, ambassador.id, weight, requeue=None)
            return None
        self.timers.cancel(f"review:{ticket.conversation_id}")
        self.timers.arm(f"offer:{offer.id}", offer.expires_at, lambda: self.expire(offer.id))
        self.metrics.observe(
            "routing_wait_until_offer_seconds", (now - ticket.enqueued_at).total_seconds()
        )
        await self.notifier.offered(offer, claimed)
        await self._publish_queue(ticket.store_id)
        return weight

    async def _requeue_offer(self, offer: OfferRecord) -> None:
        """Back in line at its old place; the same ambassador is not asked twice in a row."""
        self.timers.cancel(f"offer:{offer.id}")
        ticket = await self.store.ticket(offer.conversation_id)
        if ticket is None:
            return
        ambassador = await self.store.ambassador(offer.ambassador_id)
        await self.store.release(
            offer.conversation_id,
            offer.ambassador_id,
            self._weight(ambassador, ticket.channel),
            requeue=replace(ticket, last_offered_to=offer.ambassador_id),
        )
        await self._match_ticket(offer.conversation_id)
        await self._publish_queue(ticket.store_id)

    async def _withdraw_offers(self, ambassador_id: str, reason: str) -> None:
        for offer in await self.repository.revoke_pending(ambassador_id, self.clock()):
            await self.notifier.revoked(offer, reason)
            await self._requeue_offer(offer)

    async def _grace_over(self, ambassador_id: str) -> None:
        """Gone past the grace period: offline, and their conversations go first in line."""
        now = self.clock()
        await self.store.set_presence(ambassador_id, Presence.OFFLINE, now)
        tickets = await self.repository.requeue_work(ambassador_id, now)
        ambassador = await self.store.ambassador(ambassador_id)
        for ticket in tickets:
            await self.store.finish(ambassador_id, self._weight(ambassador, ticket.channel), now)
        if tickets:
            await self.notifier.requeued(tickets)
        for ticket in tickets:
            await self.enqueue(replace(ticket, priority=FRONT_OF_QUEUE, enqueued_at=now))

    # -- shoppers' view -----------------------------------------------------------------

    async def _publish_queue(self, store_id: str) -> None:
        line = await self.store.line(store_id, SCAN_LIMIT)
        self.metrics.set("routing_queue_length", line.total, store=store_id)
        if not line.conversation_ids:
            return
        open_now = policy.store_is_open(self._stores.get(store_id), self.clock())
        positions = policy.line_positions(
            line.conversation_ids,
            serving=line.available_capacity,
            handle_seconds=self.handle_seconds,
            offline=not (line.available and open_now),
        )
        await self.notifier.queue_positions(positions)
