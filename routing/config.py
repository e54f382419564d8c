"""Routing knobs, with defaults a boutique can live with; the hub builds one from settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

# How much of an ambassador's capacity one conversation takes, by channel. ``None`` means
# all of it: a phone call has the ambassador's full attention.
DEFAULT_CHANNEL_WEIGHTS: Mapping[str, float | None] = MappingProxyType(
    {"webchat": 1.0, "wechat": 1.0, "email": 0.5, "voice": None}
)
DEFAULT_TIER_PRIORITY: Mapping[str, int] = MappingProxyType({"standard": 1, "vip": 2, "vvip": 3})
# A requeue after an ambassador vanished jumps ahead of everything else.
FRONT_OF_QUEUE = 1_000


@dataclass(frozen=True)
class RoutingConfig:
    channel_weights: Mapping[str, float | None] = field(
        default_factory=lambda: DEFAULT_CHANNEL_WEIGHTS
    )
    tier_priority: Mapping[str, int] = field(default_factory=lambda: DEFAULT_TIER_PRIORITY)
    # Aging: one priority level is worth this much waiting, so a standard conversation is
    # overtaken by VIPs that arrive at most this long after it, and never starved.
    priority_step: timedelta = timedelta(minutes=2)
    relax_skills_after: timedelta = timedelta(seconds=60)
    relax_language_after: timedelta = timedelta(seconds=120)
    preferred_wait: timedelta = timedelta(seconds=60)
    overflow_region_after: timedelta = timedelta(seconds=90)
    overflow_service_centre_after: timedelta = timedelta(seconds=180)
    offer_timeout: timedelta = timedelta(seconds=30)
    transfer_priority: int = 3  # a transferred shopper has already waited once
    # A callback at the time the shopper chose is a promise: ahead of chats of their tier.
    callback_priority: int = 2
    missed_offers_before_away: int = 2
    disconnect_grace: timedelta = timedelta(seconds=30)
    # Reconciliation, in every process, for what a process killed outright leaves behind:
    # how often it beats, expires lapsed offers and reaps dead processes; how long without
    # a beat until a process is given up (its consoles count as disconnected); how late an
    # offer may be before a process other than its maker expires it, and when that one
    # tries again should it die too; how often and after how long a conversation the
    # database has waiting but routing never heard of is queued.
    reconcile_every: timedelta = timedelta(seconds=1)
    process_timeout: timedelta = timedelta(seconds=10)
    lapse_margin: timedelta = timedelta(milliseconds=500)
    lapse_retry: timedelta = timedelta(seconds=5)
    unrouted_check_every: timedelta = timedelta(seconds=3)
    unrouted_after: timedelta = timedelta(seconds=2)
    default_handle_seconds: float = 300.0

    def weight(self, channel: str, capacity: float) -> float:
        configured = self.channel_weights.get(channel, 1.0)
        return capacity if configured is None else configured

    def priority_of(self, tier: str | None) -> int:
        return self.tier_priority.get(tier or "standard", 1)

    def callback_priority_of(self, tier: str | None) -> int:
        return max(self.priority_of(tier), self.callback_priority)
