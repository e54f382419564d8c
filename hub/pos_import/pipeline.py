"""Writing one batch while the next is read, so Python and the database work at once.

Parsing is CPU work in this process; writing a batch is mostly the database's work in
another. Done one after the other, each waits for the other; overlapped, an import takes
about as long as the slower of the two. One batch is written while one is filled, so
memory stays at two batches, and batches still commit in file order (a later line is
checked against the lines committed before it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Generic, TypeVar

Batch = TypeVar("Batch")


class BatchWriter(Generic[Batch]):
    """Runs ``write`` for each submitted batch in the background, one at a time."""

    def __init__(self, write: Callable[[Batch], Coroutine[None, None, None]]) -> None:
        self._write = write
        self._pending: asyncio.Task[None] | None = None

    async def submit(self, batch: Batch) -> None:
        """Start writing ``batch`` once the previous one is written (raising its error)."""
        await self.drain()
        self._pending = asyncio.create_task(self._write(batch))
        await asyncio.sleep(0)  # let it send its first statement

    async def pause(self) -> None:
        """Give the writer a turn: it needs the event loop to send each next statement,
        which the reader, busy parsing, only yields here."""
        if self._pending is not None:
            await asyncio.sleep(0)

    async def drain(self) -> None:
        """Wait for the batch being written; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            await pending

    async def abandon(self) -> None:
        """The reader failed: let the batch being written end on its own (commit or roll
        back; a re-run skips what it committed). Cancelling it mid-statement could leave
        its driver connection neither returned nor closed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            await asyncio.wait({pending})  # its own error is the reader's to report, not this
            if not pending.cancelled():
                pending.exception()  # retrieved: asyncio need not warn it was never seen
