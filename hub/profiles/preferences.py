"""What ambassadors record about a customer's tastes, and how a partial update applies.

Pure: no I/O. Preferences live in one JSON column, so this module is the only schema they
have: every write goes through ``apply``, which checks each field and reports the exact
path of a bad value (``important_dates[1].date``) so the console can mark the right input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

CHANNELS = ("webchat", "wechat", "email", "phone", "post")
LIST_KEYS = ("colours", "metals", "collections", "categories")
DATE_KINDS = ("birthday", "anniversary", "other")
KEYS = (
    "language",
    "store",
    "ambassador",
    "channel",
    *LIST_KEYS,
    "ring_size",
    "important_dates",
)

MAX_ITEMS = 20
MAX_ITEM_LENGTH = 60
MAX_LABEL_LENGTH = 100
MAX_RING_SIZE = 8
# 16 characters: the width of conversations.language, which routing matches against.
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_LANGUAGE = 16
_STORE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# EU "52", US "6 1/2", UK "M½", Japanese "11.5".
_RING_SIZE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z ./,+½¼¾-]*$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEARLESS_DATE = re.compile(r"^--(\d{2})-(\d{2})$")


class InvalidPreference(ValueError):
    """A preference update that cannot be stored; ``field`` is the path of the bad value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _string(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidPreference(field, f"{field} must be a non-empty string")
    return value.strip()


def _language(field: str, value: Any) -> str:
    """A BCP-47-like tag in its usual casing (zh-hans -> zh-Hans, en-gb -> en-GB)."""
    tag = _string(field, value).replace("_", "-")
    if len(tag) > MAX_LANGUAGE or not _LANGUAGE.match(tag):
        raise InvalidPreference(field, f"{field} {tag[:20]!r} is not a language tag like fr")
    primary, *subtags = tag.split("-")
    parts = [primary.lower()]
    for subtag in subtags:
        if len(subtag) == 4 and subtag.isalpha():
            parts.append(subtag.title())
        elif len(subtag) == 2 and subtag.isalpha():
            parts.append(subtag.upper())
        else:
            parts.append(subtag.lower())
    return "-".join(parts)


def _store(field: str, value: Any) -> str:
    code = _string(field, value).upper()
    if not _STORE_CODE.match(code):
        raise InvalidPreference(field, f"{field} must be 2-32 characters of A-Z, 0-9, _ and -")
    return code


def _ambassador(field: str, value: Any) -> str:
    ident = _string(field, value)
    if not _ID.match(ident):
        raise InvalidPreference(field, f"{field} must be a staff id")
    return ident


def _channel(field: str, value: Any) -> str:
    channel = _string(field, value).lower()
    if channel not in CHANNELS:
        raise InvalidPreference(field, f"{field} must be one of {', '.join(CHANNELS)}")
    return channel


def _ring_size(field: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a JSON number from a form that typed "52" as a number
    size = " ".join(_string(field, value).split())
    if len(size) > MAX_RING_SIZE:
        raise InvalidPreference(field, f"{field} is longer than {MAX_RING_SIZE} characters")
    if not _RING_SIZE.match(size):
        raise InvalidPreference(field, f"{field} {size!r} is not a ring size like 52 or 6 1/2")
    return size


def _items(field: str, value: Any) -> list[str]:
    """Trimmed short strings, de-duplicated ignoring case (first spelling kept)."""
    if not isinstance(value, list | tuple):
        raise InvalidPreference(field, f"{field} must be a list")
    items: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(value):
        item = " ".join(_string(f"{field}[{index}]", raw).split())
        if len(item) > MAX_ITEM_LENGTH:
            raise InvalidPreference(
                f"{field}[{index}]", f"{field}[{index}] is longer than {MAX_ITEM_LENGTH} characters"
            )
        if item.casefold() not in seen:
            seen.add(item.casefold())
            items.append(item)
    if len(items) > MAX_ITEMS:
        raise InvalidPreference(field, f"{field} has more than {MAX_ITEMS} items")
    return items


def _date(field: str, value: Any) -> str:
    """YYYY-MM-DD, or --MM-DD when the year is unknown (ISO 8601's year-less form)."""
    text = _string(field, value)
    try:
        if _FULL_DATE.match(text):
            date.fromisoformat(text)
            return text
        yearless = _YEARLESS_DATE.match(text)
        if yearless:
            date(2000, int(yearless[1]), int(yearless[2]))  # a leap year: --02-29 is a date
            return text
    except ValueError:
        raise InvalidPreference(field, f"{field} {text!r} is not a real date") from None
    raise InvalidPreference(field, f"{field} must be YYYY-MM-DD or --MM-DD; got {text[:20]!r}")


def _important_dates(field: str, value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list | tuple):
        raise InvalidPreference(field, f"{field} must be a list")
    if len(value) > MAX_ITEMS:
        raise InvalidPreference(field, f"{field} has more than {MAX_ITEMS} items")
    dates: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(value):
        path = f"{field}[{index}]"
        if not isinstance(raw, Mapping):
            raise InvalidPreference(path, f"{path} must be an object with kind and date")
        for key in raw:
            if key not in ("kind", "date", "label"):
                raise InvalidPreference(f"{path}.{key}", f"{path}.{key} is not a date field")
        kind = _string(f"{path}.kind", raw.get("kind")).lower()
        if kind not in DATE_KINDS:
            raise InvalidPreference(
                f"{path}.kind", f"{path}.kind must be one of {', '.join(DATE_KINDS)}"
            )
        entry = {"kind": kind, "date": _date(f"{path}.date", raw.get("date"))}
        label = raw.get("label")
        if isinstance(label, str) and not label.strip():
            label = None  # an emptied label input means "no label"
        if label is not None:
            entry["label"] = _string(f"{path}.label", label)
            if len(entry["label"]) > MAX_LABEL_LENGTH:
                raise InvalidPreference(
                    f"{path}.label", f"{path}.label is longer than {MAX_LABEL_LENGTH} characters"
                )
        if (kind, entry["date"]) in seen:
            # Two labels for one date would make one of them vanish on display; ask instead.
            raise InvalidPreference(path, f"{path} repeats {kind} {entry['date']}")
        seen.add((kind, entry["date"]))
        dates.append(entry)
    return dates


_VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "language": _language,
    "store": _store,
    "ambassador": _ambassador,
    "channel": _channel,
    **dict.fromkeys(LIST_KEYS, _items),
    "ring_size": _ring_size,
    "important_dates": _important_dates,
}


def validate_preferences(patch: Mapping[str, Any]) -> dict[str, Any]:
    """The patch with every value checked and normalised; ``None`` kept (it removes the key).

    Unknown keys are refused rather than stored, so a misspelt field in a client shows up as
    an error instead of as a preference nobody ever reads.
    """
    if not isinstance(patch, Mapping):
        raise InvalidPreference("preferences", "preferences must be an object")
    clean: dict[str, Any] = {}
    for key, value in patch.items():
        validator = _VALIDATORS.get(key) if isinstance(key, str) else None
        if validator is None:
            raise InvalidPreference(str(key), f"{key!r} is not a preference")
        clean[key] = None if value is None else validator(key, value)
    return clean


def apply(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """The preferences after the patch: keys set, replaced whole (lists too), or removed.

    Stored values not in the patch are kept as they are, even ones this module would refuse
    today, so tightening a rule never silently deletes what an ambassador recorded.
    """
    updated = dict(current)
    for key, value in validate_preferences(patch).items():
        if value is None:
            updated.pop(key, None)
        else:
            updated[key] = value
    return updated
