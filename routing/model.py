"""Plain data the routing policy decides on; built by the hub, never by the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Presence(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True)
class AmbassadorProfile:
    """Who an ambassador is, as far as routing cares; fixed for a login session."""

    id: str
    name: str
    store_ids: frozenset[str]
    languages: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class Ambassador:
    """An ambassador at one instant: profile, presence and current load."""

    profile: AmbassadorProfile
    presence: Presence
    load: int = 0
    last_offered_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def free_capacity(self) -> int:
        return self.profile.capacity - self.load


@dataclass(frozen=True)
class Waiting:
    """A queued conversation waiting for an offer."""

    conversation_id: str
    store_id: str
    queued_at: datetime
    language: str | None = None
    # Ambassadors who already declined or let an offer for it lapse.
    excluded: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Assignment:
    conversation_id: str
    ambassador_id: str


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
