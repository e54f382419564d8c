"""Loyalty tiers derived from what a customer has bought, per currency.

Pure. Thresholds are per currency because a house selling in 18 markets does not convert
prices to one currency to decide who is a VIP; a customer reaches a tier when their
lifetime value in any one currency reaches that tier's threshold in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType

TIERS = ("standard", "vip", "vvip")  # ascending

DEFAULT_THRESHOLDS: Mapping[str, Mapping[str, Decimal]] = MappingProxyType(
    {
        "vip": MappingProxyType(
            {
                "EUR": Decimal(20_000),
                "GBP": Decimal(17_000),
                "USD": Decimal(22_000),
                "CNY": Decimal(150_000),
                "JPY": Decimal(3_000_000),
                "CHF": Decimal(20_000),
            }
        ),
        "vvip": MappingProxyType(
            {
                "EUR": Decimal(100_000),
                "GBP": Decimal(85_000),
                "USD": Decimal(110_000),
                "CNY": Decimal(750_000),
                "JPY": Decimal(15_000_000),
                "CHF": Decimal(100_000),
            }
        ),
    }
)


def lifetime_value(lines: Iterable[tuple[str, int, Decimal]]) -> dict[str, Decimal]:
    """Sum of quantity x unit price per currency, from (currency, quantity, unit_price)."""
    totals: dict[str, Decimal] = {}
    for currency, quantity, unit_price in lines:
        totals[currency] = totals.get(currency, Decimal(0)) + quantity * unit_price
    return totals


def derive_tier(
    value: Mapping[str, Decimal],
    thresholds: Mapping[str, Mapping[str, Decimal]] = DEFAULT_THRESHOLDS,
) -> str:
    """The highest tier whose threshold is met in at least one currency."""
    reached = "standard"
    for tier in TIERS[1:]:
        limits = thresholds.get(tier, {})
        if any(value.get(currency, Decimal(0)) >= limit for currency, limit in limits.items()):
            reached = tier
    return reached


def effective_tier(derived: str, imported: str | None, source: str) -> str:
    """A tier set by import or by hand wins over the derived one; otherwise derive."""
    if source in ("import", "manual") and imported in TIERS:
        return imported
    return derived
