"""Tiers from lifetime value per currency; imported or hand-set tiers win."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.profiles.tier import DEFAULT_THRESHOLDS, TIERS, derive_tier, effective_tier, lifetime_value


def test_tiers_ascend() -> None:
    assert TIERS == ("standard", "vip", "vvip")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, "standard"),
        ({"EUR": Decimal("19999.99")}, "standard"),
        ({"EUR": Decimal(20_000)}, "vip"),
        ({"EUR": Decimal("99999.99")}, "vip"),
        ({"EUR": Decimal(100_000)}, "vvip"),
        ({"GBP": Decimal(16_999)}, "standard"),
        ({"GBP": Decimal(17_000)}, "vip"),
        ({"GBP": Decimal(85_000)}, "vvip"),
        ({"USD": Decimal(21_999)}, "standard"),
        ({"USD": Decimal(22_000)}, "vip"),
        ({"USD": Decimal(110_000)}, "vvip"),
        ({"CNY": Decimal(149_999)}, "standard"),
        ({"CNY": Decimal(150_000)}, "vip"),
        ({"CNY": Decimal(750_000)}, "vvip"),
        ({"JPY": Decimal(2_999_999)}, "standard"),
        ({"JPY": Decimal(3_000_000)}, "vip"),
        ({"JPY": Decimal(15_000_000)}, "vvip"),
        ({"CHF": Decimal(20_000)}, "vip"),
        ({"CHF": Decimal(100_000)}, "vvip"),
    ],
)
def test_thresholds_per_currency(value: dict[str, Decimal], expected: str) -> None:
    assert derive_tier(value) == expected


def test_a_tier_is_reached_in_one_currency_not_by_adding_currencies() -> None:
    # 19,000 EUR + 16,000 GBP would exceed the EUR threshold if converted; it is not.
    assert derive_tier({"EUR": Decimal(19_000), "GBP": Decimal(16_000)}) == "standard"
    assert derive_tier({"EUR": Decimal(19_000), "GBP": Decimal(85_000)}) == "vvip"


def test_a_currency_without_thresholds_never_reaches_a_tier() -> None:
    assert derive_tier({"SEK": Decimal(10_000_000)}) == "standard"


def test_thresholds_can_be_given() -> None:
    thresholds = {"vip": {"EUR": Decimal(1_000)}}
    assert derive_tier({"EUR": Decimal(1_000)}, thresholds) == "vip"
    assert derive_tier({"EUR": Decimal(10**9)}, thresholds) == "vip"


def test_default_thresholds_rise_with_the_tier() -> None:
    for currency, vip in DEFAULT_THRESHOLDS["vip"].items():
        assert DEFAULT_THRESHOLDS["vvip"][currency] > vip


def test_lifetime_value_sums_quantity_times_price_per_currency() -> None:
    lines = [
        ("EUR", 1, Decimal("12500.00")),
        ("EUR", 2, Decimal("3750.50")),
        ("GBP", 1, Decimal("900")),
        ("EUR", 1, Decimal("-2000")),  # a return
    ]
    assert lifetime_value(lines) == {"EUR": Decimal("18001.00"), "GBP": Decimal(900)}
    assert lifetime_value([]) == {}


def test_purchases_to_tier() -> None:
    lines = [("EUR", 1, Decimal(15_000)), ("EUR", 1, Decimal(5_000))]
    assert derive_tier(lifetime_value(lines)) == "vip"


@pytest.mark.parametrize(
    ("derived", "imported", "source", "expected"),
    [
        ("standard", "vvip", "import", "vvip"),
        ("vvip", "standard", "import", "standard"),
        ("vip", "vvip", "manual", "vvip"),
        ("vvip", "vip", "manual", "vip"),
        ("vip", "vvip", "derived", "vip"),
        ("vip", None, "derived", "vip"),
        ("vip", None, "import", "vip"),
        ("vip", "platinum", "manual", "vip"),
        ("standard", "vip", "chat", "standard"),
    ],
)
def test_import_and_manual_win_over_derived(
    derived: str, imported: str | None, source: str, expected: str
) -> None:
    assert effective_tier(derived, imported, source) == expected
