"""Group commit: batches form by themselves, each caller gets its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from hub.db.group_commit import GroupCommit


class Writer:
    """Records batches; ``hold`` keeps the current write open until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.hold: asyncio.Event | None = None

    async def write(self, items: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        if self.hold is not None:
            await self.hold.wait()
        return [ValueError(f"bad {i}") if i < 0 else i * 10 for i in items]


async def test_a_lone_item_is_written_at_once() -> None:
    writer = Writer()
    group = GroupCommit(writer.write)
    assert await group.submit(1) == 10
    assert writer.batches == [[1]]
    assert not group.busy


async def test_concurrent_items_share_one_batch() -> None:
    writer = Writer()
    group = GroupCommit(writer.write)
    results = await asyncio.gather(*(group.submit(i) for i in range(20)))
    assert results == [i * 10 for i in range(20)]
    assert writer.batches == [list(range(20))]


async def test_items_arriving_during_a_write_form_the_next_batch() -> None:
    writer = Writer()
    writer.hold = asyncio.Event()
    group = GroupCommit(writer.write)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert writer.batches == [[1]]
    later = [asyncio.create_task(group.submit(i)) for i in (2, 3, 4)]
    await asyncio.sleep(0)
    assert writer.batches == [[1]]  # they wait for the write in flight
    writer.hold.set()
    assert await first == 10
    assert [await task for task in later] == [20, 30, 40]
    assert writer.batches == [[1], [2, 3, 4]]


async def test_batches_are_capped() -> None:
    writer = Writer()
    group = GroupCommit(writer.write, max_batch=3)
    await asyncio.gather(*(group.submit(i) for i in range(7)))
    assert writer.batches == [[0, 1, 2], [3, 4, 5], [6]]


async def test_one_failing_item_fails_alone() -> None:
    writer = Writer()
    group = GroupCommit(writer.write)
    results = await asyncio.gather(*(group.submit(i) for i in (1, -1, 2)), return_exceptions=True)
    assert results[0] == 10 and results[2] == 20
    assert isinstance(results[1], ValueError)


async def test_a_failing_write_fails_every_item_of_its_batch_only() -> None:
    calls = 0

    async def write(items: Sequence[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database down")
        return list(items)

    group = GroupCommit(write)
    results = await asyncio.gather(*(group.submit(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await group.submit(5) == 5


async def test_a_caller_cancelled_before_its_batch_is_left_out() -> None:
    writer = Writer()
    writer.hold = asyncio.Event()
    group = GroupCommit(writer.write)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)
    gone = asyncio.create_task(group.submit(2))
    kept = asyncio.create_task(group.submit(3))
    await asyncio.sleep(0)
    gone.cancel()
    writer.hold.set()
    assert (await first, await kept) == (10, 30)
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert writer.batches == [[1], [3]]


async def test_idle_waits_for_the_write_in_flight() -> None:
    writer = Writer()
    writer.hold = asyncio.Event()
    group = GroupCommit(writer.write)
    task = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(group.idle())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    writer.hold.set()
    await waiting
    assert task.done() and task.result() == 10
