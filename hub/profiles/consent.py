"""The consent ledger's rules: what an entry may say, what the ledger currently means, and
whether the house may contact a customer.

Pure: no I/O. The ledger is append-only (see ``ConsentEvent``), so the current state is never
stored; it is derived here from the entries, which keeps every past grant and withdrawal as
evidence of what the customer agreed to, when, under which policy version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CHANNELS = ("email", "phone", "wechat", "post")
PURPOSES = ("service", "marketing", "personalisation", "partners")
SOURCES = ("chat_form", "contact_form", "booking_form", "console", "import", "email_link", "api")

SERVICE = "service"
MARKETING = "marketing"
# Column widths in consent_events: a longer value would fail at the database, after the
# caller has already told the customer their choice was recorded.
MAX_POLICY_VERSION = 32
MAX_ACTOR_KIND = 16
MAX_ACTOR_ID = 64


class InvalidConsent(ValueError):
    """A ledger entry that cannot be recorded; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ConsentEntry:
    """One grant or withdrawal, as written to the ledger."""

    channel: str
    purpose: str
    granted: bool
    source: str
    policy_version: str
    actor_kind: str
    actor_id: str | None
    at: datetime


@dataclass(frozen=True)
class ConsentState:
    """The entry currently in force for one (channel, purpose)."""

    granted: bool
    at: datetime
    source: str
    policy_version: str


ConsentMap = Mapping[tuple[str, str], ConsentState]


def _one_of(field: str, value: Any, allowed: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise InvalidConsent(field, f"{field} must be one of {', '.join(allowed)}; got {value!r}")


def _short_text(field: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidConsent(field, f"{field} must not be empty")
    if len(value.strip()) > limit:
        raise InvalidConsent(field, f"{field} is longer than {limit} characters")
    return value.strip()


def validate_entry(entry: ConsentEntry) -> ConsentEntry:
    """The entry, checked and trimmed, or InvalidConsent naming the first bad field.

    Checked before writing because the ledger is append-only: a wrong entry can only be
    corrected by another entry, never removed. Values are checked by type as well, since
    entries are built from JSON bodies and CSV imports.
    """
    _one_of("channel", entry.channel, CHANNELS)
    _one_of("purpose", entry.purpose, PURPOSES)
    _one_of("source", entry.source, SOURCES)
    if not isinstance(entry.granted, bool):
        raise InvalidConsent("granted", f"granted must be true or false; got {entry.granted!r}")
    policy_version = _short_text("policy_version", entry.policy_version, MAX_POLICY_VERSION)
    actor_kind = _short_text("actor_kind", entry.actor_kind, MAX_ACTOR_KIND)
    actor_id = entry.actor_id
    if actor_id is not None:
        actor_id = _short_text("actor_id", actor_id, MAX_ACTOR_ID)
    if not isinstance(entry.at, datetime) or entry.at.tzinfo is None:
        # Naive and aware datetimes cannot be ordered together, and order is what decides.
        raise InvalidConsent("at", "at must be a timezone-aware datetime")
    return ConsentEntry(
        channel=entry.channel,
        purpose=entry.purpose,
        granted=entry.granted,
        source=entry.source,
        policy_version=policy_version,
        actor_kind=actor_kind,
        actor_id=actor_id,
        at=entry.at,
    )


def current_state(entries: Iterable[ConsentEntry]) -> dict[tuple[str, str], ConsentState]:
    """The latest entry per (channel, purpose); of entries at the same instant, the later given.

    Ties go to the later one given because callers pass the ledger in insertion order, and
    two clicks within one clock tick must end with the customer's last choice.
    """
    state: dict[tuple[str, str], ConsentState] = {}
    for entry in entries:
        key = (entry.channel, entry.purpose)
        current = state.get(key)
        if current is None or entry.at >= current.at:
            state[key] = ConsentState(
                granted=entry.granted,
                at=entry.at,
                source=entry.source,
                policy_version=entry.policy_version,
            )
    return state


def may_contact(
    state: ConsentMap,
    channel: str,
    purpose: str,
    *,
    proactive: bool,
    requested_by_customer: bool = False,
) -> bool:
    """Whether a message on ``channel`` for ``purpose`` may be sent now.

    - A reply inside a conversation the customer started (not proactive, purpose service)
      is always allowed: answering someone is not contacting them.
    - Something the customer asked for (an appointment reminder, a call back) needs no grant,
      but a current withdrawal for that channel and purpose still stops it.
    - Anything else needs a current grant for exactly that channel and purpose; a channel
      with no ledger (e.g. webchat) can therefore never be used proactively.
    """
    if purpose not in PURPOSES:
        # A typo here would otherwise silently read as "no consent"; fail loudly instead.
        raise InvalidConsent("purpose", f"purpose must be one of {', '.join(PURPOSES)}")
    if not proactive and purpose == SERVICE:
        return True
    current = state.get((channel, purpose))
    if requested_by_customer:
        return current is None or current.granted
    return current is not None and current.granted


def as_payload(state: ConsentMap) -> list[dict[str, Any]]:
    """The state as JSON-able rows sorted by channel then purpose, stable for the console."""
    return [
        {
            "channel": channel,
            "purpose": purpose,
            "granted": entry.granted,
            "at": entry.at.isoformat(),
            "source": entry.source,
            "policy_version": entry.policy_version,
        }
        for (channel, purpose), entry in sorted(state.items(), key=lambda item: item[0])
    ]
