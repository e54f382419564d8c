"""Calendars from the command line: a store's special hours, an ambassador's weekly
schedule and time off, as booking then offers them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from hub.bookings import BookingService
from hub.db.booking_models import StaffSchedule, StaffTimeOff, StoreHoursException
from hub.db.engine import Database
from hub.db.models import Store
from tests.integration.test_cli import PARIS, run

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a Tuesday


async def starts(url: str, day: str) -> list[str]:
    db = Database(url)
    try:
        service = BookingService(db=db, clock=lambda: NOW)
        _, slots = await service.availability(
            "PARIS01",
            "in-store",
            datetime.fromisoformat(f"{day}T00:00+01:00"),
            datetime.fromisoformat(f"{day}T23:59+01:00"),
        )
        return [slot.start.strftime("%H:%M") for slot in slots]
    finally:
        await db.close()


async def count(url: str, model: type) -> int:
    db = Database(url)
    try:
        async with db.reading() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await db.close()


async def test_special_hours_schedules_and_time_off_shape_the_slots(database_url: str) -> None:
    url = database_url
    added = run(url, *PARIS, "--address", "12 Place Vendôme, 75001 Paris")
    assert added.returncode == 0, added.stderr
    staff = run(
        url,
        *("staff", "add", "--email", "amelie@x.fr", "--name", "Amélie", "--store", "PARIS01"),
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert staff.returncode == 0, staff.stderr
    assert (await starts(url, "2026-12-24"))[-1] == "18:00"

    done = run(url, "store", "special-hours", "PARIS01", "2026-12-24", "--hours", "10:00-14:00")
    assert done.returncode == 0 and "10:00-14:00" in done.stdout
    assert (await starts(url, "2026-12-24"))[-1] == "13:00"
    assert run(url, "store", "special-hours", "PARIS01", "2026-12-25", "--closed").returncode == 0
    assert await starts(url, "2026-12-25") == []

    schedule = ("staff", "schedule", "amelie@x.fr", "--store", "PARIS01")
    assert run(url, *schedule, "--hours", "Mon-Fri 14:00-18:00").returncode == 0
    assert (await starts(url, "2026-12-02"))[0] == "14:00"
    away = run(
        url,
        *("staff", "time-off", "amelie@x.fr", "--store", "PARIS01"),
        *("--from", "2026-12-02T00:00+01:00", "--to", "2026-12-03T00:00+01:00"),
    )
    assert away.returncode == 0, away.stderr
    assert await starts(url, "2026-12-02") == []
    assert (await starts(url, "2026-12-03"))[0] == "14:00"

    db = Database(url)
    try:
        async with db.reading() as session:
            assert await session.scalar(select(Store.address)) == "12 Place Vendôme, 75001 Paris"
    finally:
        await db.close()


async def test_bad_calendar_commands_say_why_and_write_nothing(database_url: str) -> None:
    assert run(database_url, *PARIS).returncode == 0
    before = [await count(database_url, m) for m in (StoreHoursException, StaffSchedule)]
    cases = [
        (("store", "special-hours", "PARIS01", "2026-13-01", "--closed"), "is not a date"),
        (("store", "special-hours", "NOPE01", "2026-12-01", "--closed"), "does not exist"),
        (("store", "special-hours", "PARIS01", "2026-12-01", "--hours", "9-5"), "hours:"),
        (("staff", "schedule", "x@y.fr", "--store", "PARIS01", "--hours", "Mon 10:00-12:00"),
         "does not work at PARIS01"),
        (("staff", "time-off", "x@y.fr", "--store", "PARIS01", "--from", "soon", "--to", "later"),
         "is not an ISO 8601 date-time"),
    ]  # fmt: skip
    for args, reason in cases:
        result = run(database_url, *args)
        assert result.returncode == 1, args
        assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert [await count(database_url, m) for m in (StoreHoursException, StaffSchedule)] == before
    assert await count(database_url, StaffTimeOff) == 0


async def test_a_type_needing_a_skill_is_offered_only_by_those_who_have_it(
    database_url: str,
) -> None:
    url = database_url
    assert run(url, *PARIS).returncode == 0
    for email, skills in (("plain@x.fr", ""), ("bridal@x.fr", "Bridal")):
        added = run(
            url,
            *("staff", "add", "--email", email, "--name", email, "--store", "PARIS01"),
            *("--skills", skills, "--password-stdin"),
            stdin="correct horse battery\n",
        )
        assert added.returncode == 0, added.stderr
    made = run(
        url,
        *("store", "type", "PARIS01", "bridal", "--name", "Bridal consultation"),
        *("--kind", "in_store", "--minutes", "90", "--buffer-after", "30", "--skills", "bridal"),
    )
    assert made.returncode == 0 and "bridal added (90 min)" in made.stdout
    db = Database(url)
    try:
        service = BookingService(db=db, clock=lambda: NOW)
        window = (
            datetime.fromisoformat("2026-12-02T00:00+01:00"),
            datetime.fromisoformat("2026-12-03T00:00+01:00"),
        )
        _, slots = await service.availability("PARIS01", "bridal", *window)
        _, plain = await service.availability("PARIS01", "in-store", *window)
    finally:
        await db.close()
    assert {slot.available for slot in slots} == {1}
    assert slots[-1].start.strftime("%H:%M") == "17:30"  # 90 minutes before closing
    assert {slot.available for slot in plain} == {2}
    bad = run(url, "store", "type", "PARIS01", "x", "--name", "X", "--kind", "in_store",
              "--minutes", "2")  # fmt: skip
    assert bad.returncode == 1 and "5 minutes to 8 hours" in bad.stderr
