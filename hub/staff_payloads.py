"""What the staff administration API says about a colleague: their account, its state
(active, invited, deactivated), and for one person their schedules and time off.
Never a password hash or an invitation token."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.booking_models import StaffSchedule, StaffTimeOff
from hub.db.models import Staff, Store
from hub.db.staff_models import StaffInvitation
from hub.messages import iso
from hub.staff import UNUSABLE_HASH


def store_ids(staff: Staff) -> set[str]:
    return {link.store_id for link in staff.store_links}


def store_codes(staff: Staff) -> list[str]:
    return sorted(link.store.code for link in staff.store_links)


def status(staff: Staff) -> str:
    """``invited``: never signed in yet (no password chosen); ``deactivated``: switched off."""
    if staff.active:
        return "active"
    return "invited" if staff.password_hash == UNUSABLE_HASH else "deactivated"


def snapshot(staff: Staff) -> dict[str, Any]:
    """The editable fields, for an audit entry's before and after."""
    return {
        "name": staff.name,
        "role": staff.role,
        "stores": store_codes(staff),
        "languages": list(staff.languages),
        "skills": list(staff.skills or ()),
        "capacity": staff.capacity,
        "phone": staff.phone,
    }


def invitation_payload(invitation: StaffInvitation | None, now: datetime) -> dict[str, Any] | None:
    if invitation is None:
        return None
    return {
        "sent_at": iso(invitation.created_at),
        "expires_at": iso(invitation.expires_at),
        "expired": invitation.expires_at <= now,
    }


def staff_payload(
    staff: Staff, invitation: StaffInvitation | None, now: datetime
) -> dict[str, Any]:
    return {
        "id": staff.id,
        **snapshot(staff),
        "email": staff.email,
        "active": staff.active,
        "status": status(staff),
        "created_at": iso(staff.created_at),
        "invitation": invitation_payload(invitation, now),
    }


async def pending_invitations(
    session: AsyncSession, staff_ids: Iterable[str]
) -> dict[str, StaffInvitation]:
    """The unused invitation of each of these people (at most one each: a new one
    replaces the old)."""
    ids = list(staff_ids)
    if not ids:
        return {}
    rows = await session.scalars(
        select(StaffInvitation).where(
            StaffInvitation.staff_id.in_(ids), StaffInvitation.used_at.is_(None)
        )
    )
    return {row.staff_id: row for row in rows}


def time_off_payload(row: StaffTimeOff) -> dict[str, Any]:
    return {
        "id": row.id,
        "from": iso(row.starts_at.astimezone(UTC)),
        "to": iso(row.ends_at.astimezone(UTC)),
        "reason": row.reason,
    }


async def calendar_of(session: AsyncSession, staff: Staff, now: datetime) -> dict[str, Any]:
    """Their weekly hours per store (a store without a row: its opening hours) and the
    time off that has not ended yet."""
    schedules = await session.execute(
        select(Store.code, StaffSchedule.hours)
        .join(Store, Store.id == StaffSchedule.store_id)
        .where(StaffSchedule.staff_id == staff.id)
        .order_by(Store.code)
    )
    by_store = {code: hours for code, hours in schedules}
    away = await session.scalars(
        select(StaffTimeOff)
        .where(StaffTimeOff.staff_id == staff.id, StaffTimeOff.ends_at > now)
        .order_by(StaffTimeOff.starts_at)
    )
    return {
        "schedules": [{"store": code, "hours": by_store.get(code)} for code in store_codes(staff)],
        "time_off": [time_off_payload(row) for row in away],
    }
