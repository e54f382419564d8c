"""Managing stores over the API: the list, one store, creation, edits, special hours and
appointment types.

Who may do what: admins everything; a manager the stores they work in (any other store is
"not found", as if it did not exist); a manager who creates a store works there from then
on. The field checks are the CLI's (``hub.stores.NewStore.parse``, ``TypeSpec``,
``hub.schedules``), so both surfaces refuse the same input with the same message. Every
change is audited in the caller's transaction; telling routing is left to the caller,
after the commit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, schedules, staff_access, validation
from hub.clock import local_today
from hub.db.booking_models import StoreHoursException
from hub.db.models import AppointmentType, StaffStore, Store
from hub.errors import InvalidInput, NotFound
from hub.staff import Principal
from hub.stores import (
    NewStore,
    TypeSpec,
    add_store,
    flag,
    opening_hours,
    set_appointment_type,
    store_region,
)

CREATE_FIELDS = (
    "code",
    "name",
    "timezone",
    "country",
    "languages",
    "address",
    "hours",
    "region",
    "service_centre",
    "relax_language",
)
EDITABLE = tuple(field for field in CREATE_FIELDS if field != "code")
TYPE_FIELDS = (
    "name",
    "kind",
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "max_ahead_days",
    "languages",
    "skills",
    "active",
)
# TypeSpec names fields as the CLI's options; the API names them as its JSON.
_TYPE_FIELD_NAMES = {
    "minutes": "duration_minutes",
    "notice": "min_notice_minutes",
    "ahead": "max_ahead_days",
}
MAX_SKILLS = 20


def actor(caller: Principal) -> tuple[str, str | None]:
    return ("staff", caller.id)


def _unknown(code: object) -> NotFound:
    return NotFound(f"store {code} does not exist", code="unknown_store")


def closed_body(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Only ``allowed`` keys, and no NUL character in any text (PostgreSQL refuses them in
    text columns: refused here, naming the field, rather than failing at the commit)."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidInput(unknown[0], f"{unknown[0]} is not one of {', '.join(allowed)}")
    for key, value in body.items():
        validation.no_nul(value, key)


async def listing(session: AsyncSession, caller: Principal) -> list[Store]:
    """The stores the caller manages (an admin: all), by code."""
    staff_access.require_manager(caller)
    query = select(Store).order_by(Store.code)
    if not staff_access.is_admin(caller):
        query = query.where(Store.id.in_(sorted(caller.store_ids)))
    return list(await session.scalars(query))


async def find(session: AsyncSession, caller: Principal, code: object) -> Store:
    """One store within the caller's reach; any other is not found."""
    staff_access.require_manager(caller)
    if not isinstance(code, str) or not validation.STORE_CODE.match(code.upper()):
        raise _unknown(code)
    store = await session.scalar(select(Store).where(Store.code == code.upper()))
    if store is None or not staff_access.can_see(caller, [store.id]):
        raise _unknown(code)
    return store


async def create(
    session: AsyncSession, caller: Principal, body: dict[str, Any], now: datetime
) -> Store:
    """A new store with the two default appointment types; a manager works there now."""
    staff_access.require_manager(caller)
    closed_body(body, CREATE_FIELDS)
    new = NewStore.parse(
        code=body.get("code"),
        name=body.get("name"),
        timezone=body.get("timezone"),
        country=body.get("country"),
        languages=body.get("languages"),
        hours=body.get("hours"),
        address=body.get("address"),
        region=body.get("region"),
        service_centre=body.get("service_centre", False),
        relax_language=body.get("relax_language", True),
    )
    store = await add_store(session, new, now=now, actor=actor(caller))
    if not staff_access.is_admin(caller):
        session.add(StaffStore(staff_id=caller.id, store_id=store.id))
    await session.flush()
    return store


def _snapshot(store: Store) -> dict[str, Any]:
    return {
        "name": store.name,
        "timezone": store.timezone,
        "country": store.country,
        "languages": list(store.languages),
        "address": store.address,
        "hours": store.opening_hours,
        "region": store.region,
        "service_centre": store.service_centre,
        "relax_language": store.relax_language,
    }


async def update(
    session: AsyncSession, caller: Principal, code: object, body: dict[str, Any], now: datetime
) -> tuple[Store, dict[str, Any]]:
    """``PATCH``: the changed fields, as ``{field: {from, to}}`` (audited)."""
    closed_body(body, EDITABLE)
    store = await find(session, caller, code)
    before = _snapshot(store)
    if "name" in body:
        store.name = validation.name(body["name"])
    if "timezone" in body:
        store.timezone = validation.timezone(body["timezone"])
    if "country" in body:
        store.country = validation.country(body["country"])
    if "languages" in body:
        store.languages = validation.languages(body["languages"])
    if "address" in body:
        raw = body["address"]
        store.address = None if raw in (None, "") else validation.address(raw)
    if "hours" in body:
        store.opening_hours = opening_hours(body["hours"])
    if "region" in body:
        store.region = store_region(body["region"])
    if "service_centre" in body:
        store.service_centre = flag(body["service_centre"], "service_centre")
    if "relax_language" in body:
        store.relax_language = flag(body["relax_language"], "relax_language")
    after = _snapshot(store)
    changes = {
        key: {"from": before[key], "to": after[key]} for key in before if before[key] != after[key]
    }
    if changes:
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=caller.id,
            action="store.updated",
            subject_type="store",
            subject_id=store.id,
            code=store.code,
            changes=changes,
        )
    await session.flush()
    return store, changes


def special_day(raw: object, store: Store, now: datetime) -> date:
    """A date on the store's calendar, from today (its clock) to two years ahead: the
    past is history, and booking opens at most a year ahead."""
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput("date", f"{raw!r} is not a date (YYYY-MM-DD)")
    today = local_today(now, store.timezone)
    if not today <= day <= today + timedelta(days=731):
        raise InvalidInput("date", "special hours are for dates from today to two years ahead")
    return day


async def special_hours(session: AsyncSession, store: Store, now: datetime) -> list[Any]:
    """From today on the store's clock, in date order."""
    return list(
        await session.scalars(
            select(StoreHoursException)
            .where(
                StoreHoursException.store_id == store.id,
                StoreHoursException.day >= local_today(now, store.timezone),
            )
            .order_by(StoreHoursException.day)
        )
    )


async def set_special_hours(
    session: AsyncSession,
    caller: Principal,
    code: object,
    raw_day: object,
    body: dict[str, Any],
    now: datetime,
) -> tuple[date, list[list[str]], str | None]:
    """``hours: "10:00-16:00"`` that date instead of the weekly hours; null: closed."""
    closed_body(body, ("hours", "note"))
    store = await find(session, caller, code)
    day = special_day(raw_day, store, now)
    if "hours" not in body:
        raise InvalidInput("hours", 'hours is required: e.g. "10:00-16:00", or null for closed')
    raw = body["hours"]
    ranges = (
        [] if raw is None else schedules.day_ranges(validation.text(raw, "hours", max_length=100))
    )
    note = body.get("note")
    note = None if note in (None, "") else validation.text(note, "note", max_length=200).strip()
    await schedules.set_special_hours(
        session, store, day, ranges, note=note, now=now, actor=actor(caller)
    )
    await session.flush()
    return day, ranges, note


async def remove_special_hours(
    session: AsyncSession, caller: Principal, code: object, raw_day: object, now: datetime
) -> None:
    """That date follows the weekly hours again."""
    store = await find(session, caller, code)
    try:
        day = date.fromisoformat(raw_day) if isinstance(raw_day, str) else None
    except ValueError:
        day = None
    if day is None:
        raise NotFound("no special hours on that date", code="unknown_special_hours")
    removed = await session.execute(
        delete(StoreHoursException).where(
            StoreHoursException.store_id == store.id, StoreHoursException.day == day
        )
    )
    if not getattr(removed, "rowcount", 0):
        raise NotFound("no special hours on that date", code="unknown_special_hours")
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=caller.id,
        action="store.special_hours_removed",
        subject_type="store",
        subject_id=store.id,
        day=day.isoformat(),
    )


def _int(body: dict[str, Any], field: str, default: int) -> int:
    value = body.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"{field} must be a whole number")
    return value


def _skills(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_SKILLS:
        raise InvalidInput("skills", f"skills must list at most {MAX_SKILLS} skills")
    found: list[str] = []
    for item in value:
        if (
            not isinstance(item, str)
            or not validation.CLIENT_ID.match(item.strip())
            or len(item) > 32
        ):
            raise InvalidInput("skills", "a skill is 1-32 letters, digits, _ . : -")
        if item.strip() not in found:
            found.append(item.strip())
    return tuple(found)


def type_spec(type_code: object, body: dict[str, Any]) -> TypeSpec:
    """The CLI's ``TypeSpec`` from a JSON body, errors naming the JSON fields."""
    closed_body(body, TYPE_FIELDS)
    if not isinstance(type_code, str) or not type_code.isascii():
        raise InvalidInput("type", "a type code is 1-32 letters, digits and -")
    kind = body.get("kind")
    languages = body.get("languages") or []
    with validation.fields_named(_TYPE_FIELD_NAMES):
        spec = TypeSpec(
            code=type_code,
            name=validation.name(body.get("name")),
            kind=kind if isinstance(kind, str) else "",
            duration_minutes=_int(body, "duration_minutes", -1),
            buffer_before_minutes=_int(body, "buffer_before_minutes", 0),
            buffer_after_minutes=_int(body, "buffer_after_minutes", 0),
            min_notice_minutes=_int(body, "min_notice_minutes", 120),
            max_ahead_days=_int(body, "max_ahead_days", 60),
            languages=tuple(validation.languages(languages)) if languages else (),
            skills=_skills(body.get("skills", [])),
            active=flag(body.get("active", True), "active"),
        )
    return spec


async def save_appointment_type(
    session: AsyncSession,
    caller: Principal,
    code: object,
    type_code: object,
    body: dict[str, Any],
    now: datetime,
) -> tuple[AppointmentType, bool]:
    """Add the store's type or change it; existing appointments keep what they booked."""
    store = await find(session, caller, code)
    spec = type_spec(type_code, body)
    created = await set_appointment_type(session, store, spec, now=now, actor=actor(caller))
    await session.flush()
    row = await session.scalar(
        select(AppointmentType).where(
            AppointmentType.store_id == store.id, AppointmentType.code == spec.code
        )
    )
    assert row is not None
    return row, created


async def appointment_types(session: AsyncSession, store: Store) -> list[AppointmentType]:
    return list(
        await session.scalars(
            select(AppointmentType)
            .where(AppointmentType.store_id == store.id)
            .order_by(AppointmentType.code)
        )
    )
