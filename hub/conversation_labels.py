"""What staff write on a conversation to find and count it later: tags and the outcome of
a close. Pure rules, shared by the REST API, the socket namespace and the tests."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from hub.errors import InvalidInput
from hub.validation import no_nul

# How a conversation ended, for the ambassador's own record and the store's counts; the
# console offers exactly these (and "Skip", which stores none).
OUTCOMES = ("purchase", "appointment", "information", "after_sales", "no_action", "other")

MAX_TAG_LENGTH = 32
MAX_TAGS = 10
MAX_NOTE = 1000
# Letters and digits of any script, space, "_" and "-": Python's \w is letters, digits
# (every numeric category) and "_", which is the rule once "_" is allowed anyway.
_TAG = re.compile(r"[\w \-]+")


def outcome(value: Any, field: str = "outcome") -> str | None:
    """An outcome from the list, or None when the caller chose none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in OUTCOMES:
        raise InvalidInput(field, f"{field} must be one of {', '.join(OUTCOMES)}")
    return value


def close_note(value: Any, field: str = "note") -> str | None:
    """A few words about how it ended; blank is none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field, f"{field} must be a string")
    value = no_nul(value.strip(), field)
    if len(value) > MAX_NOTE:
        raise InvalidInput(field, f"{field} is longer than {MAX_NOTE} characters")
    return value or None


def tag(value: Any, field: str = "tags") -> str:
    """One tag as stored: NFC, lower case, trimmed, inner spaces collapsed, so "VIP " and
    "vip" are the same tag whoever typed it."""
    if not isinstance(value, str):
        raise InvalidInput(field, f"{field} must be a list of words")
    cleaned = " ".join(unicodedata.normalize("NFC", value).lower().split())
    if not cleaned:
        raise InvalidInput(field, f"{field} must not hold an empty tag")
    if len(cleaned) > MAX_TAG_LENGTH:
        raise InvalidInput(
            field, f"{field}: {cleaned[:MAX_TAG_LENGTH]!r}… is longer than {MAX_TAG_LENGTH}"
        )
    if not _TAG.fullmatch(cleaned):
        raise InvalidInput(field, f"{field}: {cleaned!r} may hold letters, digits, space, _ and -")
    return cleaned


def tags(value: Any, field: str = "tags") -> list[str]:
    """A conversation's whole set of tags, each once, in the order given."""
    if not isinstance(value, list):
        raise InvalidInput(field, f"{field} must be a list of words")
    found: list[str] = []
    for item in value[: MAX_TAGS * 4]:
        cleaned = tag(item, field)
        if cleaned not in found:
            found.append(cleaned)
    if len(found) > MAX_TAGS or len(value) > MAX_TAGS * 4:
        raise InvalidInput(field, f"{field}: at most {MAX_TAGS} tags on a conversation")
    return found
