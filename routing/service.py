"""Runs the routing policy, one event at a time: enqueue, presence change, capacity freed,
offer expiry and review timers. No loop scans everything: each event looks only at the
ticket or the ambassador it concerns, through the state store's per-store indexes.

Claims go through the state store first (atomic across processes), then the offer is
recorded in the database; if the database says the conversation moved on, the claim is
given back.

The store is rebuildable: the database holds conversations, assignments and offers, and
this service remembers its own process's consoles and their presence. When the store is
unreachable (``StoreUnavailable``) routing waits — events are still accepted, the database
keeps every conversation queued — and ``rebuild`` (one process) plus ``resume`` (every
process) put the state back together once the store answers again.

A process may also die without a goodbye (SIGKILL), taking its timers with it. Every
process therefore reconciles periodically (``start_reconciling``): it renews its heartbeat
in the store, expires offers left open past their deadline (``expire``, as its own timer
would), treats the consoles of a process whose heartbeat lapsed as disconnected (the usual
grace, then offline and requeue), and queues conversations the database has waiting but
routing never heard of. The store hands each such item to one process only.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

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
from routing.store import Lapsed, RoutingStore, StoreUnavailable
from routing.timers import KeyedTimers

log = logging.getLogger("routing")
CLAIM_ATTEMPTS = 3
SCAN_LIMIT = 200  # tickets an ambassador-first match looks at before giving up
SCAN_DEPTHS = (8, 40, SCAN_LIMIT)
SWEEP_LIMIT = 100  # lapsed claims or dead processes one reconciliation takes on
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
        process_id: str | None = None,
    ) -> None:
        self.store = store
        self.repository = repository
        self.notifier = notifier
        self.metrics = metrics
        self.timers = KeyedTimers(timers)
        self.clock = clock
        self.config = config
        self.handle_seconds = config.default_handle_seconds
        # This process in the shared store: if its heartbeat lapses, others take over its
        # consoles. Unique per run, so a restarted process is never mistaken for its past.
        self.process_id = process_id or secrets.token_hex(8)
        self._reconciling = False
        self._stores: dict[str, StoreInfo] = {}
        # What this process knows that the store may lose: its own consoles and the
        # presence their ambassadors chose, and the offers it armed a timer for.
        self._consoles: dict[str, AmbassadorProfile] = {}  # connection id -> profile
        self._presence: dict[str, Presence] = {}  # ambassador id -> last known, if local
        self._offers: dict[str, int] = {}  # live offer id -> generation it was made in
        self._generation = 0  # bumped by each suspension; older offers predate a rebuild
        # The store cannot be trusted now (unreachable, or being rebuilt): routing waits.
        self.suspended = False
        # A call failed half-way: whatever it wrote may be missing, so rebuild, not resume.
        self.store_failed = False
        # Load changes skipped while suspended: (when, ambassador, channel, +1 taken/-1 freed).
        self._skipped: list[tuple[datetime, str, str, int]] = []

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
            await self.store.enqueue(ticket)  # a no-op for one on offer elsewhere
        for store_id in self._stores:
            await self._publish_queue(store_id)

    async def stop(self) -> None:
        self._reconciling = False
        self.timers.cancel_all()

    # -- a store that can be lost and rebuilt ---------------------------------------------

    def suspend(self) -> None:
        """Stop using the store until ``resume``: events are recorded, routing waits."""
        if not self.suspended:
            self._generation += 1
        self.suspended = True

    @contextmanager
    def _tolerant(self, event: str) -> Iterator[None]:
        """A store call failed: the database keeps the truth, routing catches up later."""
        try:
            yield
        except StoreUnavailable as exc:
            self.suspend()
            self.store_failed = True
            log.warning(
                "routing store unavailable: routing waits for it",
                extra={"fields": {"event": event, "error": str(exc)}},
            )

    async def _guarded(self, event: str, work: Coroutine[Any, Any, None]) -> None:
        """Run store work unless routing waits; a failure suspends instead of raising."""
        if self.suspended:
            work.close()
            return
        with self._tolerant(event):
            await work

    async def rebuild(self) -> datetime:
        """Rebuild the whole store from the database; one process does it, the others wait.

        Offers the store no longer knows are revoked (the conversations wait again), every
        assigned conversation counts against its ambassador's capacity again, and every
        waiting one is queued again. Consoles come back with ``resume``, in each process.
        Returns when the database was read: load changes skipped since then (by processes
        waiting for the rebuild) are applied on ``resume(rebuilt_at=...)``.
        """
        now = self.clock()
        stores = await self.repository.stores()
        await self.store.reset()
        for store in stores:
            await self.store.put_store(store)
        self._stores = {store.id: store for store in stores}
        revoked = await self.repository.revoke_pending(None, now)
        for offer in revoked:
            self._forget_offer(offer.id)
            try:
                await self.notifier.revoked(offer, "rebuilt")
            except Exception:
                log.exception("telling a console its offer was revoked failed")
        loads: dict[str, float] = {}
        read_at = self.clock()
        for work in await self.repository.open_work(None):
            weight = self.config.weight(work.channel, work.capacity)
            loads[work.ambassador_id] = loads.get(work.ambassador_id, 0.0) + weight
        for ambassador_id, load in sorted(loads.items()):
            await self.store.add_load(ambassador_id, load)
            # Whoever does not come back (their process died with the state) leaves
            # their conversations to others after the grace period, as after a disconnect.
            self._arm_grace(ambassador_id)
        queued = await self.repository.queued_tickets()
        for ticket in queued:
            await self.store.enqueue(ticket)
        log.info(
            "routing state rebuilt from the database",
            extra={
                "fields": {
                    "queued": len(queued),
                    "ambassadors_with_work": len(loads),
                    "offers_revoked": len(revoked),
                }
            },
        )
        return read_at

    async def resume(self, rebuilt_at: datetime | None = None) -> None:
        """The store is (again) trustworthy: announce this process's consoles and route.

        Idempotent; every process runs it after a rebuild (``rebuilt_at``: when the rebuild
        read the database). If it fails, routing stays suspended and the error is raised.
        """
        self.suspended = False
        self.store_failed = False
        skipped, self._skipped = self._skipped, []
        try:
            for store in await self.repository.stores():
                await self.store.put_store(store)
            self._stores = dict(await self.store.stores())
            await self._revoke_older_offers(self._generation)
            await self._replay(skipped, rebuilt_at)
            await self.store.beat(self.process_id, self.clock() + self.config.process_timeout)
            available = await self._announce_consoles()
            waiting = await self._queue_missing()
            for ambassador_id in available:
                await self._match_ambassador(ambassador_id)
            for ticket in waiting:
                await self._match_ticket(ticket.conversation_id)
            for store_id in sorted(self._stores):
                await self._publish_queue(store_id)
        except BaseException:
            self.suspend()
            raise
        log.info(
            "routing resumed",
            extra={"fields": {"consoles": len(self._consoles), "queued_again": len(waiting)}},
        )

    async def _revoke_older_offers(self, generation: int) -> None:
        """Offers this process made before the state was lost (a claim that raced the loss):
        the rebuild did not count them, so they go back in line."""
        for offer_id, made_in in list(self._offers.items()):
            if made_in < generation:
                self._forget_offer(offer_id)
                offer = await self.repository.revoke_offer(offer_id, self.clock())
                if offer is not None:
                    await self.notifier.revoked(offer, "rebuilt")

    async def _replay(
        self, skipped: list[tuple[datetime, str, str, int]], rebuilt_at: datetime | None
    ) -> None:
        """Load changes skipped while waiting, made after the rebuild read the database
        (else the rebuild counted them already)."""
        for at, ambassador_id, channel, sign in skipped:
            if rebuilt_at is None or at < rebuilt_at:
                continue
            weight = self._weight(await self.store.ambassador(ambassador_id), channel)
            if sign > 0:
                await self.store.add_load(ambassador_id, weight)
            else:
                await self.store.finish(ambassador_id, weight, self.clock())

    async def _announce_consoles(self) -> list[str]:
        """Register this process's consoles with their presence; who is available."""
        for connection_id, profile in list(self._consoles.items()):
            await self.store.connect(profile, connection_id, self.process_id)
        available = []
        for ambassador_id, presence in sorted(self._presence.items()):
            await self.store.set_presence(ambassador_id, presence, self.clock())
            if presence is Presence.AVAILABLE:
                await self.store.clear_misses(ambassador_id)
                available.append(ambassador_id)
        return available

    async def _queue_missing(self, queued_before: datetime | None = None) -> list[Ticket]:
        """Waiting conversations the store does not know (enqueued while it was away, or by
        a process that died before telling routing), queued as the database has them.

        Cheap enough to run every few seconds: ids first, whole tickets only for those
        missing. ``queued_before`` leaves alone the ones whose enqueue may be on its way."""
        missing = await self.store.unknown(await self.repository.queued_ids(queued_before))
        if not missing:
            return []
        return [
            ticket
            for ticket in await self.repository.queued_tickets(missing)
            if await self.store.enqueue(ticket)
        ]

    async def refresh_presence(self) -> None:
        """Learn presence changed elsewhere (another process put someone away), so that a
        rebuild announces what the ambassador last had, not what they had here."""
        if self.suspended or not self._presence:
            return
        with self._tolerant("refresh_presence"):
            if not await self._keep_alive():
                return  # given up for dead: announced again instead, with what it had
            for ambassador_id in sorted(self._presence):
                ambassador = await self.store.ambassador(ambassador_id)
                if (
                    ambassador is not None
                    and ambassador.presence is not Presence.OFFLINE
                    and ambassador_id in self._presence
                ):
                    self._presence[ambassador_id] = ambassador.presence

    def _remember_offer(self, offer: OfferRecord, generation: int) -> None:
        self._offers[offer.id] = generation

    def _forget_offer(self, offer_id: str) -> None:
        self._offers.pop(offer_id, None)
        self.timers.cancel(f"offer:{offer_id}")

    async def put_store(self, store: StoreInfo) -> None:
        await self.store.put_store(store)
        self._stores[store.id] = store

    # -- administration: stores edited, settings changed, while running -------------------

    async def store_changed(self, store: StoreInfo) -> None:
        """A store was added or edited: this process routes with it at once; the others
        take it from the shared state with ``reload_stores``."""
        self._stores[store.id] = store
        await self._guarded("store_changed", self.store.put_store(store))

    async def reload_stores(self) -> None:
        """Take the store topology as the state store has it (another process wrote it)."""
        if self.suspended:
            return  # ``resume`` reads the stores from the database anyway
        with self._tolerant("reload_stores"):
            self._stores = dict(await self.store.stores())

    def reconfigure(self, config: RoutingConfig) -> None:
        """New settings for what happens from now on: the next offer's time-out, the next
        grace period, overflow and relaxing. Timers already armed keep their deadline."""
        self.config = config

    async def reweigh(self, old: RoutingConfig) -> None:
        """Channel weights changed: the work ambassadors hold counts at the new weights.
        Loads are shared by every process, so only the process that made the change calls
        this; someone whose load went down may be offered more at once."""
        if self.suspended:
            return  # the rebuild counts every conversation at the new weights
        with self._tolerant("reweigh"):
            deltas: dict[str, float] = {}
            for work in await self.repository.open_work(None):
                delta = self.config.weight(work.channel, work.capacity) - old.weight(
                    work.channel, work.capacity
                )
                deltas[work.ambassador_id] = deltas.get(work.ambassador_id, 0.0) + delta
            for ambassador_id, delta in sorted(deltas.items()):
                if delta > _EPSILON:
                    await self.store.add_load(ambassador_id, delta)
                elif delta < -_EPSILON:
                    await self.store.finish(ambassador_id, -delta, self.clock())
                    await self._match_ambassador(ambassador_id)

    # -- what a process killed outright leaves behind ------------------------------------

    async def start_reconciling(self) -> None:
        """Beat now, then reconcile every ``reconcile_every`` and look for conversations
        routing never heard of every ``unrouted_check_every``, until ``stop``."""
        self._reconciling = True
        await self.reconcile()
        self._arm_sweep("reconcile", self.config.reconcile_every, self.reconcile)
        self._arm_sweep("unrouted", self.config.unrouted_check_every, self.route_unheard)

    def _arm_sweep(
        self, key: str, every: timedelta, sweep: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        async def run() -> None:
            try:
                await sweep()
            except Exception:  # the database, say: the next sweep tries again
                log.warning("routing: a reconciliation failed", exc_info=True)
            finally:
                if self._reconciling:
                    self._arm_sweep(key, every, sweep)

        self.timers.arm(key, self.clock() + every, run)

    async def reconcile(self) -> None:
        """One sweep: renew this process's heartbeat, take over the consoles of processes
        whose heartbeat lapsed, and settle claims left open past their deadline."""
        if self.suspended:
            return
        with self._tolerant("reconcile"):
            await self._keep_alive()
            await self._reap()
            now = self.clock()
            for lapsed in await self.store.lapsed(
                now - self.config.lapse_margin, now + self.config.lapse_retry, SWEEP_LIMIT
            ):
                await self._lapsed(lapsed)

    async def _keep_alive(self) -> bool:
        """Renew the heartbeat. False when the store did not know this process (it was
        given up for dead, or the store was emptied): its consoles are announced again, so
        their ambassadors keep the presence they chose. The store may know it again soon
        after a false alarm; only the offers withdrawn meanwhile are lost."""
        until = self.clock() + self.config.process_timeout
        if await self.store.beat(self.process_id, until) or not self._consoles:
            return True
        log.warning(
            "routing: the store had given this process up; announcing its consoles again",
            extra={"fields": {"process_id": self.process_id, "consoles": len(self._consoles)}},
        )
        for ambassador_id in await self._announce_consoles():
            await self._match_ambassador(ambassador_id)
        for ambassador_id in sorted(self._local_ids()):
            await self._publish_stores_of(ambassador_id)
        return False

    async def _reap(self) -> None:
        """Consoles of a dead process count as disconnected, here: the grace, then offline."""
        lost = await self.store.reap(self.clock(), SWEEP_LIMIT)
        if not lost:
            return
        log.warning(
            "routing: a web process stopped beating; its consoles count as disconnected",
            extra={"fields": {"connections": len(lost)}},
        )
        for ambassador_id in sorted({ambassador_id for ambassador_id, _ in lost}):
            if await self.store.connections(ambassador_id) == 0:
                await self._left(ambassador_id)
                self._arm_grace(ambassador_id)

    async def _lapsed(self, lapsed: Lapsed) -> None:
        """A claim past its deadline: expire its offer as its maker's timer would have; if
        that did not end it (or it never became an offer), end it as the database says."""
        if lapsed.offer_id is not None and lapsed.offer_id in self._offers:
            return  # our own timer is late, not lost
        if lapsed.attempt == 1:
            if lapsed.offer_id is not None:
                await self.expire(lapsed.offer_id)
            return  # a claim whose maker may still be recording it: next time
        await self._end_orphaned_claim(lapsed)

    async def _end_orphaned_claim(self, lapsed: Lapsed) -> None:
        """Whoever held this claim died between the store and the database."""
        cid, holder_id = lapsed.conversation_id, lapsed.ambassador_id
        ticket = await self.store.ticket(cid)
        if ticket is None or await self.store.offered_to(cid) != holder_id:
            return  # ended meanwhile
        status = await self.repository.conversation_status(cid)
        log.warning(
            "routing: a claim outlived its process",
            extra={"fields": {"conversation_id": cid, "status": status}},
        )
        if status == "offered":  # recorded as an offer the store never heard of
            offer = await self.repository.revoke_offer_for(cid, self.clock())
            if offer is not None:
                await self.notifier.revoked(offer, "expired")
                await self._requeue_offer(offer)
                return
        if status == "assigned":  # accepted: the weight stays theirs
            await self.store.settle(cid)
            return
        holder = await self.store.ambassador(holder_id)
        requeue = ticket if status == "queued" else None
        await self.store.release(
            cid, holder_id, self._weight(holder, ticket.channel), requeue=requeue
        )
        if requeue is not None:
            await self._match_ticket(cid)
        await self._publish_queue(ticket.store_id)

    async def route_unheard(self) -> None:
        """Route conversations the database has had waiting for a while that the store does
        not know: their process died between the commit and telling routing."""
        if self.suspended:
            return
        with self._tolerant("route_unheard"):
            waiting = await self._queue_missing(self.clock() - self.config.unrouted_after)
            if waiting:
                log.warning(
                    "routing: waiting conversations routing never heard of, queued now",
                    extra={"fields": {"conversations": len(waiting)}},
                )
            for ticket in waiting:
                await self._match_ticket(ticket.conversation_id)
            for store_id in sorted({ticket.store_id for ticket in waiting}):
                await self._publish_queue(store_id)

    # -- events from the hub ------------------------------------------------------------

    async def enqueue(self, ticket: Ticket) -> None:
        """A conversation waits. Never raises for the store: the database has it queued."""
        if self.suspended:
            log.info(
                "routing waits for its store; the conversation stays queued",
                extra={"fields": {"conversation_id": ticket.conversation_id}},
            )
            return
        with self._tolerant("enqueue"):
            await self._enqueue(ticket)

    async def _enqueue(self, ticket: Ticket) -> None:
        if ticket.store_id not in self._stores:  # a store added since start-up
            for store in await self.repository.stores():
                await self.put_store(store)
        if not await self.store.enqueue(ticket):
            return  # already offered (another process got there): the claim stands
        self.metrics.inc("routing_enqueued_total", store=ticket.store_id)
        await self._match_ticket(ticket.conversation_id)
        await self._publish_queue(ticket.store_id)

    def _local_ids(self) -> set[str]:
        return {profile.id for profile in self._consoles.values()}

    async def connected(self, profile: AmbassadorProfile, connection_id: str) -> None:
        self.timers.cancel(f"grace:{profile.id}")
        if profile.id not in self._local_ids():
            self._presence[profile.id] = Presence.AWAY
        self._consoles[connection_id] = profile
        await self._guarded("connected", self._connect(profile, connection_id))

    async def _connect(self, profile: AmbassadorProfile, connection_id: str) -> None:
        await self.store.connect(profile, connection_id, self.process_id)
        known = await self.store.ambassador(profile.id)
        if known is not None:  # connected elsewhere already: take their presence
            self._presence[profile.id] = known.presence

    async def disconnected(self, ambassador_id: str, connection_id: str) -> None:
        """The last console gone: no offers meanwhile, conversations kept for the grace period."""
        self._consoles.pop(connection_id, None)
        if ambassador_id not in self._local_ids():
            self._presence.pop(ambassador_id, None)
        remaining = 0
        if not self.suspended:
            with self._tolerant("disconnected"):
                remaining = await self.store.disconnect(
                    ambassador_id, connection_id, self.process_id
                )
                if remaining == 0:
                    await self._left(ambassador_id)
        if remaining > 0:
            return
        # Also while the store is away: the grace timer checks the store when it fires.
        self._arm_grace(ambassador_id)

    async def _left(self, ambassador_id: str) -> None:
        """No console left anywhere: away, their offers go to others, shoppers told."""
        await self.store.set_presence(ambassador_id, Presence.AWAY, self.clock())
        await self._withdraw_offers(ambassador_id, "disconnected")
        await self._publish_stores_of(ambassador_id)

    async def consoles_of(self, ambassador_id: str) -> list[str]:
        """Their console connections in every process; this process's own while the store
        is away (the others' cannot be known then)."""
        local = [cid for cid, profile in self._consoles.items() if profile.id == ambassador_id]
        if not self.suspended:
            with self._tolerant("consoles_of"):
                return sorted(set(local) | set(await self.store.connection_ids(ambassador_id)))
        return sorted(local)

    async def retire(self, ambassador_id: str) -> None:
        """Deactivated: no grace period. Offline now, their offers go to others and their
        conversations back to the front of the line. While the store is away, the grace
        timer does it once the store is back (it re-arms until then)."""
        self.timers.cancel(f"grace:{ambassador_id}")
        if self.suspended:
            self._arm_grace(ambassador_id)
            return
        with self._tolerant("retire"):
            await self._withdraw_offers(ambassador_id, "deactivated")
            await self._gone(ambassador_id)
            await self._publish_stores_of(ambassador_id)
            return
        self._arm_grace(ambassador_id)

    def _arm_grace(self, ambassador_id: str) -> None:
        self.timers.arm(
            f"grace:{ambassador_id}",
            self.clock() + self.config.disconnect_grace,
            partial(self._grace_over, ambassador_id),
        )

    async def set_presence(self, ambassador_id: str, presence: Presence) -> Presence:
        """While the store is away the choice is kept here and applied when it returns."""
        if ambassador_id in self._local_ids():
            self._presence[ambassador_id] = presence
        if self.suspended:
            return presence
        with self._tolerant("set_presence"):
            result = await self.store.set_presence(ambassador_id, presence, self.clock())
            if result is Presence.AVAILABLE:
                await self.store.clear_misses(ambassador_id)
                await self._match_ambassador(ambassador_id)
            else:
                await self._withdraw_offers(ambassador_id, "unavailable")
            await self._publish_stores_of(ambassador_id)
            return result
        return presence

    async def _publish_stores_of(self, ambassador_id: str) -> None:
        """Someone came or went: waiting shoppers of their stores learn whether anyone is there."""
        ambassador = await self.store.ambassador(ambassador_id)
        if ambassador is not None:
            for store_id in sorted(ambassador.profile.store_ids):
                await self._publish_queue(store_id)

    async def accept(self, offer_id: str, ambassador_id: str) -> OfferRecord:
        now = self.clock()
        offer = await self.repository.accept(offer_id, ambassador_id, now)
        self._forget_offer(offer.id)
        await self._guarded("accept", self._settled(offer.conversation_id, ambassador_id))
        if offer.queued_at is not None:
            self.metrics.observe(
                "routing_wait_until_accept_seconds", (now - offer.queued_at).total_seconds()
            )
        self.metrics.inc("routing_offers_total", outcome="accepted")
        await self.notifier.assigned(offer)
        return offer

    async def _settled(self, conversation_id: str, ambassador_id: str) -> None:
        await self.store.settle(conversation_id)
        await self.store.clear_misses(ambassador_id)

    async def decline(self, offer_id: str, ambassador_id: str) -> OfferRecord:
        offer = await self.repository.decline(offer_id, ambassador_id, self.clock())
        self._forget_offer(offer.id)
        self.metrics.inc("routing_offers_total", outcome="declined")
        await self._guarded("decline", self._declined(offer, ambassador_id))
        return offer

    async def _declined(self, offer: OfferRecord, ambassador_id: str) -> None:
        await self._requeue_offer(offer)
        await self._match_ambassador(ambassador_id)

    async def expire(self, offer_id: str) -> None:
        self._offers.pop(offer_id, None)
        offer = await self.repository.expire(offer_id, self.clock())
        if offer is None:
            return
        self.metrics.inc("routing_offers_total", outcome="expired")
        await self.notifier.revoked(offer, "expired")
        await self._guarded("expire", self._expired(offer))

    async def _expired(self, offer: OfferRecord) -> None:
        await self._requeue_offer(offer)
        misses = await self.store.record_miss(offer.ambassador_id)
        if misses >= self.config.missed_offers_before_away:
            await self.store.set_presence(offer.ambassador_id, Presence.AWAY, self.clock())
            if offer.ambassador_id in self._presence:
                self._presence[offer.ambassador_id] = Presence.AWAY
            await self.store.clear_misses(offer.ambassador_id)
            await self._withdraw_offers(offer.ambassador_id, "unavailable")
            await self.notifier.presence_changed(
                offer.ambassador_id, Presence.AWAY, "missed_offers"
            )

    def _weight(self, ambassador: Ambassador | None, channel: str) -> float:
        """What a conversation on this channel takes of this ambassador's capacity."""
        return self.config.weight(channel, ambassador.profile.capacity if ambassador else 1.0)

    async def finished(self, ambassador_id: str, channel: str) -> None:
        """A conversation closed: its weight is free at once (or once the store is back)."""
        if self.suspended:
            self._skipped.append((self.clock(), ambassador_id, channel, -1))
            return
        with self._tolerant("finished"):
            await self._finished(ambassador_id, channel)

    async def _finished(self, ambassador_id: str, channel: str) -> None:
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
        if offer is not None:
            self._forget_offer(offer.id)
            await self.notifier.revoked(offer, "assigned_by_manager")
        self.timers.cancel(f"review:{conversation_id}")
        if self.suspended:
            self._skipped.append((self.clock(), ambassador_id, channel, +1))
            return
        with self._tolerant("take_by_hand"):
            await self._taken_by_hand(conversation_id, ambassador_id, channel, offer)

    async def _taken_by_hand(
        self, conversation_id: str, ambassador_id: str, channel: str, offer: OfferRecord | None
    ) -> None:
        ticket = await self.store.ticket(conversation_id)
        if offer is not None:
            holder = await self.store.ambassador(offer.ambassador_id)
            await self.store.release(
                conversation_id, offer.ambassador_id, self._weight(holder, channel), requeue=None
            )
            await self._match_ambassador(offer.ambassador_id)
        await self.store.settle(conversation_id)
        target = await self.store.ambassador(ambassador_id)
        await self.store.add_load(ambassador_id, self._weight(target, channel))
        if ticket is not None:
            await self._publish_queue(ticket.store_id)

    async def board(self, store_ids: list[str]) -> tuple[list[Ticket], list[Ambassador]]:
        """A manager's live view: who waits (in order) and who is connected, how loaded.

        Raises ``StoreUnavailable`` while the store is away: there is no live view then."""
        if self.suspended:
            raise StoreUnavailable("routing is waiting for its store")
        return await self.store.queued(store_ids, SCAN_LIMIT), await self.store.present(store_ids)

    async def presence_of(self, ambassador_id: str) -> Presence:
        """While the store is away: what this process knows, else "away" (not known gone)."""
        if not self.suspended:
            with self._tolerant("presence_of"):
                ambassador = await self.store.ambassador(ambassador_id)
                return ambassador.presence if ambassador else Presence.OFFLINE
        return self._presence.get(ambassador_id, Presence.AWAY)

    async def dropped(self, conversation_id: str) -> None:
        """Closed before anyone took it: it no longer waits."""
        self.timers.cancel(f"review:{conversation_id}")
        await self._guarded("dropped", self._dropped(conversation_id))

    async def _dropped(self, conversation_id: str) -> None:
        ticket = await self.store.ticket(conversation_id)
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
                        lambda: self._guarded("review", self._match_ticket(conversation_id)),
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
        generation = self._generation  # a loss of the store from here on revokes this offer
        # Should this process die before the offer is recorded, others take the claim back.
        lapse_at = self.clock() + self.config.offer_timeout
        claimed = await self.store.claim(
            ticket.conversation_id, ambassador.id, weight, lapse_at=lapse_at
        )
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
        self._remember_offer(offer, generation)
        self.timers.arm(f"offer:{offer.id}", offer.expires_at, lambda: self.expire(offer.id))
        await self.store.record_offer(ticket.conversation_id, offer.id, offer.expires_at)
        self.metrics.observe(
            "routing_wait_until_offer_seconds", (now - ticket.enqueued_at).total_seconds()
        )
        await self.notifier.offered(offer, claimed)
        await self._publish_queue(ticket.store_id)
        return weight

    async def _requeue_offer(self, offer: OfferRecord) -> None:
        """Back in line at its old place; the same ambassador is not asked twice in a row."""
        self._forget_offer(offer.id)
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
        """Gone past the grace period: offline, and their conversations go first in line.

        Not if they came back meanwhile, on any process; and while the store is away,
        nobody can tell: ask again after another grace period."""
        if not self.suspended:
            with self._tolerant("grace"):
                if await self.store.connections(ambassador_id) == 0:
                    await self._gone(ambassador_id)
                return
        self._arm_grace(ambassador_id)

    async def _gone(self, ambassador_id: str) -> None:
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
