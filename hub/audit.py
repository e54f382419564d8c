"""Append-only audit trail: who did what to which record, written in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor_kind: str,
    actor_id: str | None,
    action: str,
    subject_type: str,
    subject_id: str | None,
    **data: Any,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            data=data or None,
        )
    )


def by_staff(
    session: AsyncSession,
    staff_id: str,
    at: datetime,
    action: str,
    subject_type: str,
    subject_id: str | None,
    **data: Any,
) -> None:
    """``record`` of what a signed-in staff member did (the API, the console): the most
    common entry, the actor being them."""
    record(
        session,
        at=at,
        actor_kind="staff",
        actor_id=staff_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        **data,
    )
