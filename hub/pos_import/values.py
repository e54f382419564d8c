"""Reading one POS value: amounts written the way the store's country writes them, and
timestamps in the store's local time.

Pure. Each function raises ``ValueError`` with a reason an operator can act on, which the
row parser puts in the error report next to the column name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation

# Countries whose tills write 1.234,50: continental Europe, kept explicit rather than read
# from a locale database so an import never depends on the machine it runs on. Switzerland,
# the UK, the Americas and Asia write 1,234.50 (Switzerland also 1'234.50).
COMMA_DECIMAL_COUNTRIES = frozenset(
    {"AT", "BE", "CZ", "DE", "DK", "ES", "FI", "FR", "GR", "IT", "LU", "NL", "NO", "PL", "PT", "SE"}
)

# Spaces (plain, no-break, narrow no-break) and apostrophes only ever group thousands.
_GROUPING = str.maketrans("", "", " \u00a0\u202f'\u2019")
_PLAIN = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_WHOLE = re.compile(r"-?\d{1,12}")


def comma_decimal(country: str) -> bool:
    """Whether the store's country writes its decimal separator as a comma."""
    return country.upper() in COMMA_DECIMAL_COUNTRIES


def _grouped(number: str, separator: str) -> bool:
    """1.234.567 style: a first group of 1-3 digits not starting with 0, then groups of 3."""
    first, *rest = number.lstrip("-").split(separator)
    return (
        bool(rest)
        and 1 <= len(first) <= 3
        and first.isdigit()
        and first[0] != "0"
        and all(len(group) == 3 and group.isdigit() for group in rest)
    )


def _canonical(raw: str, comma_is_decimal: bool) -> str:
    text = raw.translate(_GROUPING)
    has_comma, has_dot = "," in text, "." in text
    if has_comma and has_dot:
        # Both present: whichever comes last separates the decimals, whatever the locale.
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, fraction = text.rpartition(decimal)
        if decimal in whole or not _grouped(whole, thousands):
            raise ValueError(f"{raw!r} is not a number")
        return f"{whole.replace(thousands, '')}.{fraction}"
    if not (has_comma or has_dot):
        return text
    separator = "," if has_comma else "."
    if (separator == ",") == comma_is_decimal:
        # The store's own decimal separator: it may appear once.
        if text.count(separator) > 1:
            raise ValueError(f"{raw!r} is not a number")
        return text.replace(separator, ".")
    # The other country's separator: thousands when grouped by three (1.234 in Paris is
    # one thousand two hundred and thirty-four), else a machine-written decimal (1234.5).
    if _grouped(text, separator):
        return text.replace(separator, "")
    if text.count(separator) == 1:
        return text.replace(separator, ".")
    raise ValueError(f"{raw!r} is not a number")


def parse_decimal(raw: str, *, comma_is_decimal: bool, places: int, digits: int) -> Decimal:
    """A non-negative amount such as 1 234,50, 1.234,50, 1,234.50 or 1234.5.

    ``places`` and ``digits`` are the column's scale and precision: a value that would be
    rounded or overflow the column is refused rather than silently changed.
    """
    text = _canonical(raw.strip(), comma_is_decimal)
    if not _PLAIN.fullmatch(text):
        raise ValueError(f"{raw.strip()!r} is not a number")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise ValueError(f"{raw.strip()!r} is not a number") from None
    if value < 0:
        raise ValueError(f"{raw.strip()!r} is negative")
    if value >= Decimal(10) ** (digits - places):
        raise ValueError(f"{raw.strip()!r} is too large")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: the pattern excludes NaN and Infinity
    if -exponent > places and value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"{raw.strip()!r} has more than {places} decimal places")
    return value


def parse_whole(raw: str, *, minimum: int, maximum: int) -> int:
    """A whole number within bounds, such as a line number or a quantity."""
    text = raw.strip()
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{text!r} is not a whole number")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValueError(f"{text!r} is not between {minimum} and {maximum}")
    return value


def parse_timestamp(raw: str, *, zone: tzinfo, not_after: datetime) -> datetime:
    """An ISO 8601 date-time or date, as an aware UTC datetime.

    A value without an offset is the store's wall-clock time; a date alone is its midnight.
    A wall-clock time skipped or repeated by a daylight-saving change resolves to its first
    reading (``fold=0``), which is at most an hour off and never fails the row. Times after
    ``not_after`` are refused: a till does not sell in the future, so the value is wrong.
    """
    text = raw.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    when = when.astimezone(UTC)
    if when > not_after:
        raise ValueError(f"{text!r} is in the future")
    if when.year < 1970:
        raise ValueError(f"{text!r} is before 1970")
    return when
