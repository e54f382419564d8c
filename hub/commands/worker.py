"""``hub worker``: runs queued jobs from Redis with rq (production mode only)."""

from __future__ import annotations

from hub.errors import HubError
from hub.settings import Settings

QUEUES = ("outbound", "default")


def work(settings: Settings) -> None:
    if not settings.redis_url:
        raise HubError(
            "hub worker needs HUB_REDIS_URL; without Redis, `hub serve` runs jobs in-process"
        )
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(settings.redis_url)
    queues = [Queue(name, connection=connection) for name in QUEUES]
    Worker(queues, connection=connection).work(with_scheduler=True)
