"""Machine mail told apart from a customer's: auto-replies, lists, bounces and DSNs."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.email.parse import parse_mail

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def headers_only(**fields: str) -> bytes:
    """A mail with these headers (``X_Autorespond`` is ``X-Autorespond``) and a default From."""
    named = {"From": "Anna <anna@example.com>", "Message-ID": "<n-1@example.com>"}
    named.update({name.replace("_", "-"): value for name, value in fields.items()})
    lines = [f"{name}: {value}" for name, value in named.items()]
    return ("\r\n".join(lines) + "\r\n\r\nbody").encode()


def test_auto_reply_with_auto_submitted() -> None:
    mail = parse_mail((MAIL / "auto_reply.eml").read_bytes())
    assert mail.noise is not None and mail.noise.kind == "out_of_office"
    assert mail.noise.reason == "Auto-Submitted: auto-replied"
    assert mail.bounce is None


def test_out_of_office_without_auto_submitted() -> None:
    mail = parse_mail((MAIL / "out_of_office.eml").read_bytes())
    assert mail.subject == "Abwesenheitsnotiz: Ihr Termin"
    assert mail.noise is not None and mail.noise.kind == "out_of_office"
    assert mail.text == "Ich bin bis zum 30. November nicht im Büro."


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: your order",
        "Automatic reply: Appointment",
        "AutoReply: hello",
        "Auto-Reply: hello",
        "Abwesenheitsnotiz",
        "=?utf-8?b?6Ieq5Yqo5Zue5aSNOiDmgqjnmoTpgq7ku7Y=?=",  # 自动回复: 您的邮件
        "Réponse automatique : absent",
        "Absence du bureau",
        "Absence: back on Monday",
    ],
)
def test_out_of_office_subjects(subject: str) -> None:
    noise = parse_mail(headers_only(Subject=subject)).noise
    assert noise is not None and noise.kind == "out_of_office"


@pytest.mark.parametrize(
    "subject", ["Re: out of stock?", "Absences of the sales team", "Question about reply"]
)
def test_ordinary_subjects_are_not_noise(subject: str) -> None:
    assert parse_mail(headers_only(Subject=subject)).noise is None


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"Auto_Submitted": "auto-generated"}, "auto_submitted"),
        ({"Auto_Submitted": "auto-notified; owner-email=x@y"}, "auto_submitted"),
        ({"Auto_Submitted": "no"}, None),
        ({"X_Autorespond": "1"}, "out_of_office"),
        ({"X_Auto_Response_Suppress": "All"}, "auto_submitted"),
        ({"X_Auto_Response_Suppress": "DR, OOF"}, "auto_submitted"),
        ({"X_MS_Exchange_Generated_Message_Source": "Mailbox Rules Agent"}, "auto_submitted"),
        ({"Precedence": "bulk"}, "bulk"),
        ({"Precedence": "junk"}, "bulk"),
        ({"Precedence": "auto_reply"}, "out_of_office"),
        ({"List_Unsubscribe": "<mailto:leave@example.com>"}, "bulk"),
        ({"From": "MAILER-DAEMON@mx.example.com"}, "mailer_daemon"),
        ({"From": "Postmaster <postmaster@example.com>"}, "mailer_daemon"),
        ({"Precedence": "first-class"}, None),
    ],
)
def test_machine_headers(fields: dict[str, str], kind: str | None) -> None:
    noise = parse_mail(headers_only(**fields)).noise
    assert (noise.kind if noise else None) == kind


def test_a_mailing_list_is_bulk() -> None:
    noise = parse_mail((MAIL / "mailing_list.eml").read_bytes()).noise
    assert noise is not None and (noise.kind, noise.reason) == ("bulk", "list-id header")


def test_a_bounce_names_the_original_message() -> None:
    mail = parse_mail((MAIL / "bounce_dsn.eml").read_bytes())
    assert mail.noise is not None and mail.noise.kind == "bounce"
    bounce = mail.bounce
    assert bounce is not None and bounce.failed
    assert bounce.original_message_id == "hub-1234@hub.example.com"
    assert (bounce.recipient, bounce.status, bounce.action) == (
        "no.such.user@example.net",
        "5.1.1",
        "failed",
    )
    assert bounce.diagnostic == (
        "550 5.1.1 <no.such.user@example.net>: Recipient address rejected: User unknown in"
        " virtual mailbox table"
    )


def test_a_delayed_dsn_is_noise_but_not_a_failure() -> None:
    mail = parse_mail((MAIL / "delayed_dsn.eml").read_bytes())
    assert mail.noise is not None and mail.noise.kind == "bounce"
    bounce = mail.bounce
    assert bounce is not None and not bounce.failed
    assert (bounce.action, bounce.status, bounce.recipient) == (
        "delayed",
        "4.4.7",
        "slow@example.org",
    )
    # No returned headers: the xtext ENVID names the original.
    assert bounce.original_message_id == "hub-5678@hub.example.com"


def test_a_dsn_returning_the_whole_message_and_several_recipients() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.net\r\nMessage-ID: <d@x>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSome failed.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; ok@example.net\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.net\r\nAction: failed\r\nStatus: 5.2.1\r\n\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: paris@hub.example.com\r\nMessage-ID: <hub-9@hub.example.com>\r\n\r\nHello\r\n"
        b"--b--\r\n"
    )
    bounce = parse_mail(raw).bounce
    assert bounce is not None
    assert (bounce.recipient, bounce.status, bounce.original_message_id) == (
        "gone@example.net",
        "5.2.1",
        "hub-9@hub.example.com",
    )


def test_a_read_receipt_is_automatic() -> None:
    raw = (
        b"From: anna@example.com\r\nMessage-ID: <r@x>\r\n"
        b'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"\r\n'
        b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nRead.\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    assert mail.noise is not None and mail.noise.kind == "auto_submitted" and mail.bounce is None


def test_a_customer_mail_is_not_noise() -> None:
    mail = parse_mail((MAIL / "gmail_reply.eml").read_bytes())
    assert mail.noise is None and mail.bounce is None
