"""Canned reply texts: placeholders checked when a reply is saved, filled when it is used.

Pure: strings in, strings out. A text may name ``{customer.first_name}``,
``{customer.name}``, ``{store.name}``, ``{ambassador.name}`` and ``{ambassador.first_name}``;
``{{`` and ``}}`` write a literal brace. Anything else between braces, a brace left open or
a lone ``}`` is refused at save time, so a typo never reaches a shopper as ``{custmer.name}``.

A value the hub does not have (a shopper who never gave a name) renders as nothing, and the
text around it is closed up so that it still reads: the space left before punctuation or
another space goes ("Dear {customer.first_name}, welcome" → "Dear, welcome"; "Hello
{customer.first_name} and welcome" → "Hello and welcome"), and a comma that would open a
line goes with its space ("{customer.first_name}, welcome" → "welcome"). The console is told
which placeholders were empty, to point them out before the ambassador sends the text.
Values are plain text: one line, control and bidirectional-override characters removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hub import validation
from hub.errors import InvalidInput

PLACEHOLDERS: tuple[str, ...] = (
    "customer.first_name",
    "customer.name",
    "store.name",
    "ambassador.name",
    "ambassador.first_name",
)
MAX_TEXT = 4000
MAX_VALUE = 200
_NAME = re.compile(r"[A-Za-z0-9_.]{1,40}")
# Controls (but tab and newline) and bidirectional overrides never come from a value.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# ASCII, then the ideographic comma and full stop and the full-width , ! ? : ;
_CLOSING_PUNCTUATION = ",.;:!?)\u3001\u3002\uff0c\uff01\uff1f\uff1a\uff1b"
_OPENING_PUNCTUATION = ",;:\u3001\uff0c\uff1a\uff1b"


@dataclass(frozen=True)
class Field:
    """A placeholder in a parsed text."""

    name: str


Segment = str | Field


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: tuple[str, ...]  # placeholders that had no value, in order of first use


def parse(text: str, field: str = "text") -> list[Segment]:
    """The text as literal pieces and placeholders; ``InvalidInput`` naming ``field`` and
    the offending placeholder or brace when it is not well formed."""
    segments: list[Segment] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "{" and text.startswith("{{", i):
            literal.append("{")
            i += 2
        elif char == "}" and text.startswith("}}", i):
            literal.append("}")
            i += 2
        elif char == "{":
            end = text.find("}", i + 1)
            inner = text[i + 1 : end] if end != -1 else ""
            if end == -1 or "{" in inner or "\n" in inner:
                raise InvalidInput(
                    field,
                    f"a brace opened at character {i + 1} is never closed (write {{{{ for a brace)",
                    code="invalid_placeholder",
                )
            name = inner.strip()
            if name not in PLACEHOLDERS:
                shown = inner if _NAME.fullmatch(name) else inner[:40]
                raise InvalidInput(
                    field,
                    f"unknown placeholder {{{shown}}}: use one of "
                    + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
                    code="unknown_placeholder",
                )
            if literal:
                segments.append("".join(literal))
                literal = []
            segments.append(Field(name))
            i = end + 1
        elif char == "}":
            raise InvalidInput(
                field,
                f"a lone }} at character {i + 1} (write }}}} for a brace)",
                code="invalid_placeholder",
            )
        else:
            literal.append(char)
            i += 1
    if literal:
        segments.append("".join(literal))
    return segments


def check(text: object, field: str = "text") -> str:
    """A canned reply's text as it may be saved: non-blank, at most ``MAX_TEXT``
    characters (message text's rule), no NUL, every placeholder known."""
    checked = validation.no_nul(validation.text(text, field, max_length=MAX_TEXT), field)
    parse(checked, field)
    return checked


def placeholders_in(text: str) -> tuple[str, ...]:
    """The placeholders a (valid) text uses, once each, in order."""
    names = [s.name for s in parse(text) if isinstance(s, Field)]
    return tuple(dict.fromkeys(names))


def clean_value(value: str | None) -> str:
    """A value as it goes into a reply: one line of plain text, bounded; blank is none."""
    if not value:
        return ""
    flat = " ".join(_UNSAFE.sub("", value).split())
    return flat[:MAX_VALUE].strip()


def first_name(full: str | None) -> str | None:
    """The first word of a name ("Zoë Ångström" → "Zoë"); a name without spaces whole
    (Chinese and Japanese names are usually written so, and their first word is the
    family name anyway)."""
    cleaned = clean_value(full)
    return cleaned.split(" ", 1)[0] if cleaned else None


def render(text: str, values: Mapping[str, str | None]) -> Rendered:
    """Fill the placeholders of a saved text with plain-text ``values``; empty ones are
    reported in ``missing`` and tidied away."""
    out = ""
    missing: list[str] = []
    gaps: list[int] = []  # positions in ``out`` where an empty value was left out
    for segment in parse(text):
        if isinstance(segment, str):
            out += segment
            continue
        value = clean_value(values.get(segment.name))
        if value:
            out += value
        else:
            if segment.name not in missing:
                missing.append(segment.name)
            gaps.append(len(out))
    for position in reversed(gaps):
        out = _tidy(out, position)
    return Rendered(out, tuple(missing))


def _tidy(text: str, at: int) -> str:
    """Close up the space an empty value left at ``at``."""
    left, right = text[:at], text[at:]
    stripped = left.rstrip(" \t")
    line_start = stripped == "" or stripped.endswith("\n")
    if line_start and right[:1] and right[0] in _OPENING_PUNCTUATION:
        # "{customer.first_name}, welcome" → "welcome": punctuation cannot open a line.
        return stripped + right[1:].lstrip(" \t")
    if line_start:
        return stripped + right.lstrip(" \t")
    following = right[:1]
    if following in (" ", "\t"):
        if left[-1:] not in (" ", "\t"):
            return text  # "Mr{customer.name} Smith": nothing doubled, leave it
        return stripped + " " + right.lstrip(" \t")  # "Hello  and" → "Hello and"
    if not following or following == "\n" or following in _CLOSING_PUNCTUATION:
        return stripped + right  # "Dear , hello" → "Dear, hello"; "Hi \n" → "Hi\n"
    return text
