"""Making decoded mail text safe to store and show: no controls, no lone surrogates, capped.

The ``email`` package hands back lone surrogates for bytes it could not decode (raw 8-bit
headers, an encoded word in an unknown charset); PostgreSQL and JSON refuse them, so they
are read back as UTF-8 here, with U+FFFD for what still does not decode.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, except tab and newline; bidi overrides and isolates, which
# can make "invoice\u202egpj.exe" look like a picture; the quote sentinel of html_text.
_CONTROLS = dict.fromkeys(
    [
        *range(0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0xFEFF,
        0xE000,
    ]
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_SPACE = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")
_SPACES = re.compile(r"[ \t\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def without_surrogates(text: str) -> str:
    """``text`` with surrogate-escaped bytes read as UTF-8 and any other lone surrogate
    replaced, so that it can be encoded."""
    if not _SURROGATES.search(text):
        return text
    recovered = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _SURROGATES.sub("\ufffd", recovered)


def one_line(text: str, limit: int) -> str:
    """A header-like value for display: one line, no controls, single spaces, capped.

    Line breaks become spaces rather than vanishing, so an encoded ``\\r\\nBcc:`` in a
    subject can never start a header of a reply built from it.
    """
    text = _LINE_SPACE.sub(" ", without_surrogates(text)).translate(_CONTROLS)
    return _SPACES.sub(" ", text).strip()[:limit].strip()


def text_block(text: str, limit: int) -> str:
    """A body for display: ``\\n`` line ends, no controls, no trailing blanks, capped."""
    text = without_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.translate(_CONTROLS).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")[:limit].rstrip()


def filename(name: str, limit: int = 255) -> str | None:
    """The last path segment of a sender-chosen file name, shortened but keeping its
    extension, since a name like ``../../etc/passwd`` or ``C:\\x\\y.pdf`` means nothing here."""
    name = one_line(name, 4 * limit)
    name = re.split(r"[/\\]", name)[-1].strip().lstrip(".").strip()
    if not name:
        return None
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            name = stem[: limit - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:limit]
    return name
