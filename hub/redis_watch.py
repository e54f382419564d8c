"""PostgreSQL is the truth, Redis is rebuildable: notice when Redis goes away or comes back
empty, and have routing rebuilt from the database.

Redis holds routing's working state (queues, loads, offers on the way, presence), a cache of
what the database records plus what the consoles say. Each web process runs one watcher
that reads ``<HUB_REDIS_PREFIX>routing:epoch`` every second:

- Redis unreachable: routing waits (``RoutingService.suspend``); messages are still stored
  and acknowledged, conversations stay ``queued`` in the database, ``/healthz`` says so.
- The epoch is missing (Redis restarted empty), or this process lost writes (it saw Redis
  down, or a call failed half-way): one process, holding a ``SET NX`` lock with a TTL,
  empties the routing keys and rebuilds them from the database (``RoutingService.rebuild``),
  then writes a new epoch. Until then the (fenced) store claims nothing.
- A new epoch: this process announces its own consoles with their presence again, queues
  whatever the store does not know and routes (``RoutingService.resume``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import datetime

import socketio
from aiohttp import web
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from routing.redis_store import RedisRoutingStore
from routing.service import RoutingService
from routing.store import StoreUnavailable

log = logging.getLogger("hub.redis")
CHECK_EVERY_SECONDS = 1.0
WAITING_CHECK_SECONDS = 0.05  # while another process rebuilds: resume soon after it
PROBE_TIMEOUT_SECONDS = 1.0
REBUILD_LOCK_SECONDS = 30  # longer than any rebuild; a crashed rebuilder frees it by expiry
REFRESH_PRESENCE_EVERY = 5  # checks


class RedisWatch:
    def __init__(
        self,
        store: RedisRoutingStore,
        routing: RoutingService,
        *,
        interval: float = CHECK_EVERY_SECONDS,
        probe_timeout: float = PROBE_TIMEOUT_SECONDS,
        lock_seconds: int = REBUILD_LOCK_SECONDS,
    ) -> None:
        self.store = store
        self.routing = routing
        self.interval = interval
        self.probe_timeout = probe_timeout
        self.lock_seconds = lock_seconds
        self.epoch: str | None = None  # the rebuild this process's routing is in step with
        self.reachable = True
        self.rebuilds = 0  # how many rebuilds this process did
        self._checks = 0
        self._waiting = False  # for another process's rebuild
        self._one_at_a_time = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """First check before the hub serves (rebuilding if Redis is empty), then every second.

        Redis down at start is no reason not to serve: routing waits for it."""
        try:
            await self.check()
        except Exception:
            log.exception("redis: the first check failed; routing waits and checks again")
            self.routing.suspend()
        self._task = asyncio.create_task(self._run(), name="redis:watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            pause = min(self.interval, WAITING_CHECK_SECONDS) if self._waiting else self.interval
            await asyncio.sleep(pause)
            try:
                await self.check()
            except Exception:
                log.exception("redis: check failed; trying again")

    async def check(self) -> None:
        """One look at Redis, and whatever it calls for. Never overlaps itself."""
        async with self._one_at_a_time:
            self._checks += 1
            try:
                async with asyncio.timeout(self.probe_timeout):
                    epoch = await self.store.epoch()
            except (StoreUnavailable, TimeoutError) as exc:
                self._unreachable(exc)
                return
            try:
                await self._act_on(epoch)
            except StoreUnavailable as exc:  # lost again half-way through
                self._unreachable(exc)

    async def _act_on(self, epoch: str | None) -> None:
        lost_writes = not self.reachable or self.routing.store_failed
        if not self.reachable:
            log.warning("redis is reachable again")
            self.reachable = True
        if lost_writes and epoch is not None and epoch == self.epoch:
            # Some writes of this process never reached Redis: rebuild, don't patch.
            await self.store.forget_epoch(epoch)
            epoch = None
        if epoch is None:
            self.routing.suspend()
            epoch = await self._rebuild()
            if epoch is None:
                if not self._waiting:
                    log.info("redis: another process is rebuilding routing state; waiting")
                self._waiting = True
                return  # routing waits for that process's epoch
        self._waiting = False
        if epoch != self.epoch or self.routing.suspended:
            await self.routing.resume(rebuilt_at=_rebuilt_at(epoch))
            self.epoch = epoch
        elif self._checks % REFRESH_PRESENCE_EVERY == 0:
            await self.routing.refresh_presence()

    def _unreachable(self, exc: BaseException) -> None:
        if self.reachable:
            log.warning(
                "redis is unreachable: messages are still stored, routing waits for it",
                extra={"fields": {"error": str(exc) or type(exc).__name__}},
            )
        self.reachable = False
        self.routing.suspend()

    async def _rebuild(self) -> str | None:
        """Rebuild if no other process does; the new epoch, or None if another one does."""
        token = secrets.token_hex(16)
        if not await self.store.begin_rebuild(token, self.lock_seconds):
            return None
        try:
            read_at = await self.routing.rebuild()
            epoch = f"{secrets.token_hex(16)}@{read_at.isoformat()}"
            if not await self.store.end_rebuild(token, epoch):
                log.warning("redis: the rebuild lock expired; another process rebuilds")
                return None
        except BaseException:
            with contextlib.suppress(Exception):
                await self.store.abandon_rebuild(token)
            raise
        self.rebuilds += 1
        return epoch


def _rebuilt_at(epoch: str) -> datetime | None:
    """When the rebuild that wrote ``epoch`` read the database (``token@ISO time``)."""
    _, _, when = epoch.partition("@")
    try:
        return datetime.fromisoformat(when)
    except ValueError:
        return None


REDIS_WATCH = web.AppKey("redis_watch", RedisWatch)


def quick_failing_pubsub(sio: socketio.AsyncServer) -> None:
    """socket.io's Redis manager, tuned for a Redis that may vanish: with redis-py's default
    retries each emit would wait seconds for a dead Redis (twice), and an emit is awaited
    before a message is acknowledged. Emits then reach this process's clients at once and
    give up on the others quickly; the listener reconnects and subscribes again by itself.
    Call before the server's first connection (the manager connects lazily)."""
    manager = sio.manager
    if isinstance(manager, socketio.AsyncRedisManager):
        manager.redis_options.update(
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 3),
        )
