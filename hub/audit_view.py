"""Reading the audit trail: newest first, a page at a time, within the reader's reach.

An admin reads every entry. A manager reads the entries about their world:

- about one of their stores (``subject_type`` ``store``);
- about someone who works in one of their stores now (``subject_type`` ``staff``: their
  invitation, edits, schedules, time off, sign-ins, deactivation);
- that name one of their stores in their data (``data.store``, a store code, as the CLI's
  ``staff.created`` does);
- that they made themselves.

Anyone else reads nothing (403). Entries about customers and conversations stay with the
screens that show those records, within their own store checks. Pages are keyset-paged
by id (``before``), so a page never shifts while new entries arrive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import staff_access
from hub.db.models import AuditEntry, Staff, StaffStore
from hub.errors import InvalidInput
from hub.messages import iso
from hub.staff import Principal

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
TEXT_FILTERS = ("action", "subject_type", "subject_id", "actor_id")
# Defence in depth: no writer puts secrets in an entry, and the viewer would not show one.
SECRET_KEY = re.compile(r"password|token|secret", re.IGNORECASE)


@dataclass(frozen=True)
class AuditQuery:
    filters: dict[str, str]
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> AuditQuery:
        filters = {}
        for name in TEXT_FILTERS:
            value = query.get(name, "").strip()
            if len(value) > 64 or not value.isprintable():
                raise InvalidInput(name, f"{name} must be at most 64 printable characters")
            if value:
                filters[name] = value
        return cls(
            filters=filters,
            since=_instant(query.get("from"), "from"),
            until=_instant(query.get("to"), "to"),
            before=_whole(query.get("before"), "before", 1, None),
            limit=_whole(query.get("limit"), "limit", 1, MAX_LIMIT) or DEFAULT_LIMIT,
        )


def _instant(raw: str | None, field: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, f"{field} must be an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise InvalidInput(field, f"{field} needs its offset, e.g. 2026-12-01T00:00+01:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset: before anything recorded
        raise InvalidInput(field, f"{field} is out of range") from None


def _whole(raw: str | None, field: str, low: int, high: int | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        upper = f" to {high}" if high is not None else " or more"
        raise InvalidInput(field, f"{field} must be a whole number from {low}{upper}")
    return int(raw)


def reach(caller: Principal) -> ColumnElement[bool] | None:
    """The entries a manager may read (see the module's docstring); None: all of them."""
    if staff_access.is_admin(caller):
        return None
    stores = sorted(caller.store_ids)
    their_staff = select(StaffStore.staff_id).where(StaffStore.store_id.in_(stores))
    return or_(
        and_(AuditEntry.subject_type == "store", AuditEntry.subject_id.in_(stores)),
        and_(AuditEntry.subject_type == "staff", AuditEntry.subject_id.in_(their_staff)),
        AuditEntry.data["store"].as_string().in_(list(caller.store_codes)),
        and_(AuditEntry.actor_kind == "staff", AuditEntry.actor_id == caller.id),
    )


async def page(
    session: AsyncSession, caller: Principal, asked: AuditQuery
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of entries, newest first, and the ``before`` of the next page (or None)."""
    staff_access.require_manager(caller)
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(asked.limit + 1)
    scope = reach(caller)
    if scope is not None:
        query = query.where(scope)
    for name, value in asked.filters.items():
        query = query.where(getattr(AuditEntry, name) == value)
    if asked.since is not None:
        query = query.where(AuditEntry.at >= asked.since)
    if asked.until is not None:
        query = query.where(AuditEntry.at < asked.until)
    if asked.before is not None:
        query = query.where(AuditEntry.id < asked.before)
    rows = list(await session.scalars(query))
    more = len(rows) > asked.limit
    rows = rows[: asked.limit]
    names = await _actor_names(session, rows)
    entries = [_entry(row, names) for row in rows]
    return entries, (rows[-1].id if more and rows else None)


async def _actor_names(session: AsyncSession, rows: list[AuditEntry]) -> dict[str, str]:
    ids = {row.actor_id for row in rows if row.actor_kind == "staff" and row.actor_id}
    if not ids:
        return {}
    found = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))
    return {staff_id: name for staff_id, name in found}


def _entry(row: AuditEntry, names: dict[str, str]) -> dict[str, Any]:
    data = {k: v for k, v in (row.data or {}).items() if not SECRET_KEY.search(k)}
    return {
        "id": row.id,
        "at": iso(row.at),
        "actor": {
            "kind": row.actor_kind,
            "id": row.actor_id,
            "name": names.get(row.actor_id or "") if row.actor_kind == "staff" else None,
        },
        "action": row.action,
        "subject": {"type": row.subject_type, "id": row.subject_id},
        "data": data,
    }
