"""Choosing a mail's body and listing its attachments, with caps on depth, count and size.

The walk is our own rather than ``get_body``/``iter_attachments``/``walk``: those recurse
without a depth limit, read headers without a guard, and ``get_body`` would take a later
text part of a multipart/mixed over the first. A forwarded mail (``message/rfc822``) is
one attachment; its own parts are not ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message
from typing import Literal

from adapters.email import headers
from adapters.email.charsets import decode_text
from adapters.email.sanitise import filename as safe_filename

MAX_DEPTH = 20  # a real mail nests five or six deep
MAX_PARTS = 10_000  # parts looked at when listing attachments
MAX_CHILDREN = 100  # children of one multipart considered for the body
TEXT_BYTES_LIMIT = 2_000_000  # of one text part, before decoding

BodyKind = Literal["plain", "html"]
_BODY_TYPES: dict[str, BodyKind] = {"text/plain": "plain", "text/html": "html"}


@dataclass(frozen=True)
class MailAttachment:
    """A file sent with the mail. ``data`` is empty when ``too_large``; ``size`` is then
    still the decoded size, so the ambassador can be told what was left out."""

    filename: str | None
    content_type: str
    data: bytes
    size: int
    inline: bool = False
    content_id: str | None = None
    too_large: bool = False


@dataclass(frozen=True)
class Body:
    """The part to read (``parts[0]``) and the inline text parts that continue it."""

    kind: BodyKind
    parts: tuple[Message, ...]


def find_body(message: Message) -> Body | None:
    """The text a person would read first: plain text preferred, else HTML."""
    return _body(message, 0)


def part_text(part: Message) -> str:
    """A text part's content, decoded by its charset (see ``charsets``), never raising."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        return ""
    if not isinstance(data, bytes):
        return ""
    return decode_text(data[:TEXT_BYTES_LIMIT], headers.param(part, "charset"))


def attachments(
    message: Message, body: Body | None, *, max_bytes: int, max_count: int
) -> tuple[tuple[MailAttachment, ...], int]:
    """The attachments in document order, and how many more were left out past ``max_count``.

    Inline text/plain and text/html parts without a name are alternatives of the body
    (or the body itself), not files.
    """
    used = {id(part) for part in body.parts} if body is not None else set()
    found: list[MailAttachment] = []
    dropped = 0
    for part in _leaves(message):
        if id(part) in used:
            continue
        ctype = headers.content_type(part)
        if ctype in _BODY_TYPES and not _is_attachment(part) and _filename(part) is None:
            continue
        if len(found) >= max_count:
            dropped += 1
            continue
        found.append(_attachment(part, ctype, max_bytes))
    return tuple(found), dropped


def children(part: Message) -> list[Message]:
    """The subparts of a multipart; a multipart without a boundary has none (it is text)."""
    if not headers.content_type(part).startswith("multipart/"):
        return []
    try:
        payload = part.get_payload()
    except Exception:
        return []
    return (
        [child for child in payload if isinstance(child, Message)]
        if isinstance(payload, list)
        else []
    )


def _leaves(message: Message) -> Iterator[Message]:
    stack: list[tuple[Message, int]] = [(message, 0)]
    visited = 0
    while stack and visited < MAX_PARTS:
        part, depth = stack.pop()
        visited += 1
        subparts = children(part)
        if not subparts and not headers.content_type(part).startswith("multipart/"):
            yield part
        elif subparts and depth < MAX_DEPTH:
            stack.extend((child, depth + 1) for child in reversed(subparts))


def _body(part: Message, depth: int) -> Body | None:
    if depth > MAX_DEPTH or _is_attachment(part):
        return None
    ctype = headers.content_type(part)
    kind = _BODY_TYPES.get(ctype)
    if kind is not None:
        return Body(kind, (part,))
    if not ctype.startswith("multipart/"):
        return None
    subparts = children(part)[:MAX_CHILDREN]
    if not subparts:
        # A multipart the parser could not split: what it holds is all there is to read.
        return Body("plain", (part,))
    if ctype == "multipart/alternative":
        return _alternative(subparts, depth)
    if ctype == "multipart/related":
        return _body(_start(part, subparts), depth + 1)
    for index, child in enumerate(subparts):
        found = _body(child, depth + 1)
        if found is not None:
            if found.parts[0] is child:
                found = Body(found.kind, (child, *_continuations(subparts[index + 1 :], child)))
            return found
    return None


def _alternative(subparts: list[Message], depth: int) -> Body | None:
    """The last plain rendering (RFC 2046: richer ones come later) unless it is empty."""
    plain = html = None
    for child in subparts:
        found = _body(child, depth + 1)
        if found is not None and found.kind == "plain":
            plain = found
        elif found is not None:
            html = found
    if plain is not None and (html is None or part_text(plain.parts[0]).strip()):
        return plain
    return html


def _start(part: Message, subparts: list[Message]) -> Message:
    """The root of a multipart/related: the ``start`` parameter's part, else the first."""
    start = headers.message_id(headers.param(part, "start"))
    if start is not None:
        for child in subparts:
            if headers.message_id(headers.raw_text(child, "content-id")) == start:
                return child
    return subparts[0]


def _continuations(following: list[Message], body: Message) -> Iterator[Message]:
    """Apple Mail splits text around an inline picture into several parts of one type."""
    ctype = headers.content_type(body)
    for part in following:
        if (
            headers.content_type(part) == ctype
            and not _is_attachment(part)
            and _filename(part) is None
        ):
            yield part


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _is_attachment(part: Message) -> bool:
    return _disposition(part) == "attachment"


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return safe_filename(name) if isinstance(name, str) else None


def _attachment(part: Message, ctype: str, max_bytes: int) -> MailAttachment:
    content_id = headers.message_id(headers.raw_text(part, "content-id"))
    disposition = _disposition(part)
    data = _message_bytes(part) if ctype.startswith("message/") else _payload(part)
    too_large = len(data) > max_bytes
    return MailAttachment(
        filename=_filename(part),
        content_type=ctype[:255],
        data=b"" if too_large else data,
        size=len(data),
        inline=disposition == "inline" or (disposition is None and content_id is not None),
        content_id=content_id,
        too_large=too_large,
    )


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        return b""
    return data if isinstance(data, bytes) else b""


def _message_bytes(part: Message) -> bytes:
    """An attached message as bytes. The parser keeps no source, so it is generated again,
    with ``compat32``: that policy writes the headers as they came instead of refolding
    (and reparsing) each one."""
    try:
        payload = part.get_payload()
        if isinstance(payload, list):
            return b"".join(
                sub.as_bytes(policy=policy.compat32) for sub in payload if isinstance(sub, Message)
            )
        return _payload(part)
    except Exception:
        return b""
