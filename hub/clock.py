"""Time as a parameter: services take a Clock so tests can pin and advance it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def local_today(now: datetime, timezone: str) -> date:
    """The calendar day it is in ``timezone`` (a store's) when the clock reads ``now``."""
    return now.astimezone(ZoneInfo(timezone)).date()
