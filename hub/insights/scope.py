"""Who may read which figures: the request's parameters checked, and the caller's stores
narrowed by the filters.

Insights are for store managers (and admins): an ambassador is refused. A manager reads
the stores they are linked to, like every console call (``Principal.store_ids``); a store
outside them answers 404, as if it did not exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Store
from hub.errors import Forbidden, InvalidInput, NotFound
from hub.insights.definitions import CHANNELS, GROUPINGS
from hub.insights.periods import Period, period, zone_named
from hub.insights.queries import Scope
from hub.staff import Principal

_COUNTRY = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True)
class Question:
    """A report request: what was asked, checked, and the stores it reads."""

    period: Period
    scope: Scope
    stores: Sequence[Store]  # the stores read, ordered by code


def require_manager(who: Principal) -> None:
    if not who.is_manager:
        raise Forbidden("insights are for store managers", code="forbidden")


def _choice(
    params: Mapping[str, str], name: str, among: Sequence[str], default: str | None
) -> str | None:
    value = params.get(name) or default
    if value is not None and value not in among:
        raise InvalidInput(name, f"{name} must be one of {', '.join(among)}")
    return value


async def question(
    session: AsyncSession,
    who: Principal,
    params: Mapping[str, str],
    *,
    now: datetime,
    abandon_after: timedelta,
) -> Question:
    """The checked request of ``who`` for ``params`` (the query string)."""
    require_manager(who)
    grouping = _choice(params, "by", GROUPINGS, "store")
    assert grouping is not None
    channel = _choice(params, "channel", CHANNELS, None)
    country = params.get("country") or None
    if country is not None and not _COUNTRY.fullmatch(country):
        raise InvalidInput("country", "country must be a two-letter code, e.g. FR")
    mine = (
        await session.scalars(
            select(Store).where(Store.id.in_(sorted(who.store_ids))).order_by(Store.code)
        )
    ).all()
    stores = list(mine)
    chosen = params.get("store") or None
    if chosen is not None:
        stores = [store for store in mine if store.code.upper() == chosen.upper()]
        if not stores:
            raise NotFound("store not found")
    zone = _zone(params.get("timezone"), stores or mine)
    asked = period(params.get("from"), params.get("to"), zone)
    if country is not None:
        stores = [store for store in stores if store.country.upper() == country.upper()]
    scope = Scope(
        start=asked.start,
        end=asked.end,
        store_ids=tuple(store.id for store in stores),
        country_of={store.id: store.country for store in stores},
        channel=channel,
        grouping=grouping,
        segments=asked.segments(),
        abandon_before=now - abandon_after,
    )
    return Question(period=asked, scope=scope, stores=stores)


def _zone(name: str | None, stores: Sequence[Store]) -> ZoneInfo:
    """The zone asked for, else the (chosen or first) store's, else UTC."""
    if name:
        return zone_named(name)
    return ZoneInfo(stores[0].timezone if stores else "UTC")
