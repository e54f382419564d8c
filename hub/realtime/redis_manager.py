"""socket.io's Redis client manager, with a pool that waits instead of failing.

python-socketio's ``AsyncRedisManager`` publishes every emit on a client made by
``Redis.from_url``, whose pool (redis-py ≥ 6) holds at most 100 connections and raises
``MaxConnectionsError`` beyond that instead of waiting. A burst of concurrent emits (a group
commit acknowledging a hundred messages at once, each told to a shopper and an ambassador)
exceeds it; the manager then logs an error, builds a whole new client (the old pool is never
closed) and tries once more — and if that fails too, the event never reaches the other
processes. A blocking pool makes a burst queue for a few connections instead.
"""

from __future__ import annotations

import socketio
from redis.asyncio import BlockingConnectionPool, Redis

# Publishing takes well under a millisecond: a few connections carry any burst. One more is
# held for good by the subscription that receives the other processes' events.
PUBLISH_CONNECTIONS = 16
# How long an emit may wait for a free connection before it is given up (logged).
POOL_WAIT_SECONDS = 10.0


class RedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    def _redis_connect(self) -> None:
        options = {
            "max_connections": PUBLISH_CONNECTIONS + 1,
            "timeout": POOL_WAIT_SECONDS,
            **self.redis_options,  # time-outs and retries, as the manager's owner set them
        }
        pool = BlockingConnectionPool.from_url(self.redis_url, **options)
        self.redis = Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True
