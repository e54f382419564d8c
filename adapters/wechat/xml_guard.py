"""The checks every WeChat body passes before a tree-building XML parser sees it.

WeChat's XML never carries a document type, an entity declaration, a comment or a
processing instruction, so any of them is refused outright: with no DTD nothing can be
declared, so nothing can be expanded (billion laughs) or fetched (external entities),
whatever the parser underneath would have done with it. The scan skips CDATA sections,
where a shopper's own words may well say ``<!DOCTYPE html>``; expat ends a CDATA section
at the same first ``]]>``, so nothing can hide in one.

The body is decoded as UTF-8 here and handed on as ``str``, which makes the parsers
ignore any ``encoding=`` declaration: a UTF-16 DOCTYPE cannot slip past a scan that only
looked at UTF-8 bytes.

Then one streaming pass with expat, which builds nothing, refuses what is deeper or
larger than any WeChat message (a safe-mode envelope is read before its signature can be
checked, so this bounds what an unauthenticated caller costs us) and keeps the text of
the root's children, which is all the envelope needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

# The menu events nest deepest: xml/SendPicsInfo/PicList/item/PicMd5Sum.
MAX_DEPTH = 8
MAX_ELEMENTS = 256

# Only at the very start, as XML itself demands; its pseudo-attributes hold no markup.
_DECLARATION = re.compile(r"<\?xml[ \t\r\n][^<>?]*\?>")
_CDATA_START = "<![CDATA["
_CDATA_END = "]]>"


class UnsafeXml(ValueError):
    """A body that is not UTF-8 XML of the plain, small shape WeChat sends."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedXml:
    """A body that passed every check: its text, its root's name and the text of each
    of the root's children by name (a repeated child appears once per occurrence)."""

    text: str
    root: str
    children: Mapping[str, tuple[str, ...]]


def checked_xml(body: bytes) -> CheckedXml:
    """The body, once it is known to be small, well-formed and free of any DTD, comment
    or processing instruction; ``UnsafeXml`` otherwise."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsafeXml("bad_encoding", "the body is not UTF-8") from None
    ensure_plain(text)
    return _walk(text)


def ensure_plain(text: str) -> None:
    """Refuses markup a WeChat message never contains: ``<!`` other than a CDATA
    section, ``<?`` after the XML declaration.

    One forward pass with ``str.find``: a regex over CDATA sections would go quadratic
    on a body of many unterminated ``<![CDATA[``.
    """
    declaration = _DECLARATION.match(text)
    position = declaration.end() if declaration else 0
    while True:
        opening = text.find("<!", position)
        if text.find("<?", position, len(text) if opening == -1 else opening) != -1:
            raise UnsafeXml("unsafe_xml", "processing instructions are not accepted")
        if opening == -1:
            return
        if not text.startswith(_CDATA_START, opening):
            raise UnsafeXml("unsafe_xml", "document types, entities and comments are not accepted")
        closing = text.find(_CDATA_END, opening + len(_CDATA_START))
        if closing == -1:
            raise UnsafeXml("malformed_xml", "a CDATA section is not closed")
        position = closing + len(_CDATA_END)


class _Walk:
    """Expat handlers that count, and collect only the root's children's text."""

    def __init__(self) -> None:
        self.depth = 0
        self.elements = 0
        self.root = ""
        self.child: list[str] | None = None
        self.children: dict[str, list[str]] = {}
        self.parts: list[str] = []

    def start(self, name: str, _attributes: Any) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > MAX_DEPTH or self.elements > MAX_ELEMENTS:
            raise UnsafeXml("too_complex", "the body is larger than any WeChat message")
        if self.depth == 1:
            self.root = name
        elif self.depth == 2:
            self.parts = []
            self.child = self.children.setdefault(name, [])

    def end(self, _name: str) -> None:
        if self.depth == 2 and self.child is not None:
            self.child.append("".join(self.parts))
        self.depth -= 1

    def text(self, data: str) -> None:
        if self.depth == 2:
            self.parts.append(data)


def _walk(text: str) -> CheckedXml:
    walk = _Walk()
    parser = expat.ParserCreate()
    parser.StartElementHandler = walk.start
    parser.EndElementHandler = walk.end
    parser.CharacterDataHandler = walk.text
    try:
        parser.Parse(text, True)
    except expat.ExpatError:
        raise UnsafeXml("malformed_xml", "the body is not well-formed XML") from None
    children = {name: tuple(texts) for name, texts in walk.children.items()}
    return CheckedXml(text=text, root=walk.root, children=children)
