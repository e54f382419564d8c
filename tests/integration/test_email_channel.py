"""The e-mail channel on both databases: a real SMTP session into the hub's listener, the
ambassador's reply through a real relay (the fake SMTP sink), the client's answer to it
threading back, the signed webhook, noise and bounces, and the contact form."""

from __future__ import annotations

import hashlib
import hmac
from email import message_from_string
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import default
from email.utils import make_msgid
from typing import Any, cast

import aiosmtplib
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from adapters.email.mailboxes import add_mailbox
from hub.app import SMTP_LISTENER, create_app
from hub.db.channel_models import Attachment
from hub.db.jobs_models import MailOutbox
from hub.db.models import CustomerIdentity, Message
from hub.services import SERVICES
from hub.settings import Secret
from hub.staff import Principal
from tests.conftest import FakeClock, make_settings
from tests.factories import make_staff, make_store
from tests.fakes.smtp import FakeSmtpServer
from tests.integration.running_hub import RunningHub

WEBHOOK_SECRET = "webhook-secret-0123456789abcdef0123456789"
PARIS = "paris@maison.example.com"


class MailHub(RunningHub):
    @property
    def smtp_port(self) -> int:
        return self.client.app[SMTP_LISTENER].port

    async def send(self, mail: EmailMessage, to: list[str] | None = None) -> Any:
        """An SMTP session with the listener, as the sending server would have."""
        return await aiosmtplib.send(
            mail,
            hostname="127.0.0.1",
            port=self.smtp_port,
            recipients=to or [str(mail["To"])],
            sender="anna@client.example",
        )


@pytest.fixture
async def mailhub(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> MailHub:
    settings = make_settings(
        database_url,
        smtp_port=0,
        smtp_relay=smtp.relay,
        public_url="https://hub.example.com",
        email_webhook_secret=Secret(WEBHOOK_SECRET),
        email_trusted_authserv=("mx.maison.example.com",),
        anonymous_per_minute=1000.0,
        anonymous_burst=100,
    )
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    db = client.app[SERVICES].db
    await make_store(db, clock())
    async with db.transaction() as session:
        await add_mailbox(
            session,
            PARIS,
            "PARIS01",
            display_name="Maison Paris",
            signature="Maison — 12 rue de la Paix",
            now=clock(),
            actor=("test", None),
        )
    return MailHub(client, clock)


def client_mail(
    text: str,
    *,
    subject: str = "Engagement ring",
    to: str = PARIS,
    sender: str = "Anna Martin <anna@client.example>",
    reply_to_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="client.example")
    if reply_to_id:
        mail["In-Reply-To"] = reply_to_id
        mail["References"] = reply_to_id
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    return mail


async def manager(mail: MailHub) -> Principal:
    return await make_staff(mail.hub.db, mail.clock(), role="manager", name="Claire Dubois")


async def test_mail_in_reply_out_and_the_clients_answer_threads_back(
    mailhub: MailHub, smtp: FakeSmtpServer
) -> None:
    first = client_mail("Bonjour, do you resize rings?\n\n-- \nAnna")
    await mailhub.send(first)
    await mailhub.settle()
    (conversation,) = await mailhub.conversations()
    assert conversation.channel == "email" and conversation.contact == "anna@client.example"
    assert conversation.status == "queued"

    claire = await manager(mailhub)
    stored = await mailhub.hub.inbox.reply(claire, conversation.id, "r-1", "Yes, in two weeks.")
    await mailhub.settle()
    reply = await smtp.next_message()
    assert reply.rcpt_tos == ("anna@client.example",)
    sent = reply.message
    assert sent["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in str(sent["References"])
    assert str(sent["Subject"]) == "Re: Engagement ring"
    assert str(sent["From"]) == "Maison Paris <paris@maison.example.com>"
    assert str(sent["Reply-To"]).startswith("paris+") and "Auto-Submitted" not in sent
    assert "Yes, in two weeks." in reply.text and "Claire Dubois" in reply.text
    html = sent.get_body(("html",))
    assert html is not None and "Yes, in two weeks." in html.get_content()
    async with mailhub.hub.db.reading() as session:
        message = await session.get(Message, stored.message.id)
    assert message is not None and message.delivery_status == "sent"

    answer = client_mail(
        "Wonderful, thank you!\n\nOn Wed, 25 Nov 2026, Maison Paris wrote:\n> Yes, in two weeks.",
        subject="Re: Engagement ring",
        reply_to_id=str(sent["Message-ID"]),
    )
    await mailhub.send(answer)
    await mailhub.settle()
    assert len(await mailhub.conversations()) == 1
    texts = [m.text for m in await mailhub.messages()]
    assert texts[-1] == "Wonderful, thank you!"
    last = (await mailhub.messages())[-1]
    assert last.data is not None and "Yes, in two weeks." in last.data["quoted"]


async def test_a_reply_to_the_plus_address_without_headers_still_threads(
    mailhub: MailHub, smtp: FakeSmtpServer
) -> None:
    await mailhub.send(client_mail("Hello"))
    await mailhub.settle()
    (conversation,) = await mailhub.conversations()
    claire = await manager(mailhub)
    await mailhub.hub.inbox.reply(claire, conversation.id, "r-1", "Hello Anna")
    await mailhub.settle()
    reply_to = str((await smtp.next_message()).message["Reply-To"])
    stripped = client_mail("A new question", subject="Another subject", to=reply_to)
    await mailhub.send(stripped)
    await mailhub.settle()
    assert [c.id for c in await mailhub.conversations()] == [conversation.id]


async def test_an_answer_to_a_closed_thread_opens_it_again(
    mailhub: MailHub, smtp: FakeSmtpServer
) -> None:
    first = client_mail("Hello")
    await mailhub.send(first)
    await mailhub.settle()
    (conversation,) = await mailhub.conversations()
    claire = await manager(mailhub)
    await mailhub.hub.inbox.close(claire, conversation.id)
    await mailhub.send(client_mail("One more thing", reply_to_id=str(first["Message-ID"])))
    await mailhub.settle()
    (again,) = await mailhub.conversations()
    assert again.id == conversation.id and again.status == "queued"


async def test_the_same_mail_delivered_twice_is_stored_once(mailhub: MailHub) -> None:
    mail = client_mail("Twice delivered")
    await mailhub.send(mail)
    await mailhub.send(mail)
    await mailhub.settle()
    assert [m.text for m in await mailhub.messages()] == ["Twice delivered"]


async def test_unknown_recipients_are_refused_while_the_sender_is_connected(
    mailhub: MailHub,
) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await mailhub.send(client_mail("spam", to="nobody@maison.example.com"))
    assert refused.value.recipients[0].code == 550
    await mailhub.settle()
    assert await mailhub.messages() == []


async def test_auto_replies_and_list_mail_open_nothing(mailhub: MailHub) -> None:
    await mailhub.send(client_mail("I am away", headers={"Auto-Submitted": "auto-replied"}))
    await mailhub.send(client_mail("Newsletter", headers={"Precedence": "bulk"}))
    await mailhub.settle()
    assert await mailhub.conversations() == []


async def test_a_bounce_marks_the_reply_failed(mailhub: MailHub, smtp: FakeSmtpServer) -> None:
    await mailhub.send(client_mail("Hello"))
    await mailhub.settle()
    (conversation,) = await mailhub.conversations()
    claire = await manager(mailhub)
    stored = await mailhub.hub.inbox.reply(claire, conversation.id, "r-1", "Hello Anna")
    await mailhub.settle()
    sent_id = str((await smtp.next_message()).message["Message-ID"])
    await mailhub.send(dsn(sent_id), to=[PARIS])
    await mailhub.settle()
    async with mailhub.hub.db.reading() as session:
        message = await session.get(Message, stored.message.id)
        row = await session.scalar(select(MailOutbox).where(MailOutbox.message_id == sent_id))
    assert message is not None and message.delivery_status == "failed"
    assert "5.1.1" in (message.delivery_error or "")
    assert row is not None and row.status == "failed"
    assert len(await mailhub.conversations()) == 1  # the bounce opened nothing


def dsn(original_id: str) -> EmailMessage:
    """A mailer-daemon's delivery status notification about ``original_id`` (RFC 3464)."""
    raw = f"""From: Mail Delivery System <MAILER-DAEMON@mx.client.example>
To: {PARIS}
Subject: Undelivered Mail Returned to Sender
Message-ID: {make_msgid(domain="mx.client.example")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered to anna@client.example.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.example

Final-Recipient: rfc822; anna@client.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

From: paris@maison.example.com
Message-ID: {original_id}

--B--
"""
    return cast(EmailMessage, message_from_string(raw, policy=default))


async def test_dmarc_pass_at_our_own_server_proves_the_address_anything_else_claims_it(
    mailhub: MailHub,
) -> None:
    trusted = "mx.maison.example.com; dmarc=pass header.from=client.example"
    await mailhub.send(client_mail("Proven", headers={"Authentication-Results": trusted}))
    forged = "mx.evil.example; dmarc=pass header.from=other.example"
    await mailhub.send(
        client_mail(
            "Claimed",
            sender="Bob <bob@other.example>",
            headers={"Authentication-Results": forged},
        )
    )
    await mailhub.settle()
    async with mailhub.hub.db.reading() as session:
        identities = {
            (i.value, i.verified)
            for i in await session.scalars(
                select(CustomerIdentity).where(CustomerIdentity.kind == "email")
            )
        }
    assert identities == {("anna@client.example", True), ("bob@other.example", False)}


async def test_attachments_are_stored_and_listed(mailhub: MailHub) -> None:
    mail = client_mail("The ring I mean")
    mail.add_attachment(b"%PDF-1.4 certificate", maintype="application", subtype="pdf",
                        filename="certificate.pdf")  # fmt: skip
    await mailhub.send(mail)
    await mailhub.settle()
    (message,) = await mailhub.messages()
    assert message.data is not None
    (entry,) = message.data["attachments"]
    assert entry["filename"] == "certificate.pdf" and entry["status"] == "ready"
    async with mailhub.hub.db.reading() as session:
        row = await session.scalar(select(Attachment))
    assert row is not None and row.data == b"%PDF-1.4 certificate"


def signed(body: bytes, timestamp: str, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {
        "X-Concierge-Timestamp": timestamp,
        "X-Concierge-Signature": f"sha256={mac.hexdigest()}",
        "X-Concierge-Envelope-To": PARIS,
    }


async def test_the_webhook_takes_only_signed_fresh_mail(mailhub: MailHub) -> None:
    body = client_mail("By webhook").as_bytes(policy=SMTP_POLICY)
    now = str(int(mailhub.clock().timestamp()))
    forged = await mailhub.client.post(
        "/email/inbound", data=body, headers=signed(body, now, secret="x" * 40)
    )
    assert forged.status == 403
    stale = str(int(mailhub.clock().timestamp()) - 3600)
    old = await mailhub.client.post("/email/inbound", data=body, headers=signed(body, stale))
    assert old.status == 403
    for expected in (False, True):
        ok = await mailhub.client.post("/email/inbound", data=body, headers=signed(body, now))
        assert ok.status == 202 and (await ok.json())["duplicate"] is expected
    await mailhub.settle()
    assert [m.text for m in await mailhub.messages()] == ["By webhook"]


async def test_the_contact_form_opens_a_thread_with_a_receipt(
    mailhub: MailHub, smtp: FakeSmtpServer
) -> None:
    form = {
        "name": "Anna Martin",
        "email": "Anna@Client.example",
        "message": "Could I see the Serpent collection on Saturday?",
        "store": "PARIS01",
        "marketing": {"email": True},
    }
    response = await mailhub.client.post("/api/contact", json=form)
    assert response.status == 201, await response.text()
    conversation_id = (await response.json())["conversation_id"]
    await mailhub.settle()
    receipt = await smtp.next_message()
    assert receipt.rcpt_tos == ("anna@client.example",)
    assert receipt.message["Auto-Submitted"] == "auto-replied"
    assert "Serpent collection" in receipt.text
    answer = client_mail("Also, is parking nearby?", reply_to_id=str(receipt.message["Message-ID"]))
    await mailhub.send(answer)
    await mailhub.settle()
    assert [c.id for c in await mailhub.conversations()] == [conversation_id]
    assert len(await mailhub.messages()) == 2

    bad = await mailhub.client.post("/api/contact", json={**form, "email": "not-an-address"})
    assert bad.status == 400 and (await bad.json())["error"]["field"] == "email"
