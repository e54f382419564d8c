"""Pure parts of conversation search: the LIKE pattern of what was typed, the snippet that
shows where it matched, and the opaque cursor of keyset paging."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hub.errors import InvalidInput
from hub.validation import no_nul

MAX_QUERY = 200
MIN_QUERY = 2
ESCAPE = "\\"
SNIPPET_WIDTH = 120
_CURSOR = re.compile(r"^(\d{1,16})_([A-Za-z0-9-]{1,64})$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def query_text(raw: str | None) -> str | None:
    """What to look for, whitespace collapsed; None when nothing was asked."""
    if raw is None:
        return None
    cleaned = " ".join(raw.split())
    if not cleaned:
        return None
    if len(cleaned) < MIN_QUERY:
        raise InvalidInput("q", f"q needs at least {MIN_QUERY} characters")
    if len(cleaned) > MAX_QUERY:
        raise InvalidInput("q", f"q is longer than {MAX_QUERY} characters")
    return no_nul(cleaned, "q")


def like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE … ESCAPE '\\'``, lower-cased like the column it is compared with:
    a ``%`` or ``_`` typed by someone is a character to find, never a wildcard."""
    escaped = (
        text.lower()
        .replace(ESCAPE, ESCAPE * 2)
        .replace("%", ESCAPE + "%")
        .replace("_", ESCAPE + "_")
    )
    return f"%{escaped}%"


def snippet(text: str, needle: str, width: int = SNIPPET_WIDTH) -> str:
    """About ``width`` characters of ``text`` around the first match of ``needle``, cut at
    word boundaries where it can be and marked with ellipses where it was cut."""
    flat = " ".join(text.split())
    at = flat.lower().find(needle.lower())
    if len(flat) <= width:
        return flat
    if at < 0:
        at = 0
    start = max(0, at - (width - len(needle)) // 2)
    end = min(len(flat), start + width)
    start = max(0, end - width)
    if start > 0:
        space = flat.find(" ", start, at) if at > start else -1
        start = space + 1 if space >= 0 else start
    if end < len(flat):
        space = flat.rfind(" ", max(at + len(needle), start), end)
        end = space if space > start else end
    return ("…" if start > 0 else "") + flat[start:end] + ("…" if end < len(flat) else "")


def cursor(updated_at: datetime, conversation_id: str) -> str:
    """Where the next page starts: after this conversation, by recent activity."""
    micros = (updated_at - EPOCH) // MICROSECOND
    return f"{micros}_{conversation_id}"


def parse_cursor(raw: str | None) -> tuple[datetime, str] | None:
    """A ``before`` from a previous page's ``next_before``; anything else is refused."""
    if raw is None or raw == "":
        return None
    found = _CURSOR.match(raw)
    if found is None:
        raise InvalidInput("before", "before must be a next_before from a previous page")
    try:
        at = EPOCH + int(found.group(1)) * MICROSECOND
    except OverflowError:
        raise InvalidInput("before", "before must be a next_before from a previous page") from None
    return at, found.group(2)
