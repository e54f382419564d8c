"""``hub`` under bench conditions: ``python -m bench.relay.hubproc [options] serve ...``.

Runs the real ``hub`` command line (``hub.cli.main``) in this process, after:

- ``--loop uvloop``: installing uvloop's event loop policy, for a hub without its own
  ``HUB_EVENT_LOOP`` setting (the bench passes that setting too);
- ``--cprofile FILE``: running it under cProfile and writing the stats at exit (py-spy,
  attached from outside, is the better profiler; this is the fallback);
- ``--sql-counts FILE``: counting what the hub sends to its database (statements by kind
  and table, commits, rollbacks, pool checkouts, and the batched inbox write that goes to
  the driver directly), written as JSON to FILE every half second when they changed, so
  the bench can report statements per message;
- ``--gc-log FILE``: every garbage collection (generation, pause in ms, objects
  collected, wall-clock time), written as JSON every half second, so the bench can tell
  collector pauses from a busy loop.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.relay import loops

WRITE_SECONDS = 0.5  # the bench waits longer than this before reading
TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)', re.IGNORECASE)


def count_sql(path: Path) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    counts: Counter[str] = Counter()

    def statement(*args: Any) -> None:
        text = str(args[2]).lstrip()
        kind = text.split(None, 1)[0].upper() if text else "?"
        table = TABLE.search(text)
        counts[f"{kind} {table[1]}" if table else kind] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", lambda *_: counts.update(["COMMIT"]))
    event.listen(Engine, "rollback", lambda *_: counts.update(["ROLLBACK"]))
    event.listen(Pool, "checkout", lambda *_: counts.update(["checkout"]))
    _count_driver_batches(counts)

    def write() -> None:
        written = -1
        while True:
            time.sleep(WRITE_SECONDS)
            total = sum(counts.values())
            if total == written:
                continue
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps(dict(counts)))
            partial.replace(path)
            written = total

    threading.Thread(target=write, name="sql-counts", daemon=True).start()


def _count_driver_batches(counts: Counter[str]) -> None:
    """The batched inbox write on PostgreSQL goes to asyncpg directly, where SQLAlchemy's
    events do not see it: one statement, its own transaction."""
    from hub.inbox_batch import InboundBatches

    original = InboundBatches._postgresql

    async def counted(self: Any, batch: Any) -> Any:
        counts.update(["WRITE batch (one statement)"])
        return await original(self, batch)

    InboundBatches._postgresql = counted  # type: ignore[method-assign]


def log_gc(path: Path) -> None:
    import gc

    pauses: list[tuple[int, float, int, float]] = []
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        elapsed = (time.perf_counter() - started[0]) * 1000
        pauses.append((info["generation"], elapsed, info["collected"], time.time()))

    gc.callbacks.append(callback)

    def write() -> None:
        written = -1
        while True:
            time.sleep(WRITE_SECONDS)
            if len(pauses) == written:
                continue
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps(pauses))
            partial.replace(path)
            written = len(pauses)

    threading.Thread(target=write, name="gc-log", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.relay.hubproc")
    parser.add_argument("--loop", default="asyncio", choices=loops.LOOPS)
    parser.add_argument("--cprofile", metavar="FILE")
    parser.add_argument("--sql-counts", metavar="FILE", type=Path)
    parser.add_argument("--gc-log", metavar="FILE", type=Path)
    args, rest = parser.parse_known_args(argv)
    loops.install(args.loop)
    if args.sql_counts:
        count_sql(args.sql_counts)
    if args.gc_log:
        log_gc(args.gc_log)
    from hub.cli import main as hub_main

    if not args.cprofile:
        hub_main(rest)
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        hub_main(rest)
    finally:
        profiler.disable()
        profiler.dump_stats(args.cprofile)


if __name__ == "__main__":
    main()
