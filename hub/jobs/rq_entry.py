"""What an rq worker runs: one job, in a fresh process with its own database connection.

rq forks a process per job and would run an ``async def`` on a new event loop it never
closes; this entry point is synchronous and owns its loop with ``asyncio.run`` instead.
Settings come from the environment, the job itself carries only (kind, key).
"""

from __future__ import annotations

import asyncio

from hub.clock import system_clock
from hub.db.engine import Database
from hub.jobs.kind import JobContext
from hub.settings import Settings


def run(kind: str, key: str) -> None:
    asyncio.run(run_job(Settings.from_env(), kind, key))


async def run_job(settings: Settings, kind: str, key: str) -> None:
    from hub.jobs.registry import registered_kinds
    from hub.jobs.rq_queue import RqJobs

    kinds = registered_kinds()
    db = Database(settings.database_url)
    jobs = RqJobs(settings, kinds)
    try:
        context = JobContext(db=db, clock=system_clock, settings=settings, jobs=jobs)
        await kinds[kind].handle(context, key)
    finally:
        await jobs.stop()
        await db.close()
