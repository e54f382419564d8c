"""Folding away the quoted history under a reply, so the ambassador reads what is new.

Only a *trailing* quote is folded: from an attribution line ("On … wrote:", "Le … a
écrit :", "Am … schrieb …:", "在 … 写道:"), an Outlook header block or separator, or
a run of ``>`` lines, to the end. An answer written between quoted lines is a
conversation, not history: a ``>`` block with new text after it is left in place.
When folding would leave nothing new (a bare forward, a mail that is only a quote),
nothing is folded.
"""

from __future__ import annotations

import re

from adapters.email.html_text import convert_html

_LINE_LIMIT = 400  # attribution lines are short; a long line is prose
_ATTRIBUTION_START = re.compile(
    r"(?:On|Le|Am|El|Il|Em|Op|Den|På|W dniu|在|於|\d{4}[年/.-])\s?", re.IGNORECASE
)
# Each ends in a colon and has one unbounded ".*" besides lookaheads, so a crafted line
# costs linear time, not quadratic.
_ATTRIBUTION = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"On\s(?=\D*\d).*\bwrote\s*:",
        r"Le\s(?=\D*\d).*\ba\s+[ée]crit\s*:",
        r"Am\s(?=\D*\d)(?=.*\bschrieb\b).*:",
        r"El\s(?=\D*\d).*\bescribi[óo]\s*:",
        r"Il\s(?=\D*\d).*\bha\s+scritto\s*:",
        r"Em\s(?=\D*\d).*\bescreveu\s*:",
        r"Op\s(?=\D*\d)(?=.*\bschreef\b).*:",
        r"(?:在|於)(?=\D*\d).*(?:写道|寫道)\s*[:\uff1a]",
        # Japanese Gmail: "2026年11月24日(火) 10:00 Anna <a@b.c>:"
        r"\d{4}年\d{1,2}月\d{1,2}日.*[:\uff1a]",
    )
]
# Outlook's header block: From, then Sent/Date, To, Subject in the next few lines.
_FROM = re.compile(
    r"\*?(?:From|De|Von|Van|Da|发件人|寄件者|差出人)\s?\*?\s?[:\uff1a]", re.IGNORECASE
)
_SENT = re.compile(
    r"\*?(?:Sent|Date|Envoy[ée]|Gesendet|Datum|Enviado|Inviato|Verzonden|发送时间|日期|寄件日期|"
    r"送信日時)\s?\*?\s?[:\uff1a]",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"\*?(?:Subject|Objet|Betreff|Asunto|Oggetto|Onderwerp|主题|主旨|件名)\s?\*?\s?[:\uff1a]",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"-{3,}\s*(?:Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original|"
    r"Messaggio originale|Oorspronkelijk bericht|原始邮件|原始郵件)\s*-{3,}",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"_{10,}")
_SIGNATURE = re.compile(r"--\s?|__+")
_MOBILE = re.compile(
    r"(?:Sent from|Envoyé de|Von meinem|Enviado desde|Inviato da|Get Outlook for|"
    r"Obtenir Outlook pour|从我的|從我的|发自我的|發自我的).{0,60}",
    re.IGNORECASE,
)


def split_quoted(text: str) -> tuple[str, str | None]:
    """``(new, quoted)`` for a plain-text body; ``quoted`` is None when there is none."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _quote_start(lines)
    if start is None:
        return text, None
    new = "\n".join(lines[:start]).rstrip()
    if not _has_content(lines[:start]):
        return text, None
    return new, "\n".join(lines[start:]).strip("\n")


def split_quoted_html(html: str) -> tuple[str, str | None]:
    """``(new, quoted)`` for an HTML body, as text: the markup's quote boundary if it
    has one, else whatever ``split_quoted`` finds in the text (Outlook desktop marks its
    quote with nothing but a bordered ``From:`` block)."""
    new, quoted = convert_html(html).split()
    if quoted is None:
        return split_quoted(new)
    lines = new.split("\n")
    cut = _attribution_before(lines, len(lines))
    if cut is not None and cut < len(lines):
        # Apple Mail and older Thunderbird put "On … wrote:" just above the blockquote.
        quoted = "\n".join(lines[cut:]).strip() + "\n" + quoted
        new = "\n".join(lines[:cut]).rstrip()
    if not _has_content(new.split("\n")):
        return (new + "\n\n" + quoted).strip(), None
    return new, quoted


def _has_content(lines: list[str]) -> bool:
    """Whether ``lines`` hold something new beyond a "Sent from my iPhone"."""
    return any(line.strip() and not _MOBILE.fullmatch(line.strip()) for line in lines)


def _quote_start(lines: list[str]) -> int | None:
    signature = _signature_start(lines)
    end = len(lines) if signature is None else signature
    # From the end once, so that each candidate line is judged in constant time:
    # quoted_to_end[i]: every non-blank line in lines[i:end] starts with ">";
    # quote_after[i]: some line in lines[i:] does.
    quoted_to_end = [False] * (len(lines) + 1)
    quote_after = [False] * (len(lines) + 1)
    quoted_to_end[end] = True
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        quote_after[index] = quote_after[index + 1] or _quoted(line)
        if index < end:
            quoted_to_end[index] = quoted_to_end[index + 1] and (_quoted(line) or not line.strip())
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _ORIGINAL.fullmatch(stripped) or _outlook_block(lines, index):
            return index
        after = _attribution_at(lines, index)
        # An attribution counts when an unprefixed quote follows (no ">" at all, as
        # Outlook and many phones send it) or ">" lines do, up to the end or a signature.
        if after is not None and (
            not quote_after[after] or (after <= end and quoted_to_end[after])
        ):
            return index
    return _trailing_block(lines, end)


def _attribution_at(lines: list[str], index: int) -> int | None:
    """The index after the attribution starting at ``index`` (one line, or wrapped over two)."""
    first = lines[index].strip()
    if len(first) > _LINE_LIMIT or not _ATTRIBUTION_START.match(first):
        return None
    if _is_attribution(first):
        return index + 1
    if index + 1 < len(lines):
        joined = f"{first} {lines[index + 1].strip()}"
        if len(joined) <= _LINE_LIMIT and _is_attribution(joined):
            return index + 2
    return None


def _is_attribution(line: str) -> bool:
    return line.endswith((":", "\uff1a")) and any(
        pattern.fullmatch(line) for pattern in _ATTRIBUTION
    )


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _next_content(lines: list[str], start: int, within: int) -> int | None:
    for index in range(start, min(len(lines), start + within)):
        if lines[index].strip():
            return index
    return None


def _outlook_block(lines: list[str], index: int) -> bool:
    """A ``From:`` line followed within seven lines by ``Sent:``/``Date:`` and ``Subject:``,
    or a line of underscores just above one."""
    if _UNDERSCORES.fullmatch(lines[index].strip()):
        following = _next_content(lines, index + 1, 3)
        return following is not None and _outlook_headers(lines, following)
    return _outlook_headers(lines, index)


def _outlook_headers(lines: list[str], index: int) -> bool:
    if not _FROM.match(lines[index].strip()):
        return False
    window = [entry.strip() for entry in lines[index + 1 : index + 8]]
    return any(_SENT.match(entry) for entry in window) and any(
        _SUBJECT.match(entry) for entry in window
    )


def _trailing_block(lines: list[str], end: int) -> int | None:
    """The start of the ``>`` lines running to ``end`` (blank lines between allowed),
    moved up over an attribution just above; None when new text follows them."""
    start = None
    for index in range(end - 1, -1, -1):
        line = lines[index]
        if _quoted(line):
            start = index
        elif line.strip():
            break
    if start is None:
        return None
    attribution = _attribution_before(lines, start)
    return attribution if attribution is not None else start


def _signature_start(lines: list[str]) -> int | None:
    """The ``-- `` line of a signature after the last ``>`` line, if there is one."""
    for index in range(len(lines) - 1, -1, -1):
        if _quoted(lines[index]):
            return None
        if _SIGNATURE.fullmatch(lines[index].strip()):
            return index
    return None


def _attribution_before(lines: list[str], end: int) -> int | None:
    """The attribution ending just above ``end`` (blank lines between allowed)."""
    index = end
    while index > 0 and not lines[index - 1].strip():
        index -= 1
    for size in (1, 2):
        start = index - size
        if start < 0:
            break
        if _attribution_at(lines, start) == index:
            return start
        if size == 1 and _generic_attribution(lines[start].strip()):
            return start
    return None


def _generic_attribution(line: str) -> bool:
    """An unknown language's "… <a@b.c> wrote:": short, ends in a colon, names a mailbox
    or a date. Only trusted right above a quote."""
    return (
        len(line) <= 200
        and line.endswith((":", "\uff1a"))
        and ("@" in line or re.search(r"\d{1,4}[./-]\d{1,2}", line) is not None)
    )
