"""Telling machine-sent mail from a customer's: bounces, auto-replies, lists.

The hub must not answer an out-of-office with an auto-acknowledgement (two robots
replying to each other forever, RFC 3834) nor offer a newsletter to an ambassador. The
signals, strongest first: a DSN; a mailer-daemon or postmaster sender; out-of-office
markers (``Auto-Submitted: auto-replied``, ``X-Autoreply``, ``X-Autorespond``,
``Precedence: auto_reply``, and the subjects vacation responders use in the languages
our customers write in); any other ``Auto-Submitted`` but ``no``, Exchange's
``X-Auto-Response-Suppress`` and generated-message headers, a read receipt; and
``Precedence: bulk|list|junk``, ``List-Id`` or ``List-Unsubscribe`` for bulk mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from typing import Literal

from adapters.email import headers
from adapters.email.bounce import Bounce, is_dsn, read_bounce

__all__ = ["Bounce", "Noise", "NoiseKind", "classify", "read_bounce"]

NoiseKind = Literal["auto_submitted", "bulk", "bounce", "out_of_office", "mailer_daemon"]

_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_OUT_OF_OFFICE_SUBJECT = re.compile(
    r"\s*(?:(?:out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto(?:matic)?[\s-]?(?:reply|response)"
    r"|autoreply|abwesenheitsnotiz|automatische\s+antwort|r[ée]ponse\s+automatique"
    r"|respuesta\s+autom[áa]tica|risposta\s+automatica|resposta\s+autom[áa]tica)\b"
    r"|absence(?:\s*[:\-\u2013]|\s*$|\s+du\s+bureau)"
    r"|自动回复|自動回覆|自動回复|自动答复|自動返信|自動応答)",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
_SUPPRESS = re.compile(r"\b(?:all|oof|autoreply)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Noise:
    """Why a mail was sent by a machine; ``reason`` names the signal, for the log."""

    kind: NoiseKind
    reason: str


def classify(message: Message, bounce: Bounce | None = None) -> Noise | None:
    """The strongest machine-mail signal of ``message``, or None for a person's mail."""
    if bounce is not None or is_dsn(message):
        action = bounce.action if bounce is not None else None
        return Noise("bounce", f"delivery status notification ({action or 'unknown action'})")
    sender = _sender_local_part(message)
    if sender in _DAEMONS:
        return Noise("mailer_daemon", f"sent by {sender}")
    return _out_of_office(message) or _automatic(message) or _bulk(message)


def _first_word(message: Message, name: str) -> str | None:
    value = headers.raw_text(message, name, limit=200)
    words = value.lower().split() if value else []
    return words[0].rstrip(";") if words else None


def _sender_local_part(message: Message) -> str | None:
    found = headers.addresses(message, "from", limit=1)
    spec = headers.addr_spec(found[0]) if found else None
    if spec is None:
        value = (headers.raw_text(message, "from", limit=500) or "").lower()
        return next((daemon for daemon in _DAEMONS if f"{daemon}@" in value), None)
    return spec.rsplit("@", 1)[0]


def _out_of_office(message: Message) -> Noise | None:
    auto_submitted = _first_word(message, "auto-submitted")
    if auto_submitted == "auto-replied":
        return Noise("out_of_office", "Auto-Submitted: auto-replied")
    for name in ("x-autoreply", "x-autorespond", "x-autoreply-from"):
        if headers.has(message, name) and _first_word(message, name) not in ("no", "false"):
            return Noise("out_of_office", f"{name} header")
    if _first_word(message, "precedence") == "auto_reply":
        return Noise("out_of_office", "Precedence: auto_reply")
    subject = headers.text(message, "subject") or ""
    if _OUT_OF_OFFICE_SUBJECT.match(subject):
        return Noise("out_of_office", "out-of-office subject")
    return None


def _automatic(message: Message) -> Noise | None:
    auto_submitted = _first_word(message, "auto-submitted")
    if auto_submitted is not None and auto_submitted != "no":
        return Noise("auto_submitted", f"Auto-Submitted: {auto_submitted[:40]}")
    suppress = headers.raw_text(message, "x-auto-response-suppress", limit=200)
    if suppress is not None and _SUPPRESS.search(suppress):
        return Noise("auto_submitted", "X-Auto-Response-Suppress header")
    if headers.has(message, "x-ms-exchange-generated-message-source"):
        return Noise("auto_submitted", "X-MS-Exchange-Generated-Message-Source header")
    if (
        headers.content_type(message) == "multipart/report"
        and (headers.param(message, "report-type") or "").lower() == "disposition-notification"
    ):
        return Noise("auto_submitted", "read receipt")
    return None


def _bulk(message: Message) -> Noise | None:
    precedence = _first_word(message, "precedence")
    if precedence in _BULK_PRECEDENCE:
        return Noise("bulk", f"Precedence: {precedence}")
    for name in ("list-id", "list-unsubscribe"):
        if headers.has(message, name):
            return Noise("bulk", f"{name} header")
    return None
