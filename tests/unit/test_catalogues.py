"""Every text is translated in every language it is served in.

The server's texts (gettext ``.po`` catalogues) are checked against what Babel extracts
from ``hub/`` and ``adapters/`` right now, so a new ``gettext("…")`` without its
translations fails here, naming the text and the languages that lack it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from hub.i18n import SHOPPER_LANGUAGES
from hub.i18n.catalogues import LOCALE_DIR, catalogue_path
from hub.i18n.languages import babel_locale

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("hub", "adapters")
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")

MessageId = str | tuple[str, ...]


@cache
def extracted() -> dict[MessageId, str]:
    """Every message id in the source, with where it was first seen."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[MessageId, str] = {}
    for source in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
            ROOT / source, method_map, options_map, keywords=DEFAULT_KEYWORDS
        ):
            key = message if isinstance(message, str) else tuple(m for m in message if m)
            found.setdefault(key, f"{source}/{filename}:{line}")
    return found


@cache
def catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=babel_locale(language))


def entries(language: str) -> Iterator[tuple[MessageId, tuple[str, ...], bool]]:
    """(id, translated forms, fuzzy) of each entry, ids as ``extracted`` spells them."""
    for message in catalogue(language):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else tuple(message.id)
        forms = (message.string,) if isinstance(message.string, str) else message.string
        yield key, tuple(form or "" for form in forms), message.fuzzy


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_the_sources_have_server_texts_to_check() -> None:
    assert "Your appointment at {store}: {when}" in extracted()  # extraction itself works


def test_the_template_lists_every_server_text() -> None:
    with (LOCALE_DIR / "concierge.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(handle)}
    missing = sorted(
        f"{where}: {key!r}" for key, where in extracted().items() if key not in template
    )
    assert not missing, "run pybabel extract (docs/i18n.md); not in concierge.pot:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("language", SHOPPER_LANGUAGES)
def test_every_server_text_is_translated(language: str) -> None:
    translated = {key: (forms, fuzzy) for key, forms, fuzzy in entries(language)}
    problems = []
    for key, where in extracted().items():
        if key not in translated:
            problems.append(f"missing   {where}: {key!r}")
            continue
        forms, fuzzy = translated[key]
        if fuzzy:
            problems.append(f"fuzzy     {where}: {key!r}")
        elif language != "en" and not all(forms):
            problems.append(f"empty     {where}: {key!r}")
    assert not problems, f"{catalogue_path(language)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", SHOPPER_LANGUAGES)
def test_translations_keep_the_placeholders_of_their_text(language: str) -> None:
    """``{store}`` renamed or dropped would raise, or lose the store's name, at run time.
    A plural form may leave out ``{count}`` ("دقيقة واحدة", one minute), nothing else."""
    problems = []
    for key, forms, _fuzzy in entries(language):
        wanted = placeholders(key if isinstance(key, str) else key[-1])
        for form in filter(None, forms):
            found = placeholders(form)
            plural_ok = isinstance(key, tuple) and found <= wanted and wanted - found <= {"count"}
            if found != wanted and not plural_ok:
                problems.append(f"{key!r}: {form!r} has {sorted(found)}, not {sorted(wanted)}")
    assert not problems, f"{catalogue_path(language)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", SHOPPER_LANGUAGES)
def test_plural_texts_have_every_form_of_the_language(language: str) -> None:
    catalog = catalogue(language)
    short = [
        repr(key)
        for key, forms, _fuzzy in entries(language)
        if isinstance(key, tuple) and language != "en" and len(forms) != catalog.num_plurals
    ]
    assert not short, f"{language} has {catalog.num_plurals} plural forms: " + ", ".join(short)
