"""The insights report: each metric family's rows gathered into one figure set (``M``)
per group, the totals and the daily series: the payload of ``GET /api/insights``.

Counts of the groups are summed into the totals (every row belongs to one group);
medians and percentiles cannot be summed, so SQL ranks those over everything as well.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Staff
from hub.insights import queries
from hub.insights.definitions import (
    APPOINTMENT_CHANNEL,
    CHANNELS,
    UNASSIGNED,
    Spread,
    Tally,
    metrics,
)
from hub.insights.periods import day_index
from hub.insights.queries import SPREADS
from hub.insights.scope import Question
from hub.messages import iso
from hub.pos_import.attribution import DEFAULT_WINDOW_DAYS

DAILY = ("conversations", "abandoned", "appointments", "csat_responses")
OTHER = "Other"


class _Figures:
    """Rows of every family, folded per group and per local day."""

    def __init__(self) -> None:
        self.tallies: defaultdict[Any, Tally] = defaultdict(Tally)
        self.daily: defaultdict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DAILY, 0))
        self.spreads: dict[str, dict[Any, Spread]] = {}
        self.totals: dict[str, Spread] = {}

    def conversations(self, rows: Sequence[Any]) -> None:
        for row in rows:
            key, day, n, abandoned, converted, asked, answered, score_sum, satisfied = row[:9]
            t = self.tallies[key]
            t.conversations += n
            t.abandoned += abandoned
            t.converted += converted
            t.csat_asked += asked
            t.csat_responses += answered
            t.csat_score_sum += int(score_sum)
            t.csat_satisfied += satisfied
            daily = self.daily[day]
            daily["conversations"] += n
            daily["abandoned"] += abandoned
            daily["csat_responses"] += answered
            for index, name in enumerate(SPREADS):
                picked = row[9 + 6 * index : 15 + 6 * index]
                self._pick(self.spreads.setdefault(name, {}), key, picked[:3])
                self._pick(self.totals, name, picked[3:])

    @staticmethod
    def _pick(found: dict[Any, Spread], key: Any, picked: Sequence[Any]) -> None:
        """Keep a spread's count and the median and p90 from whichever day row holds
        them (``expressions.picked``: null in the others)."""
        count, median, p90 = picked
        known = found.get(key, Spread())
        found[key] = Spread(
            known.median if median is None else _seconds(median),
            known.p90 if p90 is None else _seconds(p90),
            int(count or 0),
        )

    def offers(self, rows: Sequence[Any]) -> None:
        for key, made, declined, expired in rows:
            t = self.tallies[key]
            t.offers_made += made
            t.offers_declined += declined
            t.offers_expired += expired

    def appointments(self, rows: Sequence[Any]) -> None:
        for key, day, booked, completed, no_show, asked, answered, promoters, detractors in rows:
            t = self.tallies[key]
            t.booked += booked
            t.completed += completed
            t.no_show += no_show
            t.nps_asked += asked
            t.nps_responses += answered
            t.nps_promoters += promoters
            t.nps_detractors += detractors
            self.daily[day]["appointments"] += booked + completed + no_show

    def outcomes(self, rows: Sequence[Any]) -> None:
        for key, outcome, closed in rows:
            self.tallies[key].add_outcome(outcome, closed)

    def sales(self, rows: Sequence[Any]) -> None:
        for key, currency, cents, lines in rows:
            self.tallies[key].add_sale(currency, Decimal(int(cents)) / 100, lines)


def _seconds(value: Any) -> float | None:
    return round(float(value), 3) if value is not None else None


async def gather(session: AsyncSession, scope: queries.Scope) -> _Figures:
    """Run every family's statement for the scope (none when no store is in it)."""
    figures = _Figures()
    if not scope.store_ids:
        return figures
    if session.get_bind().dialect.name == "postgresql":
        # These aggregates' estimated costs pass the JIT threshold, and compiling them took
        # longer than running them (bench.insights); the setting ends with the transaction.
        await session.execute(text("SET LOCAL jit = off"))
    figures.conversations(await queries.rows(session, queries.conversation_statement(scope)))
    figures.offers(await queries.rows(session, queries.offer_statement(scope)))
    figures.appointments(await queries.rows(session, queries.appointment_statement(scope)))
    figures.sales(await queries.rows(session, queries.sales_statement(scope)))
    figures.outcomes(await queries.rows(session, queries.outcome_statement(scope)))
    return figures


async def _labels(
    session: AsyncSession, question: Question, keys: set[Any]
) -> dict[Any, tuple[Any, str]]:
    """Each group key's (public key, label): store ids become codes, staff ids keep their
    id and show their name."""
    grouping = question.scope.grouping
    if grouping == "store":
        by_id = {store.id: store for store in question.stores}  # rows are of these only
        return {k: (by_id[k].code, by_id[k].name) for k in keys}
    if grouping == "ambassador":
        names = dict(
            (await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(keys)))).all()
        )
        return {k: (k, names.get(k, UNASSIGNED) if k else UNASSIGNED) for k in keys}
    return {k: (k, k if k is not None else OTHER) for k in keys}


def _expected(question: Question) -> set[Any]:
    """Groups shown even without a figure: the stores read, their countries, channels."""
    scope = question.scope
    if scope.grouping == "store":
        return set(scope.store_ids)
    if scope.grouping == "country":
        return set(scope.country_of.values())
    if scope.grouping == "channel":
        return {scope.channel} if scope.channel else set(CHANNELS)
    return set()


def _order(grouping: str, public_key: Any, label: str) -> tuple[Hashable, ...]:
    if grouping == "channel":
        known = (*CHANNELS, APPOINTMENT_CHANNEL)
        return (known.index(public_key) if public_key in known else len(known), label)
    if grouping == "ambassador":
        return (public_key is None, label.casefold(), public_key or "")
    return (public_key is None, str(public_key or ""))


async def build(session: AsyncSession, question: Question) -> dict[str, Any]:
    """The whole payload for one checked question."""
    scope, asked = question.scope, question.period
    figures = await gather(session, scope)
    keys = set(figures.tallies) | _expected(question)
    for found in figures.spreads.values():
        keys |= set(found)
    labels = await _labels(session, question, keys)
    totals = Tally()
    groups = []
    for key in keys:
        tally = figures.tallies.get(key, Tally())
        totals.add(tally)
        public_key, label = labels[key]
        spreads = [figures.spreads.get(name, {}).get(key, Spread()) for name in SPREADS]
        groups.append({"key": public_key, "label": label, **metrics(tally, *spreads)})
    groups.sort(key=lambda group: _order(scope.grouping, group["key"], group["label"]))
    return {
        "period": {
            "from": asked.first.isoformat(),
            "to": asked.last.isoformat(),
            "timezone": asked.zone.key,
            "start": iso(asked.start),
            "end": iso(asked.end),
        },
        "by": scope.grouping,
        "attribution_days": DEFAULT_WINDOW_DAYS,
        "totals": metrics(totals, *(figures.totals.get(name, Spread()) for name in SPREADS)),
        "groups": groups,
        "daily": [
            {"day": day.isoformat(), **figures.daily.get(day_index(day), dict.fromkeys(DAILY, 0))}
            for day in asked.days()
        ],
    }
