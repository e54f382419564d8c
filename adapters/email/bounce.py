"""Delivery status notifications (RFC 3464): which of our mails bounced, for whom, and why.

Only ``multipart/report; report-type=delivery-status`` is read; free-text bounces
(qmail's, some webmail's) are recognised as noise by their sender but carry no
``Bounce``. The original mail is found by the Message-ID in the returned headers
(``text/rfc822-headers`` or ``message/rfc822``), else by the ENVID we gave at MAIL FROM
(``Original-Envelope-Id``), else by Exchange's ``X-Original-Message-ID``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser

from adapters.email import headers
from adapters.email.parts import children
from adapters.email.sanitise import one_line

DIAGNOSTIC_LIMIT = 300
_HEADERS_LIMIT = 65_536  # of the returned headers we parse
_ACTIONS = frozenset({"failed", "delayed", "delivered", "relayed", "expanded"})
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_XTEXT = re.compile(r"\+([0-9A-F]{2})")
_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_RETURNED_TYPES = frozenset(
    {
        "text/rfc822-headers",
        "message/rfc822",
        "message/rfc822-headers",
        "message/global",
        "message/global-headers",
    }
)


@dataclass(frozen=True)
class Bounce:
    """What a DSN says about one recipient of one of our mails."""

    original_message_id: str | None
    recipient: str | None
    status: str | None  # e.g. "5.1.1"
    action: str | None  # failed | delayed | delivered | relayed | expanded
    diagnostic: str | None

    @property
    def failed(self) -> bool:
        """Whether the mail will not arrive: a delayed DSN is news, not a failure."""
        if self.action is not None:
            return self.action == "failed"
        return self.status is not None and self.status.startswith("5")


def is_dsn(message: Message) -> bool:
    return (
        headers.content_type(message) == "multipart/report"
        and (headers.param(message, "report-type") or "").lower() == "delivery-status"
    )


def read_bounce(message: Message) -> Bounce | None:
    """The bounce a DSN reports (its first failed recipient, else its first), or None
    when ``message`` is no DSN. A DSN too broken to read is still a bounce, of nothing."""
    if not is_dsn(message):
        return None
    try:
        return _bounce(children(message), message)
    except Exception:
        return Bounce(None, None, None, None, None)


def _bounce(subparts: list[Message], message: Message) -> Bounce:
    status = next((p for p in subparts if headers.content_type(p) in _STATUS_TYPES), None)
    blocks = _blocks(status) if status is not None else []
    recipients = [block for block in blocks if _action(block) or _recipient(block)]
    per_message = blocks[0] if blocks and blocks[0] not in recipients else None
    chosen = next((b for b in recipients if _action(b) == "failed"), None) or next(
        iter(recipients), None
    )
    returned = next((p for p in subparts if headers.content_type(p) in _RETURNED_TYPES), None)
    return Bounce(
        original_message_id=_original_id(message, returned, per_message),
        recipient=_recipient(chosen) if chosen is not None else None,
        status=_status(chosen) if chosen is not None else None,
        action=_action(chosen) if chosen is not None else None,
        diagnostic=_diagnostic(chosen) if chosen is not None else None,
    )


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a delivery-status part; the parser splits them when the part
    is sent as plain 7-bit text, we do when it came encoded."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)][:50]
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return []
    text = data[:_HEADERS_LIMIT].replace(b"\r\n", b"\n")
    return [_header_block(part, chunk) for chunk in text.split(b"\n\n")[:50] if chunk.strip()]


def _header_block(part: Message, data: bytes) -> Message:
    return BytesParser(policy=part.policy).parsebytes(data, headersonly=True)  # type: ignore[arg-type]


def _original_id(
    message: Message, returned: Message | None, per_message: Message | None
) -> str | None:
    if returned is not None:
        payload = returned.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            original: Message | None = payload[0]
        else:
            data = returned.get_payload(decode=True)
            original = (
                _header_block(returned, data[:_HEADERS_LIMIT]) if isinstance(data, bytes) else None
            )
        found = headers.message_id(headers.raw_text(original, "message-id")) if original else None
        if found is not None:
            return found
    if per_message is not None:
        envid = headers.raw_text(per_message, "original-envelope-id")
        if envid is not None:
            found = headers.message_id(_XTEXT.sub(lambda m: chr(int(m.group(1), 16)), envid))
            if found is not None:
                return found
    for part in (per_message, message):
        if part is not None:
            found = headers.message_id(headers.raw_text(part, "x-original-message-id"))
            if found is not None:
                return found
    return None


def _typed(block: Message, name: str) -> str | None:
    """A DSN field's value without its ``type;`` prefix (``rfc822; a@b.c`` → ``a@b.c``)."""
    value = headers.raw_text(block, name, limit=1000)
    if value is None:
        return None
    kind, separator, rest = value.partition(";")
    return (rest if separator and " " not in kind.strip() else value).strip() or None


def _recipient(block: Message) -> str | None:
    value = _typed(block, "final-recipient") or _typed(block, "original-recipient")
    return headers.addr_spec(value) if value else None


def _action(block: Message) -> str | None:
    value = (headers.raw_text(block, "action", limit=100) or "").split()
    action = value[0].lower() if value else None
    return action if action in _ACTIONS else None


def _status(block: Message) -> str | None:
    match = _STATUS.search(headers.raw_text(block, "status", limit=100) or "")
    return match.group(1) if match else None


def _diagnostic(block: Message) -> str | None:
    value = _typed(block, "diagnostic-code")
    return one_line(value, DIAGNOSTIC_LIMIT) or None if value else None
