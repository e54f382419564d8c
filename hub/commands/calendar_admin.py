"""``hub store special-hours``, ``hub staff schedule`` and ``hub staff time-off``: what
booking needs to know beyond the weekly opening hours."""

from __future__ import annotations

import argparse
from datetime import date

from hub import schedules, validation
from hub.clock import system_clock
from hub.commands.admin import require_schema, say
from hub.db.engine import Database
from hub.errors import InvalidInput
from hub.settings import Settings
from hub.stores import TypeSpec, set_appointment_type, store_by_code

CLI = ("cli", None)


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("date", f"{raw!r} is not a date (YYYY-MM-DD)") from None


async def special_hours(settings: Settings, args: argparse.Namespace) -> None:
    day = _date(args.date)
    ranges = [] if args.closed else schedules.day_ranges(args.hours)
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        async with db.transaction() as session:
            store = await store_by_code(session, validation.store_code(args.code))
            await schedules.set_special_hours(
                session, store, day, ranges, note=args.note, now=system_clock(), actor=CLI
            )
    finally:
        await db.close()
    hours = " ".join(f"{a}-{b}" for a, b in ranges) or "closed"
    say(f"{store.code} on {day.isoformat()}: {hours}")


async def schedule(settings: Settings, args: argparse.Namespace) -> None:
    hours = None if args.store_hours else schedules.weekly(args.hours)
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        async with db.transaction() as session:
            store = await store_by_code(session, validation.store_code(args.store))
            staff = await schedules.staff_in_store(session, validation.email(args.email), store)
            await schedules.set_schedule(
                session, staff, store, hours, now=system_clock(), actor=CLI
            )
    finally:
        await db.close()
    say(f"{args.email} at {store.code}: {args.hours or 'the store opening hours'}")


async def time_off(settings: Settings, args: argparse.Namespace) -> None:
    start, end = schedules.instant(args.start, "from"), schedules.instant(args.end, "to")
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        async with db.transaction() as session:
            store = await store_by_code(session, validation.store_code(args.store))
            staff = await schedules.staff_in_store(session, validation.email(args.email), store)
            await schedules.add_time_off(
                session, staff, start, end, reason=args.reason, now=system_clock(), actor=CLI
            )
    finally:
        await db.close()
    say(f"{args.email}: time off from {start.isoformat()} to {end.isoformat()}")


async def appointment_type(settings: Settings, args: argparse.Namespace) -> None:
    spec = TypeSpec(
        code=args.type,
        name=args.name,
        kind=args.kind,
        duration_minutes=args.minutes,
        buffer_before_minutes=args.buffer_before,
        buffer_after_minutes=args.buffer_after,
        min_notice_minutes=args.notice_minutes,
        max_ahead_days=args.ahead_days,
        languages=tuple(validation.languages(args.languages)) if args.languages else (),
        skills=tuple(s.strip() for s in (args.skills or "").split(",") if s.strip()),
        active=not args.inactive,
    )
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        async with db.transaction() as session:
            store = await store_by_code(session, validation.store_code(args.code))
            created = await set_appointment_type(
                session, store, spec, now=system_clock(), actor="cli"
            )
    finally:
        await db.close()
    state = "added" if created else "updated"
    say(f"{store.code}: appointment type {spec.code} {state} ({spec.duration_minutes} min)")


def add_parsers(
    store_cmds: argparse._SubParsersAction, staff_cmds: argparse._SubParsersAction
) -> None:  # type: ignore[type-arg]
    special = store_cmds.add_parser("special-hours", help="hours for one date (or closed)")
    special.add_argument("code")
    special.add_argument("date", help="YYYY-MM-DD, in the store's own calendar")
    which = special.add_mutually_exclusive_group(required=True)
    which.add_argument("--hours", help='e.g. "10:00-14:00" or "10:00-13:00 14:00-18:00"')
    which.add_argument("--closed", action="store_true", help="closed all day (a holiday)")
    special.add_argument("--note", help="e.g. Christmas Eve")

    kind = store_cmds.add_parser("type", help="add or change one of a store's appointment types")
    kind.add_argument("code", help="the store")
    kind.add_argument("type", help="the type's code, e.g. bridal")
    kind.add_argument("--name", required=True, help="what shoppers see")
    kind.add_argument("--kind", required=True, choices=("virtual", "in_store"))
    kind.add_argument("--minutes", type=int, required=True)
    kind.add_argument("--buffer-before", type=int, default=0, help="minutes blocked before")
    kind.add_argument("--buffer-after", type=int, default=0, help="minutes blocked after")
    kind.add_argument("--notice-minutes", type=int, default=120, help="minimum notice")
    kind.add_argument("--ahead-days", type=int, default=60, help="how far ahead it opens")
    kind.add_argument("--languages", help="languages the ambassador must speak, e.g. zh-Hans")
    kind.add_argument("--skills", help="skills the ambassador must have, e.g. bridal")
    kind.add_argument("--inactive", action="store_true", help="no longer offered")

    plan = staff_cmds.add_parser("schedule", help="an ambassador's weekly hours in a store")
    plan.add_argument("email")
    plan.add_argument("--store", required=True)
    hours = plan.add_mutually_exclusive_group(required=True)
    hours.add_argument("--hours", help='e.g. "Tue-Sat 10:00-19:00"')
    hours.add_argument("--store-hours", action="store_true", help="works the store's hours")

    away = staff_cmds.add_parser("time-off", help="a span when an ambassador takes no bookings")
    away.add_argument("email")
    away.add_argument("--store", required=True)
    away.add_argument("--from", dest="start", required=True, help="ISO date-time with offset")
    away.add_argument("--to", dest="end", required=True, help="ISO date-time with offset")
    away.add_argument("--reason")
