"""Background work started after a commit, tracked so shutdown can wait for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("hub.tasks")


class BackgroundTasks:
    """Fire-and-track: errors are logged, never lost; drain() waits for stragglers."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.accepting = True

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> None:
        if not self.accepting:
            coro.close()
            return
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "background task failed",
                exc_info=task.exception(),
                extra={"fields": {"task": task.get_name()}},
            )

    async def drain(self, grace_seconds: float) -> None:
        self.accepting = False
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
            for task in pending:
                task.cancel()

    def __len__(self) -> int:
        return len(self._tasks)
