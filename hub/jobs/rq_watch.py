"""``hub worker``'s guard beside rq's work loop: Redis may lose the jobs, the tables do not.

A thread checks ``<HUB_REDIS_PREFIX>jobs:epoch`` every second. The worker writes it after
queueing every pending row at start; when it is missing (Redis restarted empty, or was
flushed) or Redis was unreachable for a while (enqueues made meanwhile failed), one worker
(``SET NX`` lock) queues every pending row again from the tables, scheduled ones included.
A sweep every minute queues rows overdue by a minute that no job picked up, while the
queue is idle. rq's scheduler process (which moves scheduled jobs onto the queue) dies
when Redis goes away; the thread starts it again instead of waiting for rq's maintenance,
ten minutes later.

Recovered jobs have ids derived from their rows, so recovering twice queues a row once;
handlers claim their row atomically, so a recovered job beside an original runs once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import threading
import time
from datetime import timedelta
from types import FrameType
from typing import Any

from redis import Redis
from rq import Queue, Worker

from hub.clock import system_clock
from hub.jobs import rq_queue
from hub.settings import Settings

SCHEDULER_STOP_SECONDS = 5.0
log = logging.getLogger("hub.worker")
CHECK_EVERY_SECONDS = 1.0
SWEEP_EVERY_SECONDS = 60.0
OVERDUE = timedelta(seconds=60)
RECOVERY_LOCK_SECONDS = 300


def epoch_key(settings: Settings) -> str:
    return f"{settings.redis_prefix}jobs:epoch"


def _lock_key(settings: Settings) -> str:
    return f"{settings.redis_prefix}jobs:recovering"


class HubWorker(Worker):
    """rq's worker, remembering whether it was asked to stop (else it stopped on its own,
    on an error such as a lost Redis, and ``hub worker`` starts another one)."""

    stop_asked = False

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)


class RqWatch:
    def __init__(
        self,
        settings: Settings,
        *,
        interval: float = CHECK_EVERY_SECONDS,
        sweep_every: float = SWEEP_EVERY_SECONDS,
    ) -> None:
        self.settings = settings
        self.interval = interval
        self.sweep_every = sweep_every
        self.connection: Redis = rq_queue.redis_client(settings)
        self.queue = Queue(rq_queue.queue_name(settings), connection=self.connection)
        self._worker: HubWorker | None = None  # the rq worker at work, for its scheduler
        self._worker_lock = threading.Lock()
        self.reachable = True
        self._next_sweep = time.monotonic() + sweep_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the thread -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rq-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.connection.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:
                log.exception("jobs: checking Redis failed; trying again")

    def check(self) -> None:
        try:
            epoch = self.connection.get(epoch_key(self.settings))
        except rq_queue.REDIS_UNAVAILABLE as exc:
            if self.reachable:
                log.warning(
                    "jobs: Redis is unreachable; pending work waits in the tables",
                    extra={"fields": {"error": str(exc)}},
                )
            self.reachable = False
            return
        if epoch is None or not self.reachable:
            # Emptied, or enqueues may have failed while it was away. Until this succeeds
            # (the database may be down too) it is tried again every second.
            self.recover_all("redis_emptied" if epoch is None else "redis_back")
        elif time.monotonic() >= self._next_sweep:
            self._sweep()
        self.reachable = True
        self._ensure_scheduler()

    # -- recovery ---------------------------------------------------------------------------

    def recover_all(self, reason: str) -> int | None:
        """Queue every pending row again and mark Redis as holding them; None when another
        worker is doing it. Raises when Redis or the database is unavailable."""
        token = secrets.token_hex(8)
        lock = _lock_key(self.settings)
        if not self.connection.set(lock, token, nx=True, ex=RECOVERY_LOCK_SECONDS):
            return None
        try:
            queued = asyncio.run(rq_queue.recover(self.settings))
            self.connection.set(epoch_key(self.settings), token)
        finally:
            if self.connection.get(lock) == token.encode():
                self.connection.delete(lock)
        self._next_sweep = time.monotonic() + self.sweep_every
        log.info(
            "jobs recovered from the tables", extra={"fields": {"count": queued, "reason": reason}}
        )
        return queued

    def _sweep(self) -> None:
        """Rows overdue by a while that no job took: their job was lost (an enqueue that failed,
        a flush without restart). Only while the queue is idle: a backlog is not a loss."""
        self._next_sweep = time.monotonic() + self.sweep_every
        if self.queue.count > 0:
            return
        due_before = system_clock() - OVERDUE
        queued = asyncio.run(rq_queue.recover(self.settings, due_before=due_before))
        if queued:
            log.warning("jobs: overdue rows queued again", extra={"fields": {"count": queued}})

    def attach(self, worker: HubWorker) -> None:
        with self._worker_lock:
            self._worker = worker

    def detach(self, worker: HubWorker) -> None:
        """The worker's loop ended: no scheduler of its own may outlive it (a process left
        running would also hold ``hub worker`` open at exit)."""
        with self._worker_lock:
            self._worker = None
        process = worker.scheduler._process if worker.scheduler is not None else None
        if process is not None and process.is_alive():
            # rq's stop_scheduler joins without a bound; a scheduler stuck in a Redis call
            # would hold ``hub worker`` open on SIGTERM forever. Ask, wait, then insist.
            process.terminate()
            process.join(SCHEDULER_STOP_SECONDS)
            if process.is_alive():
                log.warning("rq scheduler did not stop; killing it")
                process.kill()
                process.join(SCHEDULER_STOP_SECONDS)
        # Its command channel's thread too (rq's teardown leaves it when Redis is away).
        if worker.pubsub_thread is not None:
            worker.pubsub_thread.stop()

    def _ensure_scheduler(self) -> None:
        """rq's scheduler process exits on a Redis error; rq restarts it only in its
        ten-minute maintenance. Start it again now (if this worker may hold the lock)."""
        with self._worker_lock:
            worker = self._worker
            scheduler = worker.scheduler if worker is not None else None
            if scheduler is None:
                return
            process = scheduler._process
            if process is None or not process.is_alive():
                scheduler.acquire_locks(auto_start=True)
                if scheduler._process is not None and scheduler._process is not process:
                    log.info("jobs: rq scheduler started again")

    # -- between two rq workers -------------------------------------------------------------

    def wait_for_redis(self) -> bool:
        """After rq's worker gave up: wait until Redis answers again; False on SIGTERM/SIGINT."""
        asked = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            asked.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        delay = 0.1
        while not asked.wait(delay):
            try:
                self.connection.ping()
                return True
            except rq_queue.REDIS_UNAVAILABLE:
                delay = min(delay * 2, 2.0)
        return False
