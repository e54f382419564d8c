"""Reading headers with the ``email`` package without letting a hostile mail hang or crash us.

``policy.default`` parses a header each time it is read (the feed parser itself reads
every part's Content-Type several times), and its structured parser is quadratic on
crafted input: 5 MB of ``a=b;`` in a Content-Type did not finish in ten minutes, 2,000
characters of ``"`` in a From take 50 ms. ``mail_policy`` is ``policy.default`` with a
header factory that caps each value by header name, caches what it parsed, and charges
every parse against a budget per mail; past the budget it hands out empty headers and
the caller refuses the mail. It also reads raw 8-bit header bytes as UTF-8 and swaps an
encoded word's narrow charset for its superset before the registry decodes it.

The readers below never raise: the header classes raise a zoo of exceptions (IndexError,
AttributeError, HeaderParseError, ValueError) on input nobody tested.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import collapse_rfc2231_value
from typing import Any

from adapters.email.charsets import decode_text, header_labels
from adapters.email.sanitise import one_line, without_surrogates

DEFAULT_VALUE_LIMIT = 16_000
_ADDRESS_HEADERS = frozenset(
    {"from", "sender", "reply-to", "to", "cc", "bcc"}
    | {f"resent-{name}" for name in ("from", "sender", "to", "cc", "bcc")}
)
_VALUE_LIMITS = {
    **dict.fromkeys(_ADDRESS_HEADERS, 4000),
    "content-type": 2000,  # RFC 2231 names of 255 UTF-8 bytes take ~800
    "content-disposition": 2000,
    "content-transfer-encoding": 100,
    "content-id": 1000,
    "message-id": 1000,
    "mime-version": 100,
    "date": 200,
}
# The registry's structured headers; the others are parsed in linear time.
_QUADRATIC = frozenset(_VALUE_LIMITS) - {"date"}
# In cost units (about 1 µs each on a laptop): len + len²/64 for a structured value.
HEADER_BUDGET = 1_500_000
_CACHE_SIZE = 4096
_MAX_HEADERS = 500  # fields read per part; a real mail has a few dozen
_ADDR_SPEC = re.compile(
    r"[^\s@<>()\[\],;:\"\\]{1,64}@(?:[^\W_]|[^\W_][\w-]{0,61}[^\W_])"
    r"(?:\.(?:[^\W_]|[^\W_][\w-]{0,61}[^\W_])){1,10}"
)
_ENCODED_WORD = re.compile(r"=\?[^?\s]{1,40}\?[bBqQ]\?[^?\s]{0,1000}\?=")
_MESSAGE_ID = re.compile(r"<\s*([^<>\s]{1,250})\s*>")
_BARE_ID = re.compile(r"[\x21-\x3b\x3d\x3f-\x7e]{1,250}")


class HeaderBudget:
    """The ``header_factory`` of ``mail_policy``: capped, cached, budgeted parses."""

    def __init__(self, budget: int = HEADER_BUDGET) -> None:
        self._registry = HeaderRegistry()
        self._cache: dict[tuple[str, str], BaseHeader] = {}
        self._left = budget
        self.exhausted = False

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = name.lower()
        limit = _VALUE_LIMITS.get(key, DEFAULT_VALUE_LIMIT)
        if len(value) > limit:
            value = value[:limit]
            if key in _ADDRESS_HEADERS and "," in value:
                value = value.rsplit(",", 1)[0]  # drop the cut-off address, keep the rest
        value = header_labels(_as_utf8(value))
        cached = self._cache.get((name, value))
        if cached is not None:
            return cached
        size = len(value)
        self._left -= size + (size * size // 64 if key in _QUADRATIC else 0)
        if self._left < 0:
            self.exhausted = True
            value = ""
        header = self._parse(name, value)
        if len(self._cache) < _CACHE_SIZE:
            self._cache[(name, value)] = header
        return header

    def _parse(self, name: str, value: str) -> BaseHeader:
        try:
            return self._registry(name, value)
        except Exception:  # noqa: S110  retried below
            pass
        if "=?" in value:
            # An encoded word that decodes to CR or LF makes the address classes raise
            # ValueError (so a display name could hide the sender); re-encode it clean.
            try:
                return self._registry(name, _ENCODED_WORD.sub(_clean_word, value))
            except Exception:  # noqa: S110  then it is unreadable, as below
                pass
        return self._registry["x-unparsable"](name, "")


def _clean_word(match: re.Match[str]) -> str:
    try:
        (data, charset), *_ = decode_header(match.group())
    except Exception:
        return ""
    if isinstance(data, str):
        return data
    text = one_line(decode_text(data, charset), 998)
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def mail_policy() -> tuple[EmailPolicy[EmailMessage], HeaderBudget]:
    """``policy.default`` with a fresh budget: one per mail, since the budget is spent."""
    budget = HeaderBudget()
    return policy.default.clone(header_factory=budget), budget


def _as_utf8(value: str) -> str:
    """A value the parser decoded as ASCII with surrogate escapes, read as UTF-8 (RFC 6532)
    when it is valid UTF-8; otherwise left for the registry to mark with U+FFFD."""
    if value.isascii():
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return value


def field_names(part: Message) -> Iterator[str]:
    """The lower-cased names of the first fields of ``part``, without parsing any value."""
    for count, name in enumerate(part.keys()):
        if count >= _MAX_HEADERS:
            return
        yield name.lower()


def headers(part: Message, name: str, limit: int = 20) -> list[Any]:
    """Up to ``limit`` parsed ``name`` headers of ``part``, top first; unreadable ones skipped."""
    found: list[Any] = []
    try:
        raw = [value for key, value in part.raw_items() if key.lower() == name][:limit]
    except Exception:
        return found
    for value in raw:
        try:
            found.append(part.policy.header_fetch_parse(name, value))  # type: ignore[attr-defined]
        except Exception:  # noqa: S112  an unreadable header is one we do not have
            continue
    return found


def first(part: Message, name: str) -> Any | None:
    found = headers(part, name, limit=1)
    return found[0] if found else None


def has(part: Message, name: str) -> bool:
    return name in field_names(part)


def text(part: Message, name: str, limit: int = 998) -> str | None:
    """A header decoded (encoded words included) to one clean line, or None when empty."""
    header = first(part, name)
    if header is None:
        return None
    try:
        return one_line(str(header), limit) or None
    except Exception:
        return None


def raw_text(part: Message, name: str, limit: int = 4000) -> str | None:
    """A header as sent, unfolded, without decoding: for ids, tokens and trace fields."""
    try:
        for key, value in part.raw_items():
            if key.lower() == name:
                return one_line(value[: 2 * limit], limit) or None
    except Exception:
        return None
    return None


def addresses(part: Message, name: str, limit: int = 100) -> list[Address]:
    """The mailboxes of every ``name`` header (groups flattened), as the parser saw them."""
    found: list[Address] = []
    for header in headers(part, name):
        try:
            found.extend(header.addresses)
        except Exception:  # noqa: S112  an unreadable header is one we do not have
            continue
        if len(found) >= limit:
            break
    return found[:limit]


def addr_spec(address: Address | str) -> str | None:
    """A mailbox's address, lower-cased, when it looks like one (``local@domain.tld``)."""
    try:
        spec = address if isinstance(address, str) else address.addr_spec
    except Exception:
        return None
    spec = without_surrogates(spec).strip().strip("<>").lower()
    return spec if len(spec) <= 254 and _ADDR_SPEC.fullmatch(spec) else None


def display_name(address: Address) -> str | None:
    try:
        name = address.display_name
    except Exception:
        return None
    return one_line(name, 200).strip("\"' ") or None


def message_id(value: str | None) -> str | None:
    """The id inside ``<...>`` (or a bare id without spaces), as threading compares it."""
    if not value:
        return None
    match = _MESSAGE_ID.search(value[:2000])
    if match is not None:
        return match.group(1)
    bare = value.strip()
    return bare if _BARE_ID.fullmatch(bare) else None


def message_ids(values: list[str], limit: int = 50) -> tuple[str, ...]:
    """Every ``<id>`` in order, deduplicated; past ``limit`` the first (the thread's root)
    and the latest are kept, since those are what threading looks up."""
    seen: dict[str, None] = {}
    for value in values:
        for match in _MESSAGE_ID.finditer(value[:65_536]):
            seen.setdefault(match.group(1), None)
    ids = list(seen)
    if len(ids) > limit:
        ids = [ids[0], *ids[len(ids) - limit + 1 :]]
    return tuple(ids)


def date(part: Message) -> datetime | None:
    """The Date header in UTC; a zone-less or ``-0000`` date is taken as UTC."""
    header = first(part, "date")
    try:
        value = header.datetime if header is not None else None
        if not isinstance(value, datetime):
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except Exception:
        return None


def content_type(part: Message) -> str:
    """The part's type, lower-cased; ``text/plain`` when missing or invalid (RFC 2045)."""
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def param(part: Message, name: str, header: str = "content-type") -> str | None:
    """A parameter of Content-Type or Content-Disposition, RFC 2231 decoded."""
    try:
        value = part.get_param(name, header=header)
        if isinstance(value, tuple):
            value = collapse_rfc2231_value(value)
        return str(value) if value is not None else None
    except Exception:
        return None
