"""The invitation page speaks the console's languages: every text it shows is in each of
the four console catalogues, with the same placeholders, and the page has no text of its
own besides the brand. A missing key would show the newcomer a raw ``invite.…`` name."""

from __future__ import annotations

from typing import Any

import pytest

from hub.i18n.languages import CONSOLE_LANGUAGES
from tests.unit.catalogue_checks import (
    STATIC,
    load_catalogue,
    missing_keys,
    module_keys,
    page_keys,
    placeholders,
    untranslated_text,
)

PAGE = STATIC / "invite.html"
MODULES = sorted((STATIC / "invite").glob("*.js"))


def catalogue(language: str) -> dict[str, Any]:
    return load_catalogue(STATIC / "i18n" / "console", language)


def test_the_page_uses_invite_keys() -> None:
    used = set().union(page_keys(PAGE), *map(module_keys, MODULES))
    assert {"invite.title", "invite.submit", "invite.invalid", "invite.greeting"} <= used


@pytest.mark.parametrize("language", CONSOLE_LANGUAGES)
def test_every_text_of_the_page_is_in_the_catalogue(language: str) -> None:
    texts, english = catalogue(language), catalogue("en")
    assert missing_keys(texts, [PAGE], MODULES) == []
    for key in (k for k in english if k.startswith("invite.")):
        assert key in texts, key
        assert placeholders(texts[key]) == placeholders(english[key]), key


def test_the_page_carries_no_text_outside_the_catalogues() -> None:
    assert untranslated_text(PAGE, {"Concierge"}) == []
