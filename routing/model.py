"""Plain data the routing policy decides on; built by the hub, never by the policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum


class Presence(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


class Scope(IntEnum):
    """How far a waiting conversation may travel: its store, its region, a service centre."""

    STORE = 0
    REGION = 1
    SERVICE_CENTRE = 2


@dataclass(frozen=True)
class StoreInfo:
    """What routing knows about a store: where it is and how flexible its queue may be."""

    id: str
    region: str  # overflow goes to stores of the same region (the country by default)
    service_centre: bool = False
    relax_language: bool = True  # may a long wait drop the shopper's language preference?
    timezone: str = "UTC"
    hours: Mapping[str, list[list[str]]] | None = None  # None: always open


@dataclass(frozen=True)
class AmbassadorProfile:
    """Who an ambassador is, as far as routing cares; fixed for a login session."""

    id: str
    name: str
    store_ids: frozenset[str]
    languages: tuple[str, ...]
    capacity: float
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ambassador:
    """An ambassador at one instant: profile, presence, load and how long they have idled."""

    profile: AmbassadorProfile
    presence: Presence
    load: float = 0.0
    idle_since: datetime | None = None

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def free_capacity(self) -> float:
        return self.profile.capacity - self.load

    @property
    def connected(self) -> bool:
        return self.presence is not Presence.OFFLINE


@dataclass(frozen=True)
class Ticket:
    """A conversation waiting for an ambassador, with everything that decides who gets it."""

    conversation_id: str
    store_id: str
    enqueued_at: datetime
    channel: str = "webchat"
    language: str | None = None
    required_skills: frozenset[str] = frozenset()
    optional_skills: frozenset[str] = frozenset()
    priority: int = 1  # from the customer's tier; callbacks and transfers may carry their own
    preferred_ambassador_id: str | None = None
    known_ambassador_ids: frozenset[str] = frozenset()
    last_offered_to: str | None = None
    note: str | None = None  # a transfer note the next ambassador sees on the offer


@dataclass(frozen=True)
class Assignment:
    conversation_id: str
    ambassador_id: str


@dataclass(frozen=True)
class Choice:
    """The policy's answer for one ticket: offer it to someone, or look again later."""

    ambassador_id: str | None
    review_at: datetime | None = None
    waiting_for_preferred: bool = False


@dataclass(frozen=True)
class OfferRecord:
    id: str
    conversation_id: str
    ambassador_id: str
    expires_at: datetime
    queued_at: datetime | None = None


@dataclass(frozen=True)
class QueuePosition:
    conversation_id: str
    position: int
    eta_seconds: int
    offline: bool = False
    options: tuple[str, ...] = field(default_factory=tuple)
