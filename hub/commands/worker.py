"""``hub worker``: runs queued jobs from Redis with rq (production mode only)."""

from __future__ import annotations

import asyncio
import logging

from hub.errors import HubError
from hub.settings import Settings

log = logging.getLogger("hub.worker")


def work(settings: Settings) -> None:
    if not settings.redis_url:
        raise HubError(
            "hub worker needs HUB_REDIS_URL; without Redis, `hub serve` runs jobs in-process"
        )
    from redis import Redis
    from rq import Queue, Worker

    from hub.jobs import rq_queue
    from hub.mail.delivery import warn_if_no_relay

    warn_if_no_relay(settings)
    # The tables are the source of truth: whatever Redis lost (a flush, a failover) or a
    # crashed job left behind is queued again before the first job runs.
    recovered = asyncio.run(rq_queue.recover(settings))
    log.info("worker starting", extra={"fields": {"recovered_jobs": recovered}})
    connection = Redis.from_url(settings.redis_url)
    queues = [Queue(rq_queue.queue_name(settings), connection=connection)]
    Worker(queues, connection=connection).work(with_scheduler=True)
