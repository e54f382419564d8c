"""The ambassador console's texts: every key the console's code and page use is in each of
the four console catalogues (hub/web/static/i18n/console/LANG.json), the catalogues agree
on their keys and placeholders, and the page itself carries no text outside them. A key
missing from a catalogue shows on screen as the key itself, a placeholder lost in
translation as a blank or a raw {name}."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hub.i18n.languages import CONSOLE_LANGUAGES
from tests.unit.catalogue_checks import (
    STATIC,
    blank_texts,
    copied_from_english,
    keys_apart,
    load_catalogue,
    missing_keys,
    module_keys,
    page_keys,
    placeholders_of,
    untranslated_text,
    wrong_plurals,
)

CATALOGUES = STATIC / "i18n" / "console"
PAGE = STATIC / "console.html"
MODULES = sorted((STATIC / "console").rglob("*.js"))
# Text the page may show as it is: the brand, and the arrow of the "back" button.
AS_IS = {"Concierge", "←"}


def catalogue(language: str) -> dict[str, Any]:
    return load_catalogue(CATALOGUES, language)


@pytest.mark.parametrize("language", CONSOLE_LANGUAGES)
def test_every_text_the_console_uses_is_in_the_catalogue(language: str) -> None:
    assert missing_keys(catalogue(language), [PAGE], MODULES) == []


def test_the_console_uses_its_catalogues() -> None:
    """The scan above reads real code: the page and the modules do use keys."""
    used = set().union(page_keys(PAGE), *map(module_keys, MODULES))
    assert {"login.title", "offers.title", "offers.emptyAway", "timeline.typing"} <= used


@pytest.mark.parametrize("language", [lang for lang in CONSOLE_LANGUAGES if lang != "en"])
def test_each_catalogue_has_the_keys_of_the_english_one(language: str) -> None:
    assert keys_apart(catalogue("en"), catalogue(language)) == {"missing": [], "unused": []}


@pytest.mark.parametrize("language", CONSOLE_LANGUAGES)
def test_translations_keep_the_placeholders_and_plural_forms(language: str) -> None:
    english, texts = catalogue("en"), catalogue(language)
    wrong = {
        key: (sorted(placeholders_of(value)), sorted(placeholders_of(english[key])))
        for key, value in texts.items()
        if key in english and placeholders_of(value) != placeholders_of(english[key])
    }
    assert wrong == {}
    assert blank_texts(texts) == []


@pytest.mark.parametrize("language", CONSOLE_LANGUAGES)
def test_plural_texts_have_every_form_the_language_needs(language: str) -> None:
    """Intl.PluralRules picks among CLDR's categories: French has "many" (1 000 000 de …)."""
    assert wrong_plurals(catalogue("en"), catalogue(language), language) == {}


@pytest.mark.parametrize("language", [lang for lang in CONSOLE_LANGUAGES if lang != "en"])
def test_a_catalogue_is_a_translation_not_a_copy_of_the_english(language: str) -> None:
    """Names (WeChat), units and bare placeholders may stay as they are; the texts may not."""
    english, texts = catalogue("en"), catalogue(language)
    same = copied_from_english(english, texts)
    assert len(same) <= len(texts) * 0.1, same


def test_the_console_page_has_no_text_outside_the_catalogues() -> None:
    assert untranslated_text(PAGE, AS_IS) == []


def test_every_console_language_has_a_catalogue() -> None:
    """The hub, the page's script and the catalogues served agree on the four languages."""
    assert sorted(path.stem for path in CATALOGUES.glob("*.json")) == sorted(CONSOLE_LANGUAGES)
    script = (STATIC / "shared" / "i18n.js").read_text(encoding="utf-8")
    listed = re.search(r"CONSOLE_LANGUAGES = \[([^\]]*)\]", script)
    assert listed is not None
    assert re.findall(r'"([^"]+)"', listed.group(1)) == list(CONSOLE_LANGUAGES)
