"""The server's translations: gettext ``.po`` catalogues, read with Babel.

The catalogues are the source of truth in the repository (``hub/locale/LANG/LC_MESSAGES/
concierge.po``, with the template ``hub/locale/concierge.pot``); they are compiled in
memory on first use, so there is no build step and no ``.mo`` file to forget. Message ids
are the English texts (gettext's convention) with ``str.format`` placeholders, so a
missing translation still reads correctly in English.

Extraction keywords: ``gettext``/``_`` and ``ngettext`` (Babel's defaults), ``N_`` for
texts marked where they are defined and translated where they are used.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from hub.i18n.languages import (
    DEFAULT_LANGUAGE,
    SHOPPER_LANGUAGES,
    babel_locale,
    catalogue_name,
    direction,
    supported,
)

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "concierge"


def N_(message: str) -> str:
    """Marks a text for extraction where it is defined; ``Texts.gettext`` translates it."""
    return message


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / catalogue_name(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: str) -> NullTranslations:
    path = catalogue_path(language)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=babel_locale(language))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


class Texts:
    """One language's texts and formats: what a message to one shopper is written with."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.direction = direction(language)
        self.locale = Locale.parse(babel_locale(language))
        self._translations = _translations(language)

    def gettext(self, message: str, /, **values: Any) -> str:
        """The translation of ``message`` with its ``{placeholders}`` filled in."""
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    _ = gettext

    def ngettext(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        """The form for ``count`` (Arabic has six), with ``{count}`` available to it."""
        text = self._translations.ngettext(singular, plural, count)
        return text.format(count=count, **values)

    def datetime(
        self, moment: dt.datetime, zone: dt.tzinfo | str | None = None, style: str = "medium"
    ) -> str:
        """A date and time in the reader's conventions, on the clock of ``zone``."""
        return format_datetime(moment, style, tzinfo=_zone(zone), locale=self.locale)

    def date(self, day: dt.date | dt.datetime, style: str = "long") -> str:
        return format_date(day, style, locale=self.locale)

    def time(
        self, moment: dt.datetime, zone: dt.tzinfo | str | None = None, style: str = "short"
    ) -> str:
        return format_time(moment, style, tzinfo=_zone(zone), locale=self.locale)

    def number(self, value: int | float | Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def price(self, amount: int | float | Decimal, currency: str) -> str:
        """A price in its own currency: never converted, only written the reader's way."""
        return format_currency(amount, currency, locale=self.locale)


def _zone(zone: dt.tzinfo | str | None) -> dt.tzinfo | None:
    if isinstance(zone, str):
        from zoneinfo import ZoneInfo

        return ZoneInfo(zone)
    return zone


@cache
def _texts(language: str) -> Texts:
    return Texts(language)


def texts(language: str | None, among: tuple[str, ...] = SHOPPER_LANGUAGES) -> Texts:
    """The texts for a language tag (any BCP 47 form); English when it is not supported."""
    return _texts(supported(language, among) or DEFAULT_LANGUAGE)
