"""Recording a change for the web processes to pass on (see ``hub.db.change_models``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.change_models import Change

POS_IMPORT = "pos_import"  # ref: the import's id; its purchases name the customers
CUSTOMER = "customer"  # ref: one customer's id
MESSAGE = "message"  # ref: a message written outside a web process (a reminder)
# ref: a message whose delivery or attachments a job changed; each web process tells its
# own consoles, in either mode.
MESSAGE_UPDATED = "message_updated"


async def record(session: AsyncSession, kind: str, ref: str, *, at: datetime | None = None) -> None:
    """Append one change in the caller's transaction, so it is seen only if it commits."""
    session.add(Change(kind=kind, ref=ref, at=at or datetime.now(UTC)))
    await session.flush()
