"""An in-process hub on a fake clock, seen the way a channel's tests look at it: let it
finish what a request started, then read what it stored."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db.models import Conversation, Message
from hub.jobs.runner import InProcessRunner, run_due_together
from hub.services import SERVICES, Services
from tests.conftest import FakeClock


@dataclass
class RunningHub:
    client: TestClient
    clock: FakeClock

    @property
    def hub(self) -> Services:
        return self.client.app[SERVICES]

    async def settle(self) -> None:
        """Run every job due now (the spool's, then what it scheduled), until none is left."""
        spool, jobs = self.hub.spool, self.hub.jobs
        assert isinstance(spool, InProcessRunner) and isinstance(jobs, InProcessRunner)
        await run_due_together(spool, jobs)

    async def messages(self) -> list[Message]:
        async with self.hub.db.reading() as session:
            return list(
                await session.scalars(select(Message).order_by(Message.created_at, Message.seq))
            )

    async def conversations(self) -> list[Conversation]:
        async with self.hub.db.reading() as session:
            return list(await session.scalars(select(Conversation)))
