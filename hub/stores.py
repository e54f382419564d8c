"""Stores: creation with their default appointment types, and lookups by code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.hours import HoursError, WeeklyHours, parse_hours
from hub import audit, validation
from hub.db.models import AppointmentType, Store
from hub.errors import Conflict, InvalidInput, NotFound

# Every new store offers these two, as the CLI contract promises.
DEFAULT_APPOINTMENT_TYPES = (
    ("virtual", "Virtual appointment", "virtual", 30),
    ("in-store", "In-store appointment", "in_store", 60),
)


@dataclass(frozen=True)
class NewStore:
    code: str
    name: str
    timezone: str
    country: str
    languages: list[str]
    opening_hours: WeeklyHours | None
    address: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        code: object,
        name: object,
        timezone: object,
        country: object,
        languages: object,
        hours: str | None,
        address: object = None,
    ) -> NewStore:
        try:
            opening = parse_hours(hours) if hours is not None else None
        except HoursError as exc:
            raise InvalidInput("hours", f"hours: {exc}") from None
        return cls(
            code=validation.store_code(code, "code"),
            name=validation.name(name),
            timezone=validation.timezone(timezone),
            country=validation.country(country),
            languages=validation.languages(languages),
            opening_hours=opening,
            address=None if address in (None, "") else validation.address(address),
        )


async def add_store(session: AsyncSession, new: NewStore, *, now: datetime, actor: str) -> Store:
    if await session.scalar(select(Store.id).where(Store.code == new.code)):
        raise Conflict(f"store {new.code} already exists", code="store_exists")
    store = Store(
        code=new.code,
        name=new.name,
        timezone=new.timezone,
        country=new.country,
        languages=new.languages,
        opening_hours=new.opening_hours,
        address=new.address,
        created_at=now,
    )
    session.add(store)
    await session.flush()
    for code, label, kind, minutes in DEFAULT_APPOINTMENT_TYPES:
        session.add(
            AppointmentType(
                store_id=store.id, code=code, name=label, kind=kind, duration_minutes=minutes
            )
        )
    audit.record(
        session,
        at=now,
        actor_kind="cli",
        actor_id=actor,
        action="store.created",
        subject_type="store",
        subject_id=store.id,
        code=new.code,
    )
    return store


async def store_by_code(session: AsyncSession, code: str) -> Store:
    store = await session.scalar(select(Store).where(Store.code == code.upper()))
    if store is None:
        raise NotFound(f"store {code} does not exist", code="unknown_store")
    return store
