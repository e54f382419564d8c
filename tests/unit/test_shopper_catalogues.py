"""The shopper pages' texts (widget, demo shop, contact and callback forms, booking page,
verification, WeChat link, rating page): every key their code and HTML use is in each of
the eleven shopper catalogues (hub/web/static/i18n/LANG.json), the catalogues agree on
their keys and placeholders, plural texts carry the forms each language needs, and the
pages carry no text outside them. A key missing from a catalogue shows on screen as the key
itself (or in English), a lost placeholder as a raw {name}, a missing plural form as the
wrong grammar for two or eleven of something."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.i18n.languages import SHOPPER_LANGUAGES
from tests.unit.catalogue_checks import (
    PLURAL_FORMS,
    STATIC,
    blank_texts,
    copied_from_english,
    keys_apart,
    load_catalogue,
    missing_keys,
    module_keys,
    needed_plural_forms,
    page_keys,
    placeholders,
    placeholders_of,
    untranslated_text,
    where,
    wrong_plurals,
)

CATALOGUES = STATIC / "i18n"
PAGES = sorted(
    path
    for name in ("chat.html", "book.html", "verify.html", "wechat-link.html", "rate.html")
    if (path := STATIC / name).exists()
)
MODULES = sorted(
    path
    for pattern in (
        "widget.js",
        "widget/*.js",
        "chat.js",
        "contact/*.js",
        "book/*.js",
        "verify.js",
        "wechat-link.js",
        "rate.js",
        "rate/*.js",
        "shared/*.js",
    )
    for path in STATIC.glob(pattern)
    # The library itself: its comments show keys as examples.
    if path.name != "i18n.js"
)

# Shown as they are on every page: brand, house and product names, street addresses,
# the arrows and separators.
AS_IS = {
    "Maison Lumière",
    "Paris · depuis 1897",
    "Solitaire Aube",
    "Collier Rivière",
    "Boucles Perle",
    "— 12 place Vendôme",
    "— 41 New Bond Street",
    "— 88 Middle Huaihai Road",
    "\u2039",  # the "back" arrow (single left-pointing angle quotation mark)
    "\u203a",  # and its "forward" twin
}


def catalogue(language: str) -> dict[str, Any]:
    return load_catalogue(CATALOGUES, language)


@pytest.mark.parametrize("language", SHOPPER_LANGUAGES)
def test_every_text_a_shopper_page_uses_is_in_the_catalogue(language: str) -> None:
    assert missing_keys(catalogue(language), PAGES, MODULES) == []


def test_the_shopper_pages_use_their_catalogue() -> None:
    """The scan above reads real code: every page and the widget do use keys."""
    used = set().union(*(page_keys(page) for page in PAGES), *map(module_keys, MODULES))
    expected = {
        "widget.send",  # widget/ui.js
        "widget.status.queue",  # widget/panel.js
        "callback.done.tomorrow",  # widget/callback.js
        "chat.heroTitle",  # chat.html
        "contact.thanks",  # contact/main.js
        "book.timesFor",  # book/slot-picker.js
        "book.storeTitle",  # book.html
        "verify.confirm",  # verify.html
        "wechatLink.error.invalidState",  # wechat-link.js
        "common.typing",  # shared/typing.js
    }
    assert expected <= used


@pytest.mark.parametrize("language", [lang for lang in SHOPPER_LANGUAGES if lang != "en"])
def test_each_catalogue_has_exactly_the_keys_of_the_english_one(language: str) -> None:
    assert keys_apart(catalogue("en"), catalogue(language)) == {"missing": [], "unused": []}


@pytest.mark.parametrize("language", SHOPPER_LANGUAGES)
def test_translations_keep_the_placeholders_of_the_english_text(language: str) -> None:
    english, texts = catalogue("en"), catalogue(language)
    wrong: dict[str, Any] = {}
    for key, value in texts.items():
        if key not in english:
            continue
        wanted = placeholders_of(english[key])
        if isinstance(value, dict):
            # A plural form may say "one" or "two" in words instead of {count}.
            for form, text in value.items():
                if not wanted - {"count"} <= placeholders(text) <= wanted:
                    wrong[f"{key}.{form}"] = sorted(placeholders(text))
        elif placeholders(value) != wanted:
            wrong[key] = (sorted(placeholders(value)), sorted(wanted))
    assert wrong == {}
    assert blank_texts(texts) == []


@pytest.mark.parametrize("language", SHOPPER_LANGUAGES)
def test_plural_texts_have_every_form_the_language_needs(language: str) -> None:
    assert language != "ar" or needed_plural_forms(language) == PLURAL_FORMS
    assert wrong_plurals(catalogue("en"), catalogue(language), language) == {}


@pytest.mark.parametrize("language", [lang for lang in SHOPPER_LANGUAGES if lang != "en"])
def test_a_catalogue_is_a_translation_not_a_copy_of_the_english(language: str) -> None:
    """Names (Concierge, Savoir-faire) may stay; the texts themselves may not."""
    english, texts = catalogue("en"), catalogue(language)
    same = copied_from_english(english, texts)
    assert len(same) <= len(texts) * 0.1, same


@pytest.mark.parametrize("page", PAGES, ids=where)
def test_a_page_carries_no_text_outside_the_catalogue(page: Path) -> None:
    assert untranslated_text(page, AS_IS) == []
