"""What the tests of the pages' JSON catalogues share (the console's, the invitation
page's, the shopper pages'): reading a catalogue, finding the keys a page's HTML and
modules use, and spotting lost placeholders, missing plural forms and text left outside the
catalogues. Each test module names its own pages, modules and catalogues."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from babel import Locale

from hub.i18n.languages import babel_locale

STATIC = Path(__file__).resolve().parents[2] / "hub" / "web" / "static"

# t("key", …) with a literal key, or t(`prefix.${part}.suffix`, …) with a template one.
LITERAL_KEY = re.compile(r"""\bt\(\s*(["'])([\w.-]+)\1\s*[,)]""")
TEMPLATE_KEY = re.compile(r"""\bt\(\s*`([^`]+)`\s*[,)]""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}
VOID = ("meta", "link", "input", "br", "img")


def load_catalogue(directory: Path, language: str) -> dict[str, Any]:
    return dict(json.loads((directory / f"{language}.json").read_text(encoding="utf-8")))


def where(path: Path) -> str:
    return path.relative_to(STATIC).as_posix()


def page_keys(page: Path) -> set[str]:
    """The keys of data-i18n="key" and data-i18n-attr="attr:key,…"."""
    html = page.read_text(encoding="utf-8")
    keys = set(re.findall(r'data-i18n="([^"]+)"', html))
    for pairs in re.findall(r'data-i18n-attr="([^"]+)"', html):
        keys |= {pair.split(":", 1)[1].strip() for pair in pairs.split(",")}
    return keys


def module_keys(module: Path) -> set[str]:
    return {key for _, key in LITERAL_KEY.findall(module.read_text(encoding="utf-8"))}


def template_pattern(template: str) -> re.Pattern[str]:
    """`feedback.csat.score.${n}` matches feedback.csat.score.<one part>."""
    parts = re.split(r"\$\{[^}]*\}", template)
    return re.compile("[^.]+".join(re.escape(part) for part in parts) + "$")


def missing_keys(
    texts: dict[str, Any], pages: Iterable[Path], modules: Iterable[Path]
) -> list[str]:
    """Each key the pages and modules use that ``texts`` lacks, as "file: key"; a key built
    at run time must at least match some key of the catalogue."""
    missing = [
        f"{where(page)}: {key}"
        for page in pages
        for key in sorted(page_keys(page))
        if key not in texts
    ]
    for module in modules:
        missing += [f"{where(module)}: {key}" for key in module_keys(module) if key not in texts]
        for template in TEMPLATE_KEY.findall(module.read_text(encoding="utf-8")):
            pattern = template_pattern(template)
            if not any(pattern.match(key) for key in texts):
                missing.append(f"{where(module)}: {template}")
    return missing


def forms(value: Any) -> list[str]:
    """A text's forms: the plural object's values, or the text itself."""
    return list(value.values()) if isinstance(value, dict) else [value]


def blank_texts(texts: dict[str, Any]) -> list[str]:
    """Keys whose text, or one of whose plural forms, is empty or not a string."""
    return [
        key
        for key, value in texts.items()
        if not all(isinstance(text, str) and text.strip() for text in forms(value))
    ]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def placeholders_of(value: Any) -> set[str]:
    """The placeholders of all of a text's forms."""
    return set().union(*(placeholders(text) for text in forms(value)))


def needed_plural_forms(language: str) -> set[str]:
    """CLDR's plural categories for the language (what Intl.PluralRules can select)."""
    return set(Locale.parse(babel_locale(language)).plural_form.tags) | {"other"}


def wrong_plurals(english: dict[str, Any], texts: dict[str, Any], language: str) -> dict[str, Any]:
    """Texts plural in English that lack a form the language needs, or have unknown ones."""
    needed = needed_plural_forms(language)
    return {
        key: sorted(value) if isinstance(value, dict) else "not a plural object"
        for key, value in texts.items()
        if isinstance(english.get(key), dict)
        and not (isinstance(value, dict) and needed <= set(value) <= PLURAL_FORMS)
    }


def copied_from_english(english: dict[str, Any], texts: dict[str, Any]) -> list[str]:
    return [key for key, value in texts.items() if value == english.get(key)]


def keys_apart(english: dict[str, Any], texts: dict[str, Any]) -> dict[str, list[str]]:
    """Keys English has and ``texts`` lacks (shown in English on screen), and keys only
    ``texts`` has (never shown)."""
    return {
        "missing": sorted(set(english) - set(texts)),
        "unused": sorted(set(texts) - set(english)),
    }


class _PageText(HTMLParser):
    """Text and wording attributes of a page that do not come from a catalogue."""

    def __init__(self, as_is: set[str]) -> None:
        super().__init__()
        self.as_is = as_is
        self.stack: list[bool] = []  # per open element: is its text translated or code?
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        translated_attrs = {
            pair.split(":", 1)[0].strip()
            for pair in (named.get("data-i18n-attr") or "").split(",")
            if ":" in pair
        }
        wording = ["placeholder", "aria-label", "title", "alt"]
        if tag == "meta":
            wording = ["content"] if named.get("name") == "description" else []
        for attr in wording:
            value = (named.get(attr) or "").strip()
            if value and attr not in translated_attrs:
                self.found.append(f"<{tag} {attr}={value!r}>")
        if tag in VOID:
            return  # void elements hold no text
        inherited = bool(self.stack and self.stack[-1])
        self.stack.append(inherited or "data-i18n" in named or tag in ("script", "style"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not (self.stack and self.stack[-1]) and text not in self.as_is:
            self.found.append(text)


def untranslated_text(page: Path, as_is: set[str]) -> list[str]:
    """What ``page`` shows that no catalogue fills: text outside data-i18n elements and
    wording attributes outside data-i18n-attr, but for the texts ``as_is``."""
    parser = _PageText(as_is)
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found
