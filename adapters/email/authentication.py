"""Authentication-Results headers (RFC 8601): what receiving servers said about DKIM, SPF
and DMARC.

Anyone can write such a header into a mail before sending it, so these are only claims;
``parse.dmarc_passed`` decides which one to believe. Comments are dropped and each value
is capped before it is read, and results other than the three we use are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

VALUE_LIMIT = 4000
_AUTHSERV_ID = re.compile(r"[a-z0-9][a-z0-9._:-]{0,252}")
_RESULT = re.compile(r"\s*([a-z0-9_-]{1,32})(?:\s*/\s*\d{1,3})?\s*=\s*([a-z]{1,16})\b")
_PROPERTY = re.compile(r"\b([a-z]{1,16})\s*\.\s*([a-z0-9_-]{1,32})\s*=\s*(\"[^\"]*\"|[^\s;\"]+)")
_DOMAIN = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)+"
)


@dataclass(frozen=True)
class AuthResult:
    """One server's verdicts. ``dmarc_from`` is the From domain its DMARC result is for;
    ``dkim`` is ``pass`` when any signature passed (for whatever domain: alignment with
    the From is DMARC's business)."""

    authserv_id: str
    dmarc: str | None = None
    dmarc_from: str | None = None
    spf: str | None = None
    dkim: str | None = None


def auth_results(values: Iterable[str], limit: int = 20) -> tuple[AuthResult, ...]:
    """The readable headers among ``values``, in the order given (top first)."""
    found: list[AuthResult] = []
    for value in values:
        result = auth_result(value)
        if result is not None:
            found.append(result)
        if len(found) >= limit:
            break
    return tuple(found)


def auth_result(value: str) -> AuthResult | None:
    """One header's value; None when it has no usable authserv-id."""
    head, *resinfos = _without_comments(value[:VALUE_LIMIT]).lower().split(";")
    words = head.split()
    if not words or not _AUTHSERV_ID.fullmatch(words[0]):
        return None
    verdicts: dict[str, str] = {}
    dmarc_from = None
    for resinfo in resinfos:
        match = _RESULT.match(resinfo)
        if match is None:
            continue
        method, result = match.groups()
        if method == "dkim" and verdicts.get("dkim") != "pass":
            verdicts["dkim"] = result
        elif method in ("dmarc", "spf") and method not in verdicts:
            verdicts[method] = result
            if method == "dmarc":
                dmarc_from = _header_from(resinfo[match.end() :])
    return AuthResult(
        authserv_id=words[0],
        dmarc=verdicts.get("dmarc"),
        dmarc_from=dmarc_from,
        spf=verdicts.get("spf"),
        dkim=verdicts.get("dkim"),
    )


def _header_from(properties: str) -> str | None:
    for ptype, name, value in _PROPERTY.findall(properties):
        if (ptype, name) == ("header", "from"):
            domain = value.strip('"').rsplit("@", 1)[-1].rstrip(".")
            return domain if _DOMAIN.fullmatch(domain) else None
    return None


def _without_comments(value: str) -> str:
    """``value`` with its (possibly nested) parenthesised comments removed, in one pass."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
            continue
        elif char == '"' and not depth:
            quoted = not quoted
        elif char == "(" and not quoted:
            depth += 1
            continue
        elif char == ")" and depth:
            depth -= 1
            out.append(" ")
            continue
        if not depth:
            out.append(char)
    return "".join(out)
