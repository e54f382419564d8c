"""Who is connected and in what presence: the routing state store.

The in-memory store serves the embedded single-process mode; a Redis implementation of
the same protocol serves many web processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from routing.model import Ambassador, AmbassadorProfile, Presence


class PresenceStore(Protocol):
    async def connect(self, profile: AmbassadorProfile, connection_id: str) -> None: ...

    async def disconnect(self, ambassador_id: str, connection_id: str) -> Presence:
        """Forget one connection; the ambassador's presence afterwards."""
        ...

    async def set_presence(self, ambassador_id: str, presence: Presence) -> Presence: ...

    async def presence_of(self, ambassador_id: str) -> Presence: ...

    async def note_offer(self, ambassador_id: str, at: datetime) -> None: ...

    async def snapshot(self) -> list[Ambassador]:
        """Everyone connected, load left at zero for the caller to fill in."""
        ...


@dataclass
class _Entry:
    profile: AmbassadorProfile
    presence: Presence = Presence.AWAY
    connections: set[str] = field(default_factory=set)
    last_offered_at: datetime | None = None


class InMemoryPresence:
    """Presence for one process. A new login starts away until the ambassador says otherwise."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    async def connect(self, profile: AmbassadorProfile, connection_id: str) -> None:
        entry = self._entries.get(profile.id)
        if entry is None:
            entry = self._entries[profile.id] = _Entry(profile)
        entry.profile = profile
        entry.connections.add(connection_id)

    async def disconnect(self, ambassador_id: str, connection_id: str) -> Presence:
        entry = self._entries.get(ambassador_id)
        if entry is None:
            return Presence.OFFLINE
        entry.connections.discard(connection_id)
        if not entry.connections:
            del self._entries[ambassador_id]
            return Presence.OFFLINE
        return entry.presence

    async def set_presence(self, ambassador_id: str, presence: Presence) -> Presence:
        entry = self._entries.get(ambassador_id)
        if entry is None:
            return Presence.OFFLINE
        entry.presence = presence
        return presence

    async def presence_of(self, ambassador_id: str) -> Presence:
        entry = self._entries.get(ambassador_id)
        return entry.presence if entry else Presence.OFFLINE

    async def note_offer(self, ambassador_id: str, at: datetime) -> None:
        entry = self._entries.get(ambassador_id)
        if entry is not None:
            entry.last_offered_at = at

    async def snapshot(self) -> list[Ambassador]:
        return [
            Ambassador(e.profile, e.presence, 0, e.last_offered_at) for e in self._entries.values()
        ]
