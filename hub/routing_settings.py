"""Routing settings an admin changes in the console, over the settings-file defaults.

The table holds overrides only (``hub.db.admin_models``): a field set to ``null`` goes
back to the default of the environment (``HUB_OFFER_TIMEOUT_SECONDS``…). Every web
process applies the saved settings at start-up and follows changes without a restart: the
process that saves a change applies it at once, the others see the row's ``version`` move
on their next tick (``SettingsWatch``, every ``HUB_CHANGE_POLL_SECONDS``: one primary-key
read). The same tick takes the store topology other processes wrote to routing's shared
state, so an edited store (region, hours, service centre) is routed with everywhere.

``effective`` and ``check_changes`` are pure; the rest reads or writes the row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, staff_access
from hub.db.admin_models import SETTINGS_ROW, RoutingSettingsRow
from hub.db.engine import Database
from hub.db.models import Staff
from hub.errors import Forbidden, InvalidInput
from hub.messages import iso
from hub.routing_config import routing_config
from hub.settings import Settings
from hub.staff import Principal
from routing.config import RoutingConfig
from routing.service import RoutingService

log = logging.getLogger("hub.routing_settings")

# API field -> (RoutingConfig attribute, lowest, highest), in seconds.
SECONDS: dict[str, tuple[str, float, float]] = {
    "offer_timeout_seconds": ("offer_timeout", 5, 600),
    "disconnect_grace_seconds": ("disconnect_grace", 0, 600),
    "overflow_region_after_seconds": ("overflow_region_after", 0, 3600),
    "overflow_service_centre_after_seconds": ("overflow_service_centre_after", 0, 3600),
    "relax_language_after_seconds": ("relax_language_after", 0, 3600),
    "relax_skills_after_seconds": ("relax_skills_after", 0, 3600),
    "preferred_wait_seconds": ("preferred_wait", 0, 3600),
}
CHANNELS = ("webchat", "wechat", "email", "voice")
# A weight is a share of an ambassador's capacity (1-50 conversations); null: all of it.
MIN_WEIGHT, MAX_WEIGHT = 0.1, 50.0
FIELDS = (*SECONDS, "channel_weights")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def values_of(config: RoutingConfig) -> dict[str, Any]:
    """The settings as the API shows them, read from a routing configuration."""
    found: dict[str, Any] = {
        field: getattr(config, attribute).total_seconds()
        for field, (attribute, _low, _high) in SECONDS.items()
    }
    found["channel_weights"] = {
        channel: config.channel_weights.get(channel, 1.0) for channel in CHANNELS
    }
    return found


def effective(base: RoutingConfig, overrides: dict[str, Any]) -> RoutingConfig:
    """The defaults with the saved overrides on top (unknown keys are ignored: a row
    written by a newer version must not stop an older process)."""
    changes: dict[str, Any] = {}
    for field, (attribute, low, high) in SECONDS.items():
        value = overrides.get(field)
        if isinstance(value, int | float) and _number(value) and low <= value <= high:
            changes[attribute] = timedelta(seconds=value)
    weights = overrides.get("channel_weights")
    if isinstance(weights, dict):
        merged = dict(base.channel_weights)
        for channel in CHANNELS:
            if channel in weights and (weights[channel] is None or _number(weights[channel])):
                merged[channel] = weights[channel]
        changes["channel_weights"] = merged
    return replace(base, **changes)


def _weights(value: object) -> dict[str, float | None] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("channel_weights", "channel_weights maps channels to weights")
    result: dict[str, float | None] = {}
    for channel, weight in value.items():
        field = f"channel_weights.{channel}"
        if channel not in CHANNELS:
            raise InvalidInput(field, f"the channels are {', '.join(CHANNELS)}")
        if weight is not None and not (_number(weight) and MIN_WEIGHT <= weight <= MAX_WEIGHT):
            raise InvalidInput(
                field, f"a weight is {MIN_WEIGHT} to {MAX_WEIGHT:g}, or null for all attention"
            )
        result[channel] = None if weight is None else float(weight)
    return result


def check_changes(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The overrides after a ``PATCH``: ``null`` resets a field to its default;
    ``channel_weights`` are merged channel by channel (a channel's ``null`` there means a
    conversation takes all of the ambassador's attention, as a phone call does)."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidInput(unknown[0], f"{unknown[0]} is not one of {', '.join(FIELDS)}")
    result = dict(current)
    for field, (_attribute, low, high) in SECONDS.items():
        if field not in body:
            continue
        value = body[field]
        if value is None:
            result.pop(field, None)
        elif _number(value) and low <= value <= high:
            result[field] = value
        else:
            raise InvalidInput(field, f"{field} must be a number from {low:g} to {high:g}")
    if "channel_weights" in body:
        weights = _weights(body["channel_weights"])
        if weights is None:
            result.pop("channel_weights", None)
        else:
            result["channel_weights"] = {**result.get("channel_weights", {}), **weights}
    return result


async def saved(session: AsyncSession) -> RoutingSettingsRow | None:
    return await session.get(RoutingSettingsRow, SETTINGS_ROW)


@dataclass(frozen=True)
class View:
    """What ``GET /api/admin/routing`` answers."""

    overrides: dict[str, Any]
    version: int
    updated_at: datetime | None
    updated_by: dict[str, str] | None

    def payload(self, base: RoutingConfig) -> dict[str, Any]:
        return {
            "settings": values_of(effective(base, self.overrides)),
            "defaults": values_of(base),
            "updated_at": iso(self.updated_at),
            "updated_by": self.updated_by,
        }


async def view(session: AsyncSession, caller: Principal) -> View:
    """Managers read them (they explain what their teams see); admins change them."""
    staff_access.require_manager(caller)
    row = await saved(session)
    if row is None:
        return View({}, 0, None, None)
    who = await session.get(Staff, row.updated_by) if row.updated_by else None
    person = {"id": who.id, "name": who.name} if who is not None else None
    return View(dict(row.overrides or {}), row.version, row.updated_at, person)


async def update(
    session: AsyncSession, caller: Principal, body: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Save a ``PATCH``; returns the overrides before and after (audited)."""
    staff_access.require_manager(caller)
    if not staff_access.is_admin(caller):
        raise Forbidden("only an admin can change the routing settings", code="admin_only")
    row = await saved(session)
    if row is None:
        row = RoutingSettingsRow(id=SETTINGS_ROW, overrides={}, version=0)
        session.add(row)
    before = dict(row.overrides or {})
    after = check_changes(before, body)
    if after != before:
        row.overrides = after
        row.version = (row.version or 0) + 1
        row.updated_at = now
        row.updated_by = caller.id
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=caller.id,
            action="routing_settings.updated",
            subject_type="routing_settings",
            subject_id=str(SETTINGS_ROW),
            changes={
                key: {"from": before.get(key), "to": after.get(key)}
                for key in sorted(set(before) | set(after))
                if before.get(key) != after.get(key)
            },
        )
    await session.flush()
    return before, after


async def apply(
    routing: RoutingService, settings: Settings, overrides: dict[str, Any], *, reweigh: bool
) -> None:
    """Routing takes the new settings from its next decision on. ``reweigh``: this process
    made the change, so it recounts the loads if channel weights moved (once for all)."""
    old = routing.config
    routing.reconfigure(effective(routing_config(settings), overrides))
    if reweigh and old.channel_weights != routing.config.channel_weights:
        await routing.reweigh(old)


class SettingsWatch:
    """Per web process: applies the saved settings at start-up, then follows changes made
    by other processes, and the store topology they wrote, every ``seconds``."""

    def __init__(self, db: Database, routing: RoutingService, settings: Settings) -> None:
        self.db = db
        self.routing = routing
        self.settings = settings
        self.version: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """Apply what is saved now (start-up, or a change seen)."""
        async with self.db.reading() as session:
            row = await saved(session)
            version, overrides = (row.version, dict(row.overrides or {})) if row else (0, {})
        if version != self.version:
            await apply(self.routing, self.settings, overrides, reweigh=False)
            self.version = version

    def saw(self, version: int) -> None:
        """This process applied ``version`` itself: nothing to read for it."""
        self.version = max(version, self.version or 0)

    async def tick(self) -> None:
        await self.load()
        await self.routing.reload_stores()

    def start(self, seconds: float) -> None:
        async def run() -> None:
            while True:
                await asyncio.sleep(seconds)
                try:
                    await self.tick()
                except Exception:  # the database, say: the next tick tries again
                    log.warning("routing settings: reading them failed", exc_info=True)

        self._task = asyncio.create_task(run(), name="routing-settings-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


SETTINGS_WATCH = web.AppKey("routing_settings_watch", SettingsWatch)
