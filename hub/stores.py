"""Stores: creation with their default appointment types, and lookups by code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.hours import HoursError, WeeklyHours, parse_hours
from hub import audit, validation
from hub.db.models import AppointmentType, Store
from hub.errors import Conflict, InvalidInput, NotFound
from hub.i18n import N_

REGION = re.compile(r"[A-Za-z0-9_-]{1,32}")
# Every new store offers these two, as the CLI contract promises. Their names are marked
# for translation: shoppers read them in their language (``hub.shopper_texts.type_name``).
DEFAULT_APPOINTMENT_TYPES = (
    ("virtual", N_("Virtual appointment"), "virtual", 30),
    ("in-store", N_("In-store appointment"), "in_store", 60),
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
    region: str | None = None
    service_centre: bool = False
    relax_language: bool = True

    @classmethod
    def parse(
        cls,
        *,
        code: object,
        name: object,
        timezone: object,
        country: object,
        languages: object,
        hours: object,
        address: object = None,
        region: object = None,
        service_centre: object = False,
        relax_language: object = True,
    ) -> NewStore:
        return cls(
            code=validation.store_code(code, "code"),
            name=validation.name(name),
            timezone=validation.timezone(timezone),
            country=validation.country(country),
            languages=validation.languages(languages),
            opening_hours=opening_hours(hours),
            address=None if address in (None, "") else validation.address(address),
            region=store_region(region),
            service_centre=flag(service_centre, "service_centre"),
            relax_language=flag(relax_language, "relax_language"),
        )


def opening_hours(hours: object) -> WeeklyHours | None:
    """``"Mon-Sat 10:00-19:00; Sun 12:00-17:00"``; None: always open."""
    if hours is None:
        return None
    try:
        return parse_hours(validation.text(hours, "hours", max_length=300))
    except HoursError as exc:
        raise InvalidInput("hours", f"hours: {exc}") from None


def store_region(value: object) -> str | None:
    """Overflow goes first to stores of the same region (the country when none is set)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not REGION.fullmatch(value.strip()):
        raise InvalidInput("region", "region must be 1-32 letters, digits, _ or -")
    return value.strip()


def flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, f"{field} must be true or false")
    return value


Actor = str | tuple[str, str | None]


def _actor(actor: Actor) -> tuple[str, str | None]:
    """``"cli"`` (an operator's command) or ``(kind, id)`` such as ``("staff", id)``."""
    return ("cli", actor) if isinstance(actor, str) else actor


async def add_store(session: AsyncSession, new: NewStore, *, now: datetime, actor: Actor) -> Store:
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
        region=new.region,
        service_centre=new.service_centre,
        relax_language=new.relax_language,
    )
    session.add(store)
    await session.flush()
    for code, label, kind, minutes in DEFAULT_APPOINTMENT_TYPES:
        session.add(
            AppointmentType(
                store_id=store.id, code=code, name=label, kind=kind, duration_minutes=minutes
            )
        )
    kind, who = _actor(actor)
    audit.record(
        session,
        at=now,
        actor_kind=kind,
        actor_id=who,
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


@dataclass(frozen=True)
class TypeSpec:
    """An appointment type as an operator describes it (``hub store type``)."""

    code: str
    name: str
    kind: str
    duration_minutes: int
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    min_notice_minutes: int = 120
    max_ahead_days: int = 60
    languages: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    active: bool = True

    def __post_init__(self) -> None:
        if not self.code or len(self.code) > 32 or not self.code.replace("-", "").isalnum():
            raise InvalidInput("type", "a type code is 1-32 letters, digits and -")
        if self.kind not in ("virtual", "in_store"):
            raise InvalidInput("kind", "kind must be virtual or in_store")
        if not 5 <= self.duration_minutes <= 8 * 60:
            raise InvalidInput("minutes", "an appointment lasts 5 minutes to 8 hours")
        for field in ("buffer_before_minutes", "buffer_after_minutes"):
            if not 0 <= getattr(self, field) <= 240:
                raise InvalidInput(field, f"{field} must be 0 to 240")
        if not 0 <= self.min_notice_minutes <= 60 * 24 * 30:
            raise InvalidInput("notice", "notice must be 0 to 30 days, in minutes")
        if not 1 <= self.max_ahead_days <= 366:
            raise InvalidInput("ahead", "bookings open 1 to 366 days ahead")


async def set_appointment_type(
    session: AsyncSession, store: Store, spec: TypeSpec, *, now: datetime, actor: Actor
) -> bool:
    """Add the store's type ``spec.code`` or change it; True when it is new. Existing
    appointments keep the buffers they were booked with."""
    row = await session.scalar(
        select(AppointmentType).where(
            AppointmentType.store_id == store.id, AppointmentType.code == spec.code
        )
    )
    created = row is None
    if row is None:
        row = AppointmentType(store_id=store.id, code=spec.code)
        session.add(row)
    row.name = validation.name(spec.name)
    row.kind = spec.kind
    row.duration_minutes = spec.duration_minutes
    row.buffer_before_minutes = spec.buffer_before_minutes
    row.buffer_after_minutes = spec.buffer_after_minutes
    row.min_notice_minutes = spec.min_notice_minutes
    row.max_ahead_days = spec.max_ahead_days
    row.languages = list(spec.languages)
    row.skills = list(spec.skills)
    row.active = spec.active
    kind, who = _actor(actor)
    audit.record(
        session,
        at=now,
        actor_kind=kind,
        actor_id=who,
        action="store.appointment_type",
        subject_type="store",
        subject_id=store.id,
        code=spec.code,
        created=created,
    )
    return created


async def store_for_channel(session: AsyncSession, code: str | None) -> Store:
    """The store named by the channel, or the first store when a channel names none."""
    if code is not None:
        store = await session.scalar(select(Store).where(Store.code == code.upper()))
        if store is None:
            raise InvalidInput("store", f"store {code} does not exist", code="unknown_store")
        return store
    store = await session.scalar(select(Store).order_by(Store.created_at, Store.code).limit(1))
    if store is None:
        raise Conflict("no store is configured yet", code="no_store")
    return store
