"""Group commit: concurrent writers share one transaction.

Each caller submits its item and waits for its own result. While one batch is being
written, newcomers queue; when it commits, the next batch takes every item that waited.
Nobody waits for a timer: a lone writer is written at once, and under load the batches
grow by themselves, so a burst costs a few transactions instead of one per item.

``write`` gets the batch and returns one outcome per item, in order: a value or an
exception for that item alone (it decides how one bad item is kept from failing the
others). If ``write`` itself raises, every item of the batch gets that error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger("hub.db.group_commit")

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        write: Callable[[Sequence[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_batch: int = 100,
        name: str = "group-commit",
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._write = write
        self.max_batch = max_batch
        self.name = name
        self._on_batch = on_batch
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        return self._writer is not None

    async def submit(self, item: T) -> R:
        """Wait until the batch holding ``item`` is committed; its own result or error.

        A caller cancelled while its batch is being written does not stop the write (the
        item may end up stored, like a request whose answer was lost); one cancelled
        before its batch started is left out."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._run(), name=self.name)
        return await future

    async def idle(self) -> None:
        """Return once nothing is queued or being written (for shutdown)."""
        while self._writer is not None:
            await asyncio.shield(self._writer)

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch = [(i, f) for i, f in self._waiting[: self.max_batch] if not f.done()]
                del self._waiting[: self.max_batch]
                if batch:
                    await self._write_batch(batch)
        finally:
            self._writer = None

    async def _write_batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        if self._on_batch is not None:
            self._on_batch(len(batch))
        try:
            outcomes = await self._write([item for item, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                if not future.done():
                    future.cancel()
            raise
        except Exception as exc:
            log.exception("a batched write failed", extra={"fields": {"items": len(batch)}})
            outcomes = [exc] * len(batch)
        if len(outcomes) != len(batch):
            error = RuntimeError(f"{self.name}: {len(outcomes)} outcomes for {len(batch)} items")
            outcomes = [error] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
