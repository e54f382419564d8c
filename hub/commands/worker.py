"""``hub worker``: runs queued jobs from Redis with rq (production mode only).

The tables are the source of truth: whatever Redis lost (a restart of a Redis that keeps
nothing on disk, a flush, a failover) or a crashed job left behind is queued again — at
start, whenever Redis comes back empty, and in a periodic sweep (``hub.jobs.rq_watch``).
rq's worker quits on some Redis errors; this command then waits for Redis and starts a new
one, until it is asked to stop.
"""

from __future__ import annotations

import logging

from hub.errors import HubError
from hub.settings import Settings

log = logging.getLogger("hub.worker")


def work(settings: Settings) -> None:
    if not settings.redis_url:
        raise HubError(
            "hub worker needs HUB_REDIS_URL; without Redis, `hub serve` runs jobs in-process"
        )
    from rq import Queue

    from hub.jobs import rq_queue
    from hub.jobs.rq_watch import HubWorker, RqWatch
    from hub.mail.delivery import warn_if_no_relay

    warn_if_no_relay(settings)
    watch = RqWatch(settings)
    try:
        recovered = watch.recover_all("start")
    except rq_queue.REDIS_UNAVAILABLE:
        recovered = None  # the watch recovers once Redis answers
        log.warning("worker starting while Redis is unavailable")
    log.info("worker starting", extra={"fields": {"recovered_jobs": recovered}})
    watch.start()
    try:
        while True:
            worker: HubWorker | None = None
            try:
                connection = rq_queue.redis_client(settings, blocking=True)
                queues = [Queue(rq_queue.queue_name(settings), connection=connection)]
                worker = HubWorker(queues, connection=connection)
                watch.attach(worker)
                worker.work(with_scheduler=True)
            except rq_queue.REDIS_UNAVAILABLE as exc:
                log.warning("rq worker lost Redis", extra={"fields": {"error": str(exc)}})
            finally:
                if worker is not None:
                    watch.detach(worker)
            if worker is not None and worker.stop_asked:
                return
            log.warning("rq worker stopped on its own; starting another once Redis answers")
            if not watch.wait_for_redis():
                return
    finally:
        watch.stop()
