"""Keyed timers on top of the Timers port: one per key, re-arming replaces, cancel by key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from routing.ports import Timers


class KeyedTimers:
    def __init__(self, timers: Timers) -> None:
        self.timers = timers
        self._armed: dict[str, tuple[datetime, Callable[[], None]]] = {}

    def arm(
        self,
        key: str,
        when: datetime,
        callback: Callable[[], Awaitable[None]],
        *,
        keep_earlier: bool = False,
    ) -> None:
        current = self._armed.get(key)
        if current is not None:
            if keep_earlier and current[0] <= when:
                return
            current[1]()

        async def fire() -> None:
            if self._armed.get(key, (None,))[0] == when:
                del self._armed[key]
            await callback()

        self._armed[key] = (when, self.timers.call_at(when, fire))

    def cancel(self, key: str) -> None:
        current = self._armed.pop(key, None)
        if current is not None:
            current[1]()

    def cancel_all(self) -> None:
        for _, cancel in self._armed.values():
            cancel()
        self._armed.clear()

    def __contains__(self, key: str) -> bool:
        return key in self._armed
