"""One inbound mail, from raw RFC 5322 bytes to a ``ParsedMail`` the hub can store.

Pure: no I/O, no clock, nothing from the ``email`` package past the return. The input is
hostile (anyone can send us mail), so everything is capped before it is parsed, and the
only exception is ``MailRefused``:

- ``mail_too_large`` (413): over ``max_bytes``; checked before anything else.
- ``headers_too_large``, ``too_many_lines``, ``too_many_parts``: shapes no mail program
  produces and the parser needs seconds for (it costs ~1.5 µs a header line, ~100 µs a
  part, ~30 µs a delivery-status block); counted with ``bytes.count`` before parsing.
- ``too_deeply_nested``: the parser recurses once per multipart level.
- ``too_complex``: the header budget of ``headers.HeaderBudget`` ran out.
- ``not_a_mail``: no header at all, or neither a From address nor a Message-ID.
- ``unreadable``: anything else the ``email`` package raised.

The bytes are parsed with ``policy.default`` (cloned with a capped header factory); text
comes from ``parts`` and ``charsets``, the quote from ``quotes``, machine mail from
``noise``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import Message
from email.parser import BytesParser

from adapters.email import headers
from adapters.email.authentication import AuthResult, auth_results
from adapters.email.noise import Bounce, Noise, classify, read_bounce
from adapters.email.parts import Body, MailAttachment, attachments, find_body, part_text
from adapters.email.quotes import split_quoted, split_quoted_html
from adapters.email.sanitise import one_line, text_block
from hub.errors import HubError

__all__ = [
    "AuthResult",
    "Bounce",
    "MailAttachment",
    "MailRefused",
    "Noise",
    "ParsedMail",
    "dmarc_passed",
    "parse_mail",
]

MAX_BYTES = 25_000_000
MAX_HEADER_BYTES = 1_000_000  # of the top-level header section
MAX_LINES = 400_000  # 25 MB of base64 is 330,000 lines
MAX_PART_LINES = 3_000  # lines starting "--": a bound on the number of parts
MAX_BLANK_LINES = 20_000  # a bound on header blocks (delivery-status has one per recipient)
SUBJECT_LIMIT = 998
TEXT_LIMIT = 100_000
QUOTED_LIMIT = 100_000
ADDRESS_LIMIT = 100


class MailRefused(HubError):
    """A mail we will not take; ``message`` is fixed text, never the mail's."""

    status = 400
    code = "mail_refused"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
        if code == "mail_too_large":
            self.status = 413


@dataclass(frozen=True)
class ParsedMail:
    """An inbound mail as the hub stores it.

    ``text`` is what is new in the mail and ``quoted`` the history it folded away (None
    when there was none to fold). Addresses are lower-cased addr-specs; ``to``/``cc`` are
    what the headers claim, ``envelope_to`` the mailboxes the mail was delivered to.
    """

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str | None
    from_name: str | None
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    envelope_to: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    quoted: str | None
    attachments: tuple[MailAttachment, ...]
    attachments_dropped: int
    auth_results: tuple[AuthResult, ...]
    noise: Noise | None
    bounce: Bounce | None
    # ``Content-Language`` ("fr", "de, en"): what the client wrote in, for their answers.
    language: str | None = None


def parse_mail(
    raw: bytes,
    *,
    envelope_to: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
    max_attachment_bytes: int = 10_000_000,
    max_attachments: int = 20,
) -> ParsedMail:
    """``raw`` read, or ``MailRefused`` saying why not (see the module's docstring)."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MailRefused("not_a_mail", "the mail must be bytes")
    if len(raw) > max_bytes:
        raise MailRefused("mail_too_large", f"the mail is larger than {max_bytes} bytes")
    raw = bytes(raw)
    _check_shape(raw)
    if isinstance(envelope_to, str):
        envelope_to = (envelope_to,)
    policy, budget = headers.mail_policy()
    try:
        message = BytesParser(policy=policy).parsebytes(raw)
        if not message.keys():
            raise MailRefused("not_a_mail", "the mail has no header")
        parsed = _parsed(message, envelope_to, max_attachment_bytes, max_attachments)
    except MailRefused:
        raise
    except RecursionError:
        raise MailRefused("too_deeply_nested", "the mail's parts are nested too deeply") from None
    except Exception as exc:
        # The email package raises what its authors did not foresee (IndexError,
        # AssertionError, UnicodeError...); to our callers that is one unreadable mail.
        raise MailRefused("unreadable", "the mail could not be read") from exc
    if budget.exhausted:
        raise MailRefused("too_complex", "the mail's headers are too complex to read")
    if parsed.from_address is None and parsed.message_id is None:
        raise MailRefused("not_a_mail", "the mail has neither a From address nor a Message-ID")
    return parsed


def dmarc_passed(parsed: ParsedMail, trusted_authserv_ids: Collection[str]) -> bool:
    """Whether our own receiving server vouches, by DMARC, for the From address's domain.

    Only the topmost header from a trusted authserv-id counts: a server adds its header
    on top, so one further down that claims the same id was there before our server saw
    the mail, and anyone could have written it. Untrusted ids are ignored entirely.
    """
    if parsed.from_address is None:
        return False
    domain = parsed.from_address.rsplit("@", 1)[-1]
    trusted = {authserv_id.lower() for authserv_id in trusted_authserv_ids}
    for result in parsed.auth_results:
        if result.authserv_id in trusted:
            return result.dmarc == "pass" and result.dmarc_from == domain
    return False


def _check_shape(raw: bytes) -> None:
    """Refuse, in C-speed scans, the shapes that would keep the parser busy for seconds."""
    if not raw.strip():
        raise MailRefused("not_a_mail", "the mail is empty")
    head = raw[: MAX_HEADER_BYTES + 4]
    if len(raw) > MAX_HEADER_BYTES and b"\n\n" not in head and b"\n\r\n" not in head:
        raise MailRefused("headers_too_large", "the mail's header is too large")
    if raw.count(b"\n") > MAX_LINES:
        raise MailRefused("too_many_lines", "the mail has too many lines")
    if (
        raw.count(b"\n--") > MAX_PART_LINES
        or raw.count(b"\n\n") + raw.count(b"\n\r\n") > MAX_BLANK_LINES
    ):
        raise MailRefused("too_many_parts", "the mail has too many parts")


def _parsed(
    message: Message,
    envelope_to: Sequence[str],
    max_attachment_bytes: int,
    max_attachments: int,
) -> ParsedMail:
    sender = headers.addresses(message, "from", limit=1)
    reply_to = headers.addresses(message, "reply-to", limit=1)
    body = find_body(message)
    text, quoted = _content(body)
    found, dropped = attachments(
        message, body, max_bytes=max_attachment_bytes, max_count=max_attachments
    )
    bounce = read_bounce(message)
    return ParsedMail(
        message_id=headers.message_id(headers.raw_text(message, "message-id")),
        in_reply_to=headers.message_ids(_values(message, "in-reply-to")),
        references=headers.message_ids(_values(message, "references")),
        from_address=headers.addr_spec(sender[0]) if sender else None,
        from_name=headers.display_name(sender[0]) if sender else None,
        reply_to=headers.addr_spec(reply_to[0]) if reply_to else None,
        to=_mailboxes(headers.addresses(message, "to", ADDRESS_LIMIT)),
        cc=_mailboxes(headers.addresses(message, "cc", ADDRESS_LIMIT)),
        envelope_to=_mailboxes(list(envelope_to)[:ADDRESS_LIMIT]),
        subject=headers.text(message, "subject", SUBJECT_LIMIT) or "",
        date=headers.date(message),
        text=text,
        quoted=quoted,
        attachments=found,
        attachments_dropped=dropped,
        auth_results=auth_results(
            str(value) for value in headers.headers(message, "authentication-results")
        ),
        noise=classify(message, bounce),
        bounce=bounce,
        language=_language(message, body),
    )


def _content(body: Body | None) -> tuple[str, str | None]:
    """The new text and the folded quote; an HTML body is converted to text first."""
    if body is None:
        return "", None
    source = "\n\n".join(part_text(part) for part in body.parts)
    if body.kind == "html":
        new, quoted = split_quoted_html(source)
    else:
        new, quoted = split_quoted(text_block(source, 2 * (TEXT_LIMIT + QUOTED_LIMIT)))
    new = text_block(new, TEXT_LIMIT)
    quoted = text_block(quoted, QUOTED_LIMIT) if quoted is not None else None
    return new, quoted or None


def _language(message: Message, body: Body | None) -> str | None:
    """``Content-Language`` of the mail (Outlook sets it on top), else of the body part."""
    found = headers.text(message, "content-language", 100)
    if found is None and body is not None and body.parts:
        found = headers.text(body.parts[0], "content-language", 100)
    return found


def _values(message: Message, name: str) -> list[str]:
    """The first few ``name`` headers as text (In-Reply-To and References may repeat)."""
    return [str(value) for value in headers.headers(message, name, limit=5)]


def _mailboxes(found: Sequence[Address | str]) -> tuple[str, ...]:
    """Valid addresses, lower-cased, deduplicated in order."""
    seen: dict[str, None] = {}
    for entry in found:
        spec = headers.addr_spec(one_line(entry, 320) if isinstance(entry, str) else entry)
        if spec is not None:
            seen.setdefault(spec, None)
    return tuple(seen)
