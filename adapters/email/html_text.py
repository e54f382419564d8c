"""HTML mail bodies as plain text an ambassador can read, with the quoted history marked.

``html.parser`` (3.11) is quadratic on markup that never closes: 500,000 ``<a`` took
seven minutes, ``</`` and ``<?`` a minute each, and ``<![`` raises AssertionError. So the
input is first *tamed* in one linear pass: comments are dropped (we ignore them anyway,
Outlook's conditional ones included) and every ``<`` that does not start a complete tag
within a bounded distance becomes ``&lt;``. What reaches the parser then always finds its
``>`` nearby.

The quote is found while converting: Gmail's ``div.gmail_quote``, Apple Mail's and
Thunderbird's ``blockquote type=cite`` (and Thunderbird's ``div.moz-cite-prefix``
attribution before it), Yahoo's ``div.yahoo_quoted``, Proton's ``protonmail_quote`` are
containers; Outlook's ``#divRplyFwdMsg`` and ``#appendonsend`` (web, new Windows),
``#OLK_SRC_BODY_SECTION`` and ``#mail-editor-reference-message-container`` (Mac) and
Outlook.com's ``#stopSpelling`` are separators after which everything is history. A
container followed by more new text was an inline quote in an answer, and does not count.
Outlook desktop marks nothing; ``quotes`` finds its "From: … Sent: …" block in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

HTML_LIMIT = 1_000_000  # characters of markup read
TEXT_LIMIT = 200_000  # characters of text produced
URL_LIMIT = 2048
QUOTE_MARK = "\ue000"  # a private-use character; removed from the input first

# A "<" that does not open one of these, complete and bounded, is text. CDATA sections
# and marked sections other than Outlook's <![if ...]> are left out: the parser looks for
# their end up to the end of the input, once per occurrence.
_STRAY_LT = re.compile(
    r"""<(?!/?[A-Za-z][A-Za-z0-9:_-]{0,63}(?:[^<>"']|"[^"]{0,2000}"|'[^']{0,2000}'){0,2000}+>"""
    r"""|![A-Za-z][^<>]{0,2000}>|!\[(?:if|endif|else)\b[^<>\]]{0,200}\]>|\?[^<>]{0,2000}>)"""
)
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_SPACES = re.compile(r"[ \t\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_URL = re.compile(r"(?:https?://|mailto:)[^\s\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)

_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "xml"})
_VOID = frozenset(
    {
        "br",
        "hr",
        "img",
        "meta",
        "link",
        "input",
        "area",
        "base",
        "col",
        "embed",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "table", "pre", "dl"}
)
_LINES = frozenset(
    {
        "div",
        "br",
        "tr",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "dt",
        "dd",
        "center",
        "form",
        "fieldset",
        "figure",
        "main",
        "nav",
        "aside",
        "caption",
        "tbody",
        "thead",
        "tfoot",
    }
)
_CELLS = frozenset({"td", "th"})
_STACK_LIMIT = 512
_QUOTE_CLASSES = frozenset({"gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote"})
# Outlook (web, new Outlook for Windows, Outlook for Mac) and Outlook.com's old editor.
_SEPARATOR_IDS = frozenset(
    {
        "divrplyfwdmsg",
        "appendonsend",
        "stopspelling",
        "olk_src_body_section",
        "mail-editor-reference-message-container",
    }
)


@dataclass(frozen=True)
class HtmlText:
    """The text of an HTML body and where its trailing quoted history starts, if anywhere."""

    text: str
    quote_start: int | None

    def split(self) -> tuple[str, str | None]:
        if self.quote_start is None:
            return self.text, None
        return self.text[: self.quote_start].rstrip(), self.text[self.quote_start :].strip()


def html_to_text(html: str) -> str:
    """The readable text of ``html``: no markup, scripts, styles or comments; capped."""
    return convert_html(html).text


def convert_html(html: str) -> HtmlText:
    """``html`` as text, with the offset at which the trailing quote begins."""
    converter = _Converter()
    try:
        converter.feed(tame(html[:HTML_LIMIT].replace(QUOTE_MARK, "")))
        converter.close()
    except Exception:  # noqa: S110  what was read so far is still worth showing
        pass
    text = _tidy(converter.output())
    mark = text.find(QUOTE_MARK)
    if mark < 0:
        return HtmlText(text, None)
    text = text.replace(QUOTE_MARK, "")
    return HtmlText(text, mark)


def tame(html: str) -> str:
    """``html`` without comments and with every ``<`` that starts no complete tag escaped."""
    kept: list[str] = []
    pos = 0
    while (start := html.find("<!--", pos)) >= 0:
        end = html.find("-->", start + 4)
        if end < 0:
            break  # and so would every later one: the rest stays, as text
        kept.append(html[pos:start])
        pos = end + 3
    kept.append(html[pos:])
    return _STRAY_LT.sub("&lt;", "".join(kept))


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()[:TEXT_LIMIT]


def _link(href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    return href if len(href) <= URL_LIMIT and _URL.fullmatch(href) else None


def _same(text: str, url: str) -> bool:
    """Whether a link's text already shows its address (so repeating it is noise)."""

    def bare(value: str) -> str:
        value = value.strip().lower()
        for prefix in ("mailto:", "https://", "http://", "www."):
            value = value.removeprefix(prefix)
        return value.rstrip("/")

    return bare(text) == bare(url)


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._size = 0
        self._newlines = 2  # trailing line ends of the output; none needed at the start
        self._stack: list[str] = []
        self._skipping: str | None = None
        self._pre = 0
        self._links: list[tuple[int, str | None]] = []
        self._quote_depth: int | None = None  # stack length outside the open quote
        self._mark: int | None = None  # index in _out of the candidate quote mark
        self._mark_final = False

    def output(self) -> str:
        return "".join(self._out)

    def _emit(self, text: str) -> None:
        if self._size < TEXT_LIMIT:
            self._out.append(text)
            self._size += len(text)
            if text.strip(" "):
                self._newlines = len(text) - len(text.rstrip("\n"))

    def _break(self, lines: int) -> None:
        """At least ``lines`` line ends here: a paragraph after a div is one blank line,
        as a browser shows it, not two."""
        if lines > self._newlines:
            self._emit("\n" * (lines - self._newlines))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping is not None:
            if self._skipping == "head" and tag == "body":
                self._skipping = None
            return
        if tag in _SKIPPED:
            self._skipping = tag
            return
        self._quote_boundary(tag, attrs)
        self._block(tag, start=True)
        if tag == "a":
            self._links.append((len(self._out), _link(dict(attrs).get("href"))))
        elif tag == "pre":
            self._pre += 1
        if tag not in _VOID and len(self._stack) < _STACK_LIMIT:
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping is not None:
            if tag == self._skipping:
                self._skipping = None
            return
        if tag == "a" and self._links:
            start, href = self._links.pop()
            label = "".join(self._out[start:])
            if href is not None and label.strip() and not _same(label, href):
                self._emit(f" ({href})")
        elif tag == "pre" and self._pre:
            self._pre -= 1
        self._block(tag, start=False)
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
        if self._quote_depth is not None and len(self._stack) <= self._quote_depth:
            self._quote_depth = None

    def handle_data(self, data: str) -> None:
        if self._skipping is not None:
            return
        if not self._pre:
            data = _WHITESPACE.sub(" ", data)
        if data.strip() and self._quote_depth is None and not self._mark_final:
            self._cancel_quote()
        self._emit(data)

    def _block(self, tag: str, *, start: bool) -> None:
        if tag == "li" and start:
            self._break(1)
            self._emit("• ")
        elif tag in _PARAGRAPHS:
            self._break(2)
        elif tag in _LINES:
            self._break(1)
        elif tag in _CELLS and not start:
            self._emit(" ")

    def _quote_boundary(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._mark_final:
            return
        values = {name: (value or "").lower() for name, value in attrs}
        if values.get("id") in _SEPARATOR_IDS:
            # A quote already open (Gmail's around an older Outlook one) starts earlier.
            if self._mark is None:
                self._set_mark(final=True)
            self._mark_final = True
            return
        container = (tag == "blockquote" and values.get("type") == "cite") or (
            tag in ("div", "blockquote")
            and not _QUOTE_CLASSES.isdisjoint(values.get("class", "").split())
        )
        if container and self._quote_depth is None and len(self._stack) < _STACK_LIMIT:
            self._quote_depth = len(self._stack)
            if self._mark is None:
                self._set_mark(final=False)

    def _set_mark(self, *, final: bool) -> None:
        self._mark = len(self._out)
        self._mark_final = final
        self._out.append(QUOTE_MARK)

    def _cancel_quote(self) -> None:
        """New text after a quote closed: that quote was inline, not the history."""
        if self._mark is not None:
            self._out[self._mark] = ""
            self._mark = None
