"""Finding pending work in the tables, so a restart neither loses nor repeats it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from hub.db.engine import Database
from hub.jobs.kind import JobKind


async def due_work(
    db: Database, kinds: Iterable[JobKind], now: datetime
) -> list[tuple[str, str, datetime]]:
    """Every kind's pending (kind, key, due_at), due now or later."""
    found: list[tuple[str, str, datetime]] = []
    async with db.reading() as session:
        for kind in kinds:
            found.extend((kind.name, key, at) for key, at in await kind.due(session, now))
    return found
