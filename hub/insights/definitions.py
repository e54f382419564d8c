"""What each figure means, as arithmetic on counts: rates, averages, NPS, percentile ranks.

Pure. The SQL (``queries``) only counts and ranks; every ratio is formed here, from the
same counts the payload shows, so a figure can be checked by hand from its neighbours.
The words are in docs/insights.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from hub.conversation_labels import OUTCOMES

GROUPINGS = ("store", "country", "channel", "ambassador")
CHANNELS = ("webchat", "wechat", "email", "voice")
# The channel of a sale or an appointment that came from an appointment alone.
APPOINTMENT_CHANNEL = "appointment"
UNASSIGNED = "Unassigned"
# Conversation statuses, appointment statuses and feedback scores the figures read.
CLOSED = "closed"
WAITING_FOR_CALLBACK = "scheduled"
CONVERTING = ("booked", "completed", "no_show")
SATISFIED_FROM = 4  # CSAT 4 and 5 of 1..5
PROMOTERS_FROM = 9  # NPS 9 and 10 of 0..10
DETRACTORS_UP_TO = 6  # NPS 0..6
# Nearest-rank percentiles as fractions: the median and the 90th percentile.
MEDIAN = (1, 2)
P90 = (9, 10)
# A closed conversation whose outcome was skipped (NULL); counted, so outcomes add up to
# the closed conversations.
NOT_RECORDED = "not_recorded"
OUTCOME_KEYS = (*OUTCOMES, NOT_RECORDED)


def nearest_rank(count: int, fraction: tuple[int, int]) -> int:
    """The 1-based rank of the nearest-rank percentile among ``count`` sorted values:
    ceil(p * n), in integers so SQL computes the very same number."""
    numerator, denominator = fraction
    return (numerator * count + denominator - 1) // denominator


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` to four decimals; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def average(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None


def nps(promoters: int, detractors: int, responses: int) -> float | None:
    """Net promoter score on -100..100: % promoters minus % detractors."""
    if not responses:
        return None
    return round(100 * (promoters - detractors) / responses, 1)


@dataclass
class Tally:
    """The counts behind one group's figures (or the totals); sums of groups add up."""

    conversations: int = 0
    abandoned: int = 0
    converted: int = 0
    csat_asked: int = 0
    csat_responses: int = 0
    csat_score_sum: int = 0
    csat_satisfied: int = 0
    offers_made: int = 0
    offers_declined: int = 0
    offers_expired: int = 0
    booked: int = 0
    completed: int = 0
    no_show: int = 0
    nps_asked: int = 0
    nps_responses: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0
    # currency -> [amount, lines]
    sales: dict[str, list[Any]] = field(default_factory=dict)
    # outcome (OUTCOME_KEYS) -> closed conversations
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        for name in (f.name for f in fields(self) if f.name not in ("sales", "outcomes")):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for currency, (amount, lines) in other.sales.items():
            self.add_sale(currency, amount, lines)
        for key, count in other.outcomes.items():  # already folded by add_outcome
            self.outcomes[key] = self.outcomes.get(key, 0) + count

    def add_sale(self, currency: str, amount: Decimal, lines: int) -> None:
        found = self.sales.setdefault(currency, [Decimal(0), 0])
        found[0] += amount
        found[1] += lines

    def add_outcome(self, outcome: str | None, count: int) -> None:
        """``count`` closed conversations that ended with ``outcome`` (None: skipped). A
        stored value no longer in the list counts as ``other``, so the outcomes still add
        up to the closed conversations."""
        key = NOT_RECORDED if outcome is None else outcome if outcome in OUTCOMES else "other"
        self.outcomes[key] = self.outcomes.get(key, 0) + count


def outcome_counts(outcomes: dict[str, int]) -> dict[str, int]:
    """The closed conversations and how each ended, every outcome listed (zeros too)."""
    counts = {key: outcomes.get(key, 0) for key in OUTCOME_KEYS}
    return {"closed": sum(counts.values()), **counts}


@dataclass(frozen=True)
class Spread:
    """A duration's nearest-rank median and 90th percentile, in seconds, over ``count``."""

    median: float | None = None
    p90: float | None = None
    count: int = 0

    def payload(self) -> dict[str, Any]:
        return {"median": self.median, "p90": self.p90, "count": self.count}


def money(amount: Decimal) -> str:
    return format(amount.quantize(Decimal("0.01")), "f")


def metrics(tally: Tally, first_response: Spread, wait: Spread) -> dict[str, Any]:
    """One group's figures (``M`` in docs/insights.md) from its counts and spreads."""
    t = tally
    return {
        "conversations": t.conversations,
        "first_response_seconds": first_response.payload(),
        "wait_seconds": wait.payload(),
        "abandoned": t.abandoned,
        "abandonment_rate": rate(t.abandoned, t.conversations),
        "offers": {
            "made": t.offers_made,
            "declined": t.offers_declined,
            "expired": t.offers_expired,
        },
        "csat": {
            "asked": t.csat_asked,
            "responses": t.csat_responses,
            "average": average(t.csat_score_sum, t.csat_responses),
            "satisfied_rate": rate(t.csat_satisfied, t.csat_responses),
        },
        "nps": {
            "asked": t.nps_asked,
            "responses": t.nps_responses,
            "score": nps(t.nps_promoters, t.nps_detractors, t.nps_responses),
        },
        "appointments": {
            "from_conversations": t.converted,
            "conversion_rate": rate(t.converted, t.conversations),
            "booked": t.booked,
            "completed": t.completed,
            "no_show": t.no_show,
            "show_rate": rate(t.completed, t.completed + t.no_show),
        },
        "sales": [
            {"currency": currency, "amount": money(amount), "lines": lines}
            for currency, (amount, lines) in sorted(t.sales.items())
        ],
        "outcomes": outcome_counts(t.outcomes),
    }
