"""Token-bucket rate limits for logins and anonymous endpoints.

In-process buckets suit the embedded mode; the limiter sits behind a small protocol so
production can swap in a shared store.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hub.errors import RateLimited


class Limiter(Protocol):
    def hit(self, key: str) -> None:
        """Count one request for key; raise RateLimited when over the limit."""


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """Allows ``burst`` requests at once, refilled at ``per_minute`` per minute per key."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def hit(self, key: str) -> None:
        now = self.clock()
        bucket = self._buckets.pop(key, None) or _Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens < 1:
            raise RateLimited(retry_after=(1 - bucket.tokens) / self.rate)
        bucket.tokens -= 1
