"""Input checks shared by the CLI, the HTTP API and the socket handlers.

Each raises InvalidInput naming the field, so every surface reports the same message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from hub.errors import InvalidInput

MAX_TEXT = 10_000
STORE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
ROLES = ("ambassador", "manager", "admin")
T = TypeVar("T")


def text(value: Any, field: str = "text", *, max_length: int = MAX_TEXT) -> str:
    """Message text: a non-blank string of at most max_length characters."""
    if not isinstance(value, str):
        raise InvalidInput(field, f"{field} must be a string")
    if not value.strip():
        raise InvalidInput(field, f"{field} must not be empty", code="empty_text")
    if len(value) > max_length:
        raise InvalidInput(
            field, f"{field} is longer than {max_length} characters", code="text_too_long"
        )
    return value


def has_nul(value: object) -> bool:
    """A NUL character in text, or anywhere in a JSON list or object (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return False


def no_nul(value: T, field: str) -> T:
    """``value`` unchanged, unless it holds a NUL character (PostgreSQL refuses one in text
    columns): refused here, naming the field, rather than failing at the commit with a 500."""
    if has_nul(value):
        raise InvalidInput(field, f"{field} must not contain NUL characters")
    return value


def query_text(raw: str | None, field: str, limit: int = 200) -> str | None:
    """A query parameter as text, or None when empty. A NUL byte is refused here: PostgreSQL
    cannot store or compare one, and would answer with an error instead of no match."""
    if raw is None or raw == "":
        return None
    if "\x00" in raw or len(raw) > limit:
        raise InvalidInput(field, f"{field} must be at most {limit} characters of text")
    return raw


@contextmanager
def fields_named(names: Mapping[str, str]) -> Iterator[None]:
    """Checks shared with the CLI name fields as its options (``minutes``, ``app-id``); the
    API answers with its JSON names (``duration_minutes``, ``app_id``), message and code kept."""
    try:
        yield
    except InvalidInput as exc:
        field = names.get(exc.field, exc.field)
        raise InvalidInput(field, exc.message, code=exc.code) from None


def name(value: Any, field: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, f"{field} is required")
    if len(value) > 200:
        raise InvalidInput(field, f"{field} is longer than 200 characters")
    return value.strip()


def address(value: Any, field: str = "address") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, f"{field} is required")
    if len(value) > 500:
        raise InvalidInput(field, f"{field} is longer than 500 characters")
    return " ".join(value.split())


def client_id(value: Any, field: str = "client_id") -> str:
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise InvalidInput(field, f"{field} must be 1-100 characters of letters, digits, _.:-")
    return value


def store_code(value: Any, field: str = "store") -> str:
    if not isinstance(value, str) or not STORE_CODE.match(value.upper()):
        raise InvalidInput(field, f"{field} must be 2-32 characters of A-Z, 0-9, _ and -")
    return value.upper()


def email(value: Any, field: str = "email") -> str:
    if not isinstance(value, str) or len(value) > 254 or not EMAIL.match(value.strip()):
        raise InvalidInput(field, f"{field} is not a valid e-mail address")
    local, _, domain = value.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def staff_email(value: Any, field: str = "email") -> str:
    """A staff sign-in address: all lower case, because login compares it in lower case
    (a shopper's address keeps its local part as typed: some mail servers honour it)."""
    return email(value, field).lower()


def timezone(value: Any, field: str = "timezone") -> str:
    if not isinstance(value, str) or value not in available_timezones():
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                field, f"{value!r} is not an IANA time zone like Europe/Paris"
            ) from None
    return str(value)


def country(value: Any, field: str = "country") -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value):
        raise InvalidInput(field, f"{field} must be a two-letter ISO 3166 code like FR")
    return value.upper()


def language(value: Any, field: str = "language") -> str:
    if not isinstance(value, str) or not LANGUAGE_TAG.match(value.strip()):
        raise InvalidInput(field, f"{value!r} is not a language tag like en or zh-Hans")
    return value.strip()


def languages(value: Any, field: str = "languages") -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise InvalidInput(field, f"{field} must list at least one language, e.g. en,fr")
    result: list[str] = []
    for item in items:
        tag = language(item, field)
        if tag not in result:
            result.append(tag)
    if not result:
        raise InvalidInput(field, f"{field} must list at least one language, e.g. en,fr")
    return result


def role(value: Any, field: str = "role") -> str:
    if value not in ROLES:
        raise InvalidInput(field, f"{field} must be one of {', '.join(ROLES)}")
    return str(value)


def capacity(value: Any, field: str = "capacity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise InvalidInput(field, f"{field} must be a whole number from 1 to 50")
    return value


def password(value: Any, field: str = "password", *, min_length: int = 10) -> str:
    if not isinstance(value, str) or len(value) < min_length:
        raise InvalidInput(field, f"{field} must be at least {min_length} characters")
    if len(value) > 1024:
        raise InvalidInput(field, f"{field} is too long")
    return value
