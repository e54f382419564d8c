"""The one place socket handlers turn errors into acks and report in-flight work."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import socketio

from hub.errors import HubError

log = logging.getLogger("hub.realtime")

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


class Inflight:
    """Counts handlers running now, so shutdown can let acknowledged writes finish."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, grace_seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), grace_seconds)
        except TimeoutError:
            return False
        return True


def error_ack(exc: HubError) -> dict[str, Any]:
    return exc.as_payload()


def acked(handler: Handler) -> Handler:
    """Wrap an event handler: HubError → ``{error}`` ack, anything else logged + generic error."""

    @functools.wraps(handler)
    async def wrapper(*args: Any) -> Any:
        try:
            return await handler(*args)
        except HubError as exc:
            return error_ack(exc)
        except Exception:
            log.exception("socket handler failed", extra={"fields": {"handler": handler.__name__}})
            return {"error": {"code": "internal_error", "message": "something went wrong"}}

    return wrapper  # type: ignore[return-value]


class TrackedNamespace(socketio.AsyncNamespace):
    """A namespace that counts running handlers, so shutdown waits for acknowledged writes."""

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self.inflight = Inflight()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        self.inflight.enter()
        try:
            return await super().trigger_event(event, *args)
        finally:
            self.inflight.leave()


def payload_dict(data: Any) -> dict[str, Any]:
    """Event payloads are objects; anything else is treated as an empty one."""
    return data if isinstance(data, dict) else {}
