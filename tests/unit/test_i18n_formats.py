"""Locale formats of the server's texts: what a shopper reads in an e-mail or a WeChat text."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.i18n import direction, supported, texts
from hub.i18n.languages import CONSOLE_LANGUAGES, accept_language, babel_locale


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fr-CA", "fr"),
        ("zh-CN", "zh-Hans"),
        ("zh_SG", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-Hant-CN", "zh-Hant"),
        ("ZH", "zh-Hans"),
        ("ar-EG", "ar"),
        ("pt-BR", None),
        ("", None),
        (None, None),
    ],
)
def test_tags_map_to_the_languages_we_speak(tag: str | None, expected: str | None) -> None:
    assert supported(tag) == expected


def test_the_console_speaks_fewer_languages() -> None:
    assert supported("ko", CONSOLE_LANGUAGES) is None
    assert supported("zh-TW", CONSOLE_LANGUAGES) is None
    assert supported("ja-JP", CONSOLE_LANGUAGES) == "ja"


def test_accept_language_is_ordered_by_quality_and_drops_refusals() -> None:
    header = "de-CH;q=0.8, fr;q=0.9, *;q=0.1, en;q=0, ja, x;q=oops"
    assert accept_language(header) == ["ja", "fr", "de-CH"]
    assert accept_language(None) == []


def test_arabic_runs_right_to_left() -> None:
    assert direction("ar-AE") == "rtl"
    assert direction("ja") == "ltr"
    assert texts("ar").direction == "rtl"


def test_unsupported_languages_get_english_texts() -> None:
    assert texts("pt-BR").language == "en"
    assert texts(None).language == "en"
    assert babel_locale("zh-TW") == "zh_Hant_TW"


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", Decimal("14500"), "EUR", "€14,500.00"),
        ("fr", Decimal("14500.5"), "EUR", "14\u202f500,50\u00a0€"),
        ("de", Decimal("14500.5"), "EUR", "14.500,50\u00a0€"),
        ("ja", Decimal("2465000"), "JPY", "￥2,465,000"),
        ("en", Decimal("2465000"), "JPY", "¥2,465,000"),
        ("zh-Hans", Decimal("116000"), "CNY", "¥116,000.00"),
    ],
)
def test_prices_keep_their_currency_in_the_readers_conventions(
    language: str, amount: Decimal, currency: str, expected: str
) -> None:
    assert texts(language).price(amount, currency) == expected


def test_times_are_written_on_the_stores_clock_in_the_readers_language() -> None:
    moment = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    assert texts("en").datetime(moment, "Asia/Tokyo", "long").startswith("December 4, 2026")
    assert "18:30" in texts("fr").datetime(moment, "Asia/Tokyo")
    assert texts("ja").date(moment) == "2026年12月4日"
    assert texts("ko").time(moment, "Asia/Seoul").endswith("6:30")
