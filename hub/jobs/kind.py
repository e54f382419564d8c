"""What a job kind is, what its handler receives, and the one port the hub schedules through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from hub.clock import Clock
from hub.db.engine import Database
from hub.settings import Settings


class Jobs(Protocol):
    """Schedules work; the row it names must be committed before this is called."""

    async def schedule(self, kind: str, key: str, at: datetime | None = None) -> None:
        """Run ``kind``'s handler for ``key`` at ``at`` (None: now)."""


class JobRunner(Jobs, Protocol):
    """A ``Jobs`` the composition root starts with the app and stops on shutdown."""

    async def start(self) -> None: ...

    async def stop(self, grace_seconds: float = 10.0) -> None: ...


@dataclass(frozen=True)
class JobContext:
    """What a handler may use; built per process (in-process) or per job (rq)."""

    db: Database
    clock: Clock
    settings: Settings
    jobs: Jobs  # to schedule a retry or a follow-up


Handler = Callable[[JobContext, str], Awaitable[None]]
# Pending work of one kind: (key, when it is due); a claimed row is due when its lease ends.
DueQuery = Callable[[AsyncSession, datetime], Awaitable[list[tuple[str, datetime]]]]


@dataclass(frozen=True)
class JobKind:
    name: str
    handle: Handler
    due: DueQuery
