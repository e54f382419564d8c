"""Appointments as staff see them: calendars and a customer's appointments.

Access follows stores, as everywhere in the console: a staff member sees appointments of
the stores they work in; an ambassador's calendar is their own, a manager's covers every
ambassador of their stores.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.booking_models import Appointment
from hub.db.models import Customer, Staff
from hub.errors import NotFound
from hub.staff import Principal

LISTED = ("booked", "completed", "no_show", "cancelled")
RECENT_APPOINTMENTS = 20


def local_iso(row: Appointment, moment: datetime) -> str:
    """An instant of the appointment as the store's clock reads it, with its offset."""
    return moment.astimezone(ZoneInfo(row.store.timezone)).isoformat()


async def ambassador_name(session: AsyncSession, row: Appointment) -> str | None:
    name: str | None = await session.scalar(select(Staff.name).where(Staff.id == row.ambassador_id))
    return name


def appointment_line(
    row: Appointment, ambassador: str | None, customer: str | None = None
) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "kind": row.kind,
        "start": local_iso(row, row.starts_at),
        "end": local_iso(row, row.ends_at),
        "store": {"code": row.store.code, "name": row.store.name, "timezone": row.store.timezone},
        "type": {"code": row.type.code, "name": row.type.name},
        "ambassador": {"id": row.ambassador_id, "name": ambassador},
        "customer_id": row.customer_id,
        "customer": {"id": row.customer_id, "name": customer or row.contact_name}
        if row.customer_id
        else None,
        "contact": {
            "name": row.contact_name,
            "email": row.contact_email,
            "phone": row.contact_phone,
        },
        "conversation_id": row.conversation_id,
        "video_url": row.video_url,
        "language": row.language,
    }


async def lines_of(session: AsyncSession, rows: list[Appointment]) -> list[dict[str, Any]]:
    staff_ids = {row.ambassador_id for row in rows}
    staff = dict(
        (await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))).all()
    )
    customer_ids = {row.customer_id for row in rows if row.customer_id}
    customers = dict(
        (
            await session.execute(
                select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))
            )
        ).all()
    )
    return [
        appointment_line(row, staff.get(row.ambassador_id), customers.get(row.customer_id or ""))
        for row in rows
    ]


async def of_customer(
    session: AsyncSession, principal: Principal, customer_id: str, limit: int | None
) -> list[dict[str, Any]]:
    """A customer's appointments in the caller's stores, latest first."""
    query = (
        select(Appointment)
        .where(
            Appointment.customer_id == customer_id,
            Appointment.status.in_(LISTED),
            Appointment.store_id.in_(principal.store_ids),
        )
        .order_by(Appointment.starts_at.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return await lines_of(session, list((await session.scalars(query)).all()))


async def calendar(
    session: AsyncSession,
    principal: Principal,
    start: datetime,
    end: datetime,
    *,
    store_id: str | None = None,
    ambassador_id: str | None = None,
) -> list[dict[str, Any]]:
    query = select(Appointment).where(
        Appointment.status.in_(LISTED),
        Appointment.starts_at < end,
        Appointment.ends_at > start,
        Appointment.store_id.in_(principal.store_ids),
    )
    if not principal.is_manager:
        ambassador_id = principal.id
    if ambassador_id is not None:
        query = query.where(Appointment.ambassador_id == ambassador_id)
    if store_id is not None:
        query = query.where(Appointment.store_id == store_id)
    rows = (await session.scalars(query.order_by(Appointment.starts_at))).all()
    return await lines_of(session, list(rows))


async def visible_appointment(
    session: AsyncSession, principal: Principal, appointment_id: object
) -> Appointment:
    """An appointment the caller may act on: their own, or any in a store they manage."""
    row = (
        await session.get(Appointment, appointment_id)
        if isinstance(appointment_id, str) and len(appointment_id) <= 36
        else None
    )
    if (
        row is None
        or row.status not in LISTED
        or not principal.can_see_store(row.store_id)
        or (row.ambassador_id != principal.id and not principal.is_manager)
    ):
        raise NotFound("no such appointment", code="not_found")
    return row
