"""Hostile mail: whatever arrives, parse_mail answers quickly with a ParsedMail or a
MailRefused, never another exception. Time bounds are loose (a slow CI machine is fine);
what they catch is the quadratic behaviour of the stdlib parsers, which takes minutes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.email.parse import MailRefused, ParsedMail, parse_mail

HEAD = b"From: anna@example.com\r\nMessage-ID: <h-1@example.com>\r\n"
PROPERTY = settings(derandomize=True, max_examples=300, deadline=None, database=None)


@contextmanager
def quickly(seconds: float = 10.0) -> Iterator[None]:
    """Guards against work that grows with the square of a hostile input (minutes, not
    seconds, at these sizes); generous, so a busy machine never fails it. The parser's
    speed itself is not asserted here."""
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < seconds


def outcome(raw: bytes) -> ParsedMail | str:
    """The mail, or the refusal's code."""
    try:
        return parse_mail(raw)
    except MailRefused as refused:
        return refused.code


def nested(depth: int) -> bytes:
    raw = HEAD
    for level in range(depth):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
    return raw + b"Content-Type: text/plain\r\n\r\ndeep inside\r\n"


def with_attachments(count: int) -> bytes:
    parts = b"".join(
        b'--b\r\nContent-Type: application/pdf; name="f%d.pdf"\r\n'
        b"Content-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQK\r\n" % number
        for number in range(count)
    )
    return (
        HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" + parts + b"--b--\r\n"
    )


def test_two_hundred_nested_multiparts() -> None:
    with quickly():
        mail = parse_mail(nested(200))
    # Past twenty levels nothing is read: no mail program nests that deep.
    assert (mail.text, mail.attachments) == ("", ())


def test_nesting_deeper_than_the_parser_can_go_is_refused() -> None:
    raw = HEAD + b"Content-Type: message/rfc822\r\n\r\n" * 5000 + b"hi\r\n"
    with quickly():
        assert outcome(raw) == "too_deeply_nested"
    with quickly():
        assert outcome(nested(10_000)) == "too_many_parts"


def test_a_five_megabyte_header_line() -> None:
    with quickly():
        assert (
            outcome(HEAD + b"Subject: " + b"x" * 5_000_000 + b"\r\n\r\nhi") == "headers_too_large"
        )


def test_a_five_megabyte_content_type_inside_a_part_is_capped() -> None:
    # policy.default's parser did not finish this in ten minutes uncapped.
    raw = (
        HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain; " + b"a=b; " * 1_000_000 + b"\r\n\r\nhello\r\n--b--\r\n"
    )
    with quickly():
        mail = parse_mail(raw)
    assert mail.text == "hello"


def test_a_thousand_attachments_keep_twenty_and_count_the_rest() -> None:
    with quickly():
        mail = parse_mail(with_attachments(1000))
    assert len(mail.attachments) == 20 and mail.attachments_dropped == 980
    assert mail.attachments[0].filename == "f0.pdf" and mail.text == "see attached"
    assert parse_mail(with_attachments(30), max_attachments=5).attachments_dropped == 25


def test_tens_of_thousands_of_parts_are_refused_before_parsing() -> None:
    with quickly(3):
        assert outcome(with_attachments(20_000)) == "too_many_parts"


def test_a_thirty_megabyte_body_is_refused_before_parsing() -> None:
    with quickly(3):
        assert outcome(HEAD + b"\r\n" + b"y" * 30_000_000) == "mail_too_large"


def test_a_large_body_is_read_and_capped() -> None:
    raw = HEAD + b"\r\n" + (b"y" * 76 + b"\r\n") * 250_000
    with quickly():
        mail = parse_mail(raw)
    assert len(mail.text) == 100_000


@pytest.mark.parametrize(
    "make",
    [
        lambda: HEAD + b"X-Short: y\r\n" * 500_000 + b"\r\nhi",  # too many lines
        lambda: (
            HEAD + b"Content-Type: multipart/report; report-type=delivery-status; "
            b"boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            + b"Action: failed\r\n\r\n"
            * 50_000
        ),  # a block per recipient
        lambda: HEAD + b"Content-Type: text/html\r\n\r\n" + b"<a" * 10_000_000,
        lambda: (
            b"Message-ID: <x@y>\r\nFrom: "
            + b'"' * 200_000
            + b"\r\nTo: "
            + b"," * 200_000
            + b"\r\n\r\nhi"
        ),
        lambda: (
            HEAD
            + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            + b"".join(
                b"--b\r\nContent-Type: text/plain; a=" + b'"' * 2000 + b"%d\r\n\r\nx\r\n" % n
                for n in range(1500)
            )
        ),
    ],
    ids=["header-lines", "dsn-blocks", "html", "address-quotes", "quoted-params"],
)
def test_crafted_shapes_answer_quickly(make: Callable[[], bytes]) -> None:
    raw = make()
    with quickly():
        outcome(raw)


@PROPERTY
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_else(raw: bytes) -> None:
    outcome(raw)


_PIECES = [
    b"From: a@b.c\r\n",
    b"Message-ID: <x@y>\r\n",
    b"Subject: =?utf-8?b?w6k=?=\r\n",
    b"Subject: =?x-bad?q?=FF?=\r\n",
    b"To: =?utf-8?q?a=0D=0A?= <t@b.c>, (((\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n",
    b"Content-Type: multipart/alternative\r\n",
    b"Content-Type: text/html; charset=gb2312\r\n",
    b"Content-Type: message/rfc822\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
    b"Content-Type: message/delivery-status\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Disposition: attachment; filename*=utf-8''%FF%2F..\r\n",
    b"Date: Tue, 31 Feb 99999 99:99 +9999\r\n",
    b"Authentication-Results: x; dmarc=pass header.from=\r\n",
    b"\r\n",
    b"--b\r\n",
    b"--b--\r\n",
    b"<a href=javascript:x><blockquote type=cite>",
    b"> quoted\r\n",
    b"=\r\n",
    b"=FF=\r\n",
    b"On Tue, 1 Jan 2026, A <a@b.c> wrote:\r\n",
    b"\xff\xfe\x00",
    b"Action: failed\r\n",
]


@PROPERTY
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_mail_shaped_garbage_never_raises_anything_else(pieces: list[bytes]) -> None:
    result = outcome(b"".join(pieces))
    if isinstance(result, ParsedMail):
        texts = [result.subject, result.text, result.quoted or "", result.from_name or ""]
        for text in texts:
            text.encode("utf-8")  # no lone surrogates: storable and serialisable
        assert "\r" not in result.subject and "\n" not in result.subject


_FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "mail").glob("*.eml"))


@PROPERTY
@given(
    st.sampled_from(_FIXTURES),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), st.binary(max_size=12)), max_size=8),
)
def test_damaged_fixtures_never_raise_anything_else(
    path: Path, edits: list[tuple[float, int, bytes]]
) -> None:
    """Real mails with bytes cut out and garbage put in, anywhere (boundaries included)."""
    raw = path.read_bytes()
    for where, cut, garbage in edits:
        at = int(where * len(raw))
        raw = raw[:at] + garbage + raw[at + cut :]
    result = outcome(raw)
    if isinstance(result, ParsedMail):
        for attachment in result.attachments:
            assert attachment.size >= len(attachment.data)
