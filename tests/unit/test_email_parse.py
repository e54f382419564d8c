"""Inbound mail as an ambassador sees it: the new text, the folded quote, who wrote, what
came attached, and which mails were machines talking (fixtures in tests/fixtures/mail)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.email.parse import MailRefused, ParsedMail, dmarc_passed, parse_mail

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
HUB_MX = ["mx.hub.example.com"]


def fixture(name: str, **options: object) -> ParsedMail:
    return parse_mail((MAIL / name).read_bytes(), **options)  # type: ignore[arg-type]


def make_mail(body: str = "Hello", **fields: str) -> bytes:
    """A small plain-text mail; ``fields`` replace or add headers (``Message_ID=...``)."""
    headers = {
        "From": "Anna <anna@example.com>",
        "To": "paris@hub.example.com",
        "Subject": "Question",
        "Message-ID": "<m-1@example.com>",
        "Content-Type": "text/plain; charset=utf-8",
    }
    headers.update({name.replace("_", "-"): value for name, value in fields.items()})
    lines = [f"{name}: {value}" for name, value in headers.items() if value]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


# -- threading and people -------------------------------------------------------------


def test_ids_and_addresses_of_a_reply() -> None:
    mail = fixture("gmail_reply.eml")
    assert mail.message_id == "CAF=abc123+XyZ@mail.gmail.com"
    assert mail.in_reply_to == ("hub-3001@hub.example.com",)
    assert mail.references == ("hub-3000@hub.example.com", "hub-3001@hub.example.com")
    assert (mail.from_address, mail.from_name) == ("marco.rossi@gmail.com", "Marco Rossi")
    assert mail.to == ("milano@hub.example.com",)
    assert mail.cc == ("marco.assistant@example.it",)
    assert mail.date == datetime(2026, 11, 24, 10, 4, 55, tzinfo=UTC)


def test_references_are_deduplicated_and_capped_keeping_the_root_and_the_latest() -> None:
    ids = " ".join(f"<r{n}@example.com>" for n in range(80))
    mail = parse_mail(
        make_mail(References=f"{ids} <r5@example.com>", In_Reply_To="<r79@example.com>")
    )
    assert len(mail.references) == 50
    assert mail.references[0] == "r0@example.com"
    assert mail.references[-1] == "r79@example.com"
    assert len(set(mail.references)) == 50
    assert mail.in_reply_to == ("r79@example.com",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<  abc@example.com >", "abc@example.com"),
        ("bare-id@example.com", "bare-id@example.com"),
        ("<has space@example.com>", None),
        ("<>", None),
        ("<" + "x" * 300 + "@example.com>", None),
        ("not an id at all", None),
    ],
)
def test_message_id_is_normalised_or_none(value: str, expected: str | None) -> None:
    assert parse_mail(make_mail(Message_ID=value)).message_id == expected


def test_reply_to_and_a_lower_cased_sender() -> None:
    mail = parse_mail(
        make_mail(From="ANNA <Anna.L@Example.COM>", Reply_To="Desk <desk@example.com>")
    )
    assert (mail.from_address, mail.reply_to) == ("anna.l@example.com", "desk@example.com")


def test_an_address_that_is_not_one_is_dropped() -> None:
    mail = parse_mail(make_mail(From="Anna <not-an-address>", To="a@b, paris@hub.example.com"))
    assert mail.from_address is None and mail.from_name == "Anna"
    assert mail.to == ("paris@hub.example.com",)


def test_envelope_recipients_are_kept_apart_from_the_headers() -> None:
    mail = parse_mail(
        make_mail(To="someone@example.com"),
        envelope_to=["Paris@Hub.Example.com", "junk", "paris@hub.example.com"],
    )
    assert mail.envelope_to == ("paris@hub.example.com",)
    assert mail.to == ("someone@example.com",)


def test_a_missing_or_bad_date_is_none_and_a_zoneless_one_is_utc() -> None:
    assert parse_mail(make_mail(Date="")).date is None
    assert parse_mail(make_mail(Date="yesterday-ish")).date is None
    zoneless = parse_mail(make_mail(Date="Tue, 24 Nov 2026 10:00:00 -0000")).date
    assert zoneless == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


# -- text and quotes ------------------------------------------------------------------


def test_apple_mail_reply_keeps_sent_from_my_iphone_and_folds_the_quote() -> None:
    mail = fixture("apple_alternative_reply.eml")
    assert mail.text == (
        "Saturday at 3 pm is perfect, thank you. Could you also keep the green Kelly bag"
        " aside?\n\nSent from my iPhone"
    )
    assert mail.quoted is not None
    assert mail.quoted.startswith("> On 24 Nov 2026, at 10:00, Maison Lumière Paris")
    assert "we would be delighted" in mail.quoted
    assert mail.attachments == ()  # the HTML alternative is not a file


def test_gmail_reply_folds_a_two_line_attribution() -> None:
    mail = fixture("gmail_reply.eml")
    assert mail.text == "Perfect, I will come by on Thursday to try it on.\n\nMarco"
    assert mail.quoted is not None
    assert mail.quoted.startswith("On Tue, Nov 24, 2026 at 10:00 AM Maison Lumiere Milano <")
    assert "> the watch has arrived in our boutique." in mail.quoted


def test_french_outlook_reply_folds_at_the_separator_and_header_block() -> None:
    mail = fixture("outlook_french_reply.eml")
    assert mail.subject == "RE : Votre rendez-vous"
    assert mail.text == (
        "Bonjour,\n\nMerci, je confirme le rendez-vous de jeudi à 15 h.\n\nBien à vous,\n"
        "Louise Martin"
    )
    assert mail.quoted is not None
    assert mail.quoted.startswith("________________________________\nDe : Maison Lumière Paris")
    assert "Chère Madame Martin" in mail.quoted


def test_outlook_html_only_is_converted_and_folded_at_div_rply_fwd_msg() -> None:
    mail = fixture("outlook_html_only.eml")
    assert mail.text == (
        "Bonjour Sophie,\nJe passerai récupérer le carré Hermès vendredi.\n"
        "Voici le récapitulatif (https://example.com/order/8812) et mon site"
        " https://example.com.\n\n• Carré 90\n• Boîte cadeau\n\nCordialement,\nCamille"
    )
    assert mail.quoted is not None
    assert mail.quoted.startswith("De : Maison Lumière <paris@hub.example.com>\nEnvoyé :")
    assert mail.quoted.endswith("Chère Madame, votre commande est prête.")
    assert "alert" not in mail.text + mail.quoted


def test_a_mail_that_is_only_a_quote_keeps_it_all_in_text() -> None:
    mail = parse_mail(make_mail("> forwarded line one\n> forwarded line two\n"))
    assert mail.text == "> forwarded line one\n> forwarded line two"
    assert mail.quoted is None


def test_an_inline_answer_between_quotes_is_not_folded() -> None:
    body = (
        "On Tue, 24 Nov 2026 at 10:00, Sophie <paris@hub.example.com> wrote:\n"
        "> Would you like it in blue?\nYes, navy blue please.\n> And engraved?\nNo, thank you.\n"
    )
    mail = parse_mail(make_mail(body))
    assert mail.text == body.strip()
    assert mail.quoted is None


def test_a_multipart_alternative_with_an_empty_plain_part_reads_the_html() -> None:
    raw = (
        b"From: anna@example.com\r\nMessage-ID: <e@x>\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\n \r\n"
        b"--b\r\nContent-Type: text/html\r\n\r\n<p>Only <b>here</b></p>\r\n--b--\r\n"
    )
    assert parse_mail(raw).text == "Only here"


def test_text_parts_split_around_an_inline_picture_are_joined() -> None:
    raw = (
        b"From: anna@example.com\r\nMessage-ID: <e@x>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nBefore the photo.\r\n"
        b"--b\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\nPNG\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nAfter the photo.\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    assert mail.text == "Before the photo.\n\nAfter the photo."
    assert [a.content_type for a in mail.attachments] == ["image/png"]


# -- charsets -------------------------------------------------------------------------


def test_iso_2022_jp_body_subject_and_name() -> None:
    mail = fixture("iso2022jp.eml")
    assert mail.subject == "ご予約の確認"
    assert mail.from_name == "山田 花子"
    assert mail.text == "山田様\n\n土曜日の午後三時に伺います。\nよろしくお願いいたします。"


def test_gb2312_label_over_gbk_bytes_is_read_as_gb18030() -> None:
    mail = fixture("gb2312.eml")
    assert mail.subject == "预约试戴"
    assert mail.from_name == "王堃"  # 堃 is GBK, not GB2312
    assert mail.text == "您好，\n我想预约本周六下午试戴项链。\n王堃"  # noqa: RUF001


def test_big5_body_and_subject() -> None:
    mail = fixture("big5.eml")
    assert (mail.subject, mail.from_name) == ("手錶現貨", "陳美玲")
    assert mail.text == "您好：\n請問這款手錶還有現貨嗎？\n陳小姐"  # noqa: RUF001


def test_shift_jis_label_over_cp932_bytes() -> None:
    mail = fixture("shift_jis.eml")
    assert mail.subject == "注文の件"
    assert mail.text == "ご注文番号①の件、ありがとうございます。"


def test_windows_1252_html_body() -> None:
    assert "carré Hermès" in fixture("outlook_html_only.eml").text


def test_unknown_charset_reads_as_utf8_with_replacement() -> None:
    mail = fixture("unknown_charset.eml")
    assert mail.subject == "Café question"
    assert mail.text == "Is the café still open? Price: 1 200 €\nBroken: \ufffd\ufffd end"


@pytest.mark.parametrize("charset", ["zlib", "base64", "unicode_escape", "x-" + "a" * 80])
def test_a_charset_naming_a_codec_that_is_no_charset_is_unknown(charset: str) -> None:
    mail = parse_mail(make_mail("caf\xe9 \\u0041", Content_Type=f"text/plain; charset={charset}"))
    assert mail.text == "caf\xe9 \\u0041"


def test_raw_utf8_headers_are_read_as_utf8() -> None:
    raw = "From: Zoë Brontë <zoe@example.com>\r\nSubject: Crème brûlée\r\n\r\nHi".encode()
    mail = parse_mail(raw)
    assert (mail.from_name, mail.subject) == ("Zoë Brontë", "Crème brûlée")


# -- attachments ----------------------------------------------------------------------


def test_attachment_and_inline_image() -> None:
    mail = fixture("attachments.eml")
    assert mail.text == "Please find the invoice attached. The bag in the photo is the one I mean."
    image, pdf = mail.attachments
    assert (image.content_type, image.inline, image.content_id, image.filename) == (
        "image/png",
        True,
        "photo-1@example.com",
        None,
    )
    assert image.data.startswith(b"\x89PNG") and image.size == len(image.data)
    # RFC 2231 name with a Windows path: decoded, and only the last segment kept.
    assert (pdf.filename, pdf.content_type, pdf.inline) == (
        "Facture été.pdf",
        "application/pdf",
        False,
    )
    assert pdf.data.startswith(b"%PDF-1.4") and pdf.size == 45 and not pdf.too_large


def test_an_oversized_attachment_is_listed_without_its_bytes() -> None:
    mail = fixture("attachments.eml", max_attachment_bytes=46)
    pdf = mail.attachments[1]
    assert (pdf.too_large, pdf.data, pdf.size) == (False, pdf.data, 45)
    mail = fixture("attachments.eml", max_attachment_bytes=40)
    pdf = mail.attachments[1]
    assert (pdf.filename, pdf.too_large, pdf.data, pdf.size) == ("Facture été.pdf", True, b"", 45)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("a\r\nb.txt", "a b.txt"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
        ("...", None),
    ],
)
def test_attachment_names_are_sanitised(name: str, expected: str | None) -> None:
    encoded = name.encode().hex()
    quoted = "".join(f"%{encoded[i : i + 2]}" for i in range(0, len(encoded), 2))
    raw = (
        "From: anna@example.com\r\nMessage-ID: <e@x>\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Disposition: attachment; filename*=utf-8''{quoted}\r\n\r\ndata\r\n--b--\r\n"
    ).encode()
    assert parse_mail(raw).attachments[0].filename == expected


def test_a_forwarded_mail_is_one_attachment() -> None:
    raw = (
        b"From: anna@example.com\r\nMessage-ID: <e@x>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee below\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: shop@example.com\r\nSubject: Order 1\r\n\r\nYour order\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    (forwarded,) = mail.attachments
    assert forwarded.content_type == "message/rfc822"
    assert b"Subject: Order 1" in forwarded.data and b"Your order" in forwarded.data
    assert mail.text == "See below"


def test_broken_multipart_without_its_closing_boundary() -> None:
    mail = fixture("broken_multipart.eml")
    assert mail.text == "Here are the photos of the scratch on the clasp."
    (photo,) = mail.attachments
    assert photo.filename == "clasp.jpg" and photo.data.startswith(b"\xff\xd8\xff")


def test_a_multipart_without_boundary_is_read_as_its_text() -> None:
    mail = parse_mail(make_mail("just text", Content_Type="multipart/mixed"))
    assert mail.text == "just text"


# -- headers that try something --------------------------------------------------------


def test_an_encoded_crlf_cannot_start_a_header() -> None:
    mail = fixture("header_injection.eml")
    assert mail.subject == "Hello Bcc: victim@example.com <b>body</b>"
    # The stdlib refuses an address whose name decodes to CR/LF; the sender is kept.
    assert (mail.from_address, mail.from_name) == ("eve@example.com", "Eve X-Injected: 1")
    assert all(
        "\r" not in value and "\n" not in value for value in (mail.subject, mail.from_name or "")
    )


def test_control_characters_leave_the_subject_and_text() -> None:
    mail = parse_mail(make_mail("a\x00b\x1bc\u202ed", Subject="=?utf-8?q?x=07y=00z?="))
    assert (mail.subject, mail.text) == ("xyz", "abcd")


def test_subject_is_capped() -> None:
    assert len(parse_mail(make_mail(Subject="s" * 5000)).subject) == 998


# -- authentication -------------------------------------------------------------------


def test_authentication_results_are_read() -> None:
    (result,) = fixture("gmail_reply.eml").auth_results
    assert (result.authserv_id, result.dmarc, result.dmarc_from, result.spf, result.dkim) == (
        "mx.hub.example.com",
        "pass",
        "gmail.com",
        "pass",
        "pass",
    )
    assert dmarc_passed(fixture("gmail_reply.eml"), HUB_MX)


def test_a_forged_authentication_results_below_the_trusted_one_is_ignored() -> None:
    mail = fixture("forged_auth_results.eml")
    assert [(r.authserv_id, r.dmarc) for r in mail.auth_results] == [
        ("mx.hub.example.com", "fail"),
        ("mx.hub.example.com", "pass"),  # written by the sender, under our server's name
        ("evil.example", "pass"),
    ]
    assert not dmarc_passed(mail, HUB_MX)
    # With several trusted ids, the topmost trusted header decides.
    assert not dmarc_passed(mail, [*HUB_MX, "evil.example"])
    assert not dmarc_passed(fixture("gmail_reply.eml"), ["mx.other.example"])


def test_dmarc_must_be_for_the_from_domain() -> None:
    ar = "mx.hub.example.com; dmarc=pass (p=NONE) header.from=example.org"
    assert not dmarc_passed(parse_mail(make_mail(Authentication_Results=ar)), HUB_MX)
    ar = "mx.hub.example.com; dmarc=pass (p=NONE) header.from=Example.com"
    assert dmarc_passed(parse_mail(make_mail(Authentication_Results=ar)), HUB_MX)


# -- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "not_a_mail"),
        (b"\r\n\r\n", "not_a_mail"),
        (b"hello, this is not a mail", "not_a_mail"),
        (b'{"from": "anna@example.com"}', "not_a_mail"),
        (b"Subject: no sender and no id\r\n\r\nbody", "not_a_mail"),
    ],
)
def test_what_is_not_a_mail_is_refused(raw: bytes, code: str) -> None:
    with pytest.raises(MailRefused) as refused:
        parse_mail(raw)
    assert refused.value.code == code and refused.value.status == 400


def test_a_mail_with_an_id_but_no_readable_sender_is_still_a_mail() -> None:
    mail = parse_mail(b"From: nobody\r\nMessage-ID: <x@example.com>\r\n\r\nbody")
    assert (mail.from_address, mail.message_id) == (None, "x@example.com")


def test_over_the_size_cap_is_refused_before_parsing() -> None:
    with pytest.raises(MailRefused) as refused:
        parse_mail(make_mail("x" * 2000), max_bytes=1000)
    assert (refused.value.code, refused.value.status) == ("mail_too_large", 413)
