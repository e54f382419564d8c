"""When callbacks are tried: first at the window's start, again after a delay that never
lands outside the shopper's window, and never more often than allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from routing.callback_policy import CallbackWindow, first_due, next_try

NOW = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)
# 18:00 to 19:00 in Paris on the eve of the spring change of clocks (UTC+1, then UTC+2).
EVENING = CallbackWindow(
    datetime(2026, 3, 28, 17, 0, tzinfo=UTC),
    datetime(2026, 3, 28, 18, 0, tzinfo=UTC),
    "Europe/Paris",
)


def test_as_soon_as_possible_is_now() -> None:
    assert first_due(CallbackWindow(), NOW) == NOW


def test_a_window_waits_for_its_start_unless_it_has_begun() -> None:
    assert first_due(EVENING, NOW) == EVENING.start
    assert first_due(EVENING, NOW.replace(hour=17, minute=20)) == NOW.replace(hour=17, minute=20)


def test_a_retry_inside_the_window_waits_the_delay() -> None:
    at = NOW.replace(hour=17, minute=10)
    assert next_try(EVENING, attempts=1, max_attempts=3, now=at, retry_after=HALF_HOUR) == (
        at + HALF_HOUR
    )


def test_a_retry_past_the_window_moves_to_the_next_evening_at_the_same_local_time() -> None:
    at = NOW.replace(hour=17, minute=45)
    # 29 March: Paris is UTC+2, so 18:00 local is 16:00 UTC, not 17:00.
    assert next_try(EVENING, attempts=1, max_attempts=3, now=at, retry_after=HALF_HOUR) == (
        datetime(2026, 3, 29, 16, 0, tzinfo=UTC)
    )


def test_no_retry_once_the_attempts_are_spent() -> None:
    assert next_try(EVENING, attempts=3, max_attempts=3, now=NOW, retry_after=HALF_HOUR) is None
    assert next_try(CallbackWindow(), attempts=2, max_attempts=3, now=NOW, retry_after=HALF_HOUR)


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 20),
    delay=st.integers(min_value=1, max_value=60 * 24 * 3),
)
def test_a_retry_waits_at_least_the_delay_and_starts_inside_the_window_or_at_its_start(
    minutes: int, delay: int
) -> None:
    assert EVENING.start is not None and EVENING.end is not None
    at = EVENING.start + timedelta(minutes=minutes)
    earliest = at + timedelta(minutes=delay)
    due = next_try(
        EVENING, attempts=1, max_attempts=3, now=at, retry_after=timedelta(minutes=delay)
    )
    assert due is not None and due >= earliest
    if earliest < EVENING.end:
        assert due == earliest
    else:
        local = due.astimezone(ZoneInfo("Europe/Paris"))
        assert (local.hour, local.minute) == (18, 0)
        assert due - earliest < timedelta(days=1)
