"""Which language to speak: pure negotiation over BCP 47 tags.

The order is the brief's: the shopper's profile, then what the page or the browser asks
for (the page's ``lang``, then ``Accept-Language``), then the store's default (its first
language). Tags are matched by script for Chinese (``zh-CN`` and ``zh-SG`` write
Simplified, ``zh-TW``/``zh-HK``/``zh-MO`` Traditional) and by primary language otherwise,
so ``fr-CA`` gets French and ``pt-BR`` falls through to the next candidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

DEFAULT_LANGUAGE = "en"
# What shoppers can be served in: widget, booking page, e-mails, WeChat texts, system messages.
SHOPPER_LANGUAGES: tuple[str, ...] = (
    "en",
    "fr",
    "zh-Hans",
    "zh-Hant",
    "ja",
    "ko",
    "nl",
    "de",
    "it",
    "es",
    "ar",
)
# What the ambassadors' console is translated into.
CONSOLE_LANGUAGES: tuple[str, ...] = ("en", "fr", "zh-Hans", "ja")
RIGHT_TO_LEFT = frozenset({"ar"})

_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo"})
# Babel's locale names for the tags above (its data is keyed by underscore names).
_BABEL = {"zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW"}


def supported(tag: str | None, among: Sequence[str] = SHOPPER_LANGUAGES) -> str | None:
    """The supported language a tag asks for, or None when it asks for none of them."""
    if not tag:
        return None
    parts = tag.strip().replace("_", "-").lower().split("-")
    primary = parts[0]
    if primary == "zh":
        rest = set(parts[1:])
        script = "zh-Hant" if "hant" in rest or rest & _TRADITIONAL_REGIONS else "zh-Hans"
        return script if script in among else None
    for language in among:
        if language.lower() == primary:
            return language
    return None


def accept_language(header: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (``q=0`` dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def choose(
    *,
    profile: str | None = None,
    page: str | None = None,
    accept: str | None = None,
    store_languages: Iterable[str] = (),
    among: Sequence[str] = SHOPPER_LANGUAGES,
) -> str:
    """The language to use, by the brief's order; English when nothing else matches."""
    return first_supported([profile, page, *accept_language(accept), *store_languages], among=among)


def first_supported(
    candidates: Iterable[str | None], among: Sequence[str] = SHOPPER_LANGUAGES
) -> str:
    """The first candidate we speak, most specific first; English when none is."""
    for candidate in candidates:
        found = supported(candidate, among)
        if found is not None:
            return found
    return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in among else among[0]


def direction(language: str) -> str:
    """``rtl`` for scripts written right to left, else ``ltr`` (the ``dir`` attribute)."""
    return "rtl" if supported(language) in RIGHT_TO_LEFT else "ltr"


def babel_locale(language: str) -> str:
    """Babel's name for a supported language (``zh-Hans`` → ``zh_Hans_CN``)."""
    found = supported(language) or DEFAULT_LANGUAGE
    return _BABEL.get(found, found)


def catalogue_name(language: str) -> str:
    """The directory of a language's gettext catalogue (``zh-Hans`` → ``zh_Hans``)."""
    return (supported(language) or DEFAULT_LANGUAGE).replace("-", "_")
