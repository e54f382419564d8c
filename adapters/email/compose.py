"""The mails the hub writes in a thread: an ambassador's reply, the contact form's receipt.

Every header goes through ``email.message.EmailMessage`` with the default policy, which
refuses line breaks in header values: nothing a client typed (a subject, a name) can add
a header. Replies thread in the client's mail program (``In-Reply-To``, ``References``)
and come back to the thread's plus-address even if their program drops those headers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, formataddr, make_msgid

from adapters.email.mailboxes import plus_address
from hub.i18n import Texts
from hub.mail.message import message_domain
from hub.settings import Settings

MAX_REFERENCES = 20


@dataclass(frozen=True)
class Sender:
    """Who the mail is from: the thread's mailbox, or the hub's own address."""

    address: str | None  # None: HUB_MAIL_FROM, with no thread address to answer to
    name: str | None
    signature: str | None


def reply_subject(subject: str | None, t: Texts) -> str:
    """The thread's subject as a reply; a thread without one is "your enquiry" in the
    client's language (``t``)."""
    subject = " ".join((subject or "").split())[:900]
    if not subject:
        return t.gettext("Your enquiry")
    return (
        subject
        if subject.lower().startswith(("re:", "aw:", "回复:", "答复:"))
        else f"Re: {subject}"
    )


def compose_in_thread(
    settings: Settings,
    sender: Sender,
    *,
    to: str,
    subject: str,
    text: str,
    thread_token: str,
    references: list[str],
    now: datetime,
    automatic: bool = False,
) -> EmailMessage:
    """A plain-text and a simple HTML part, with the thread's headers.

    ``automatic`` (a receipt) marks the mail ``Auto-Submitted: auto-replied`` so the
    client's out-of-office does not answer it; an ambassador's reply is a person writing
    and carries no such mark.
    """
    message = EmailMessage(policy=default)
    if sender.address is not None:
        message["From"] = formataddr((sender.name or "", sender.address))
        message["Reply-To"] = plus_address(sender.address, thread_token)
        domain = sender.address.rpartition("@")[2]
    else:
        message["From"] = settings.mail_from
        domain = message_domain(settings)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=domain)
    recent = references[-MAX_REFERENCES:]
    if recent:
        message["In-Reply-To"] = f"<{recent[-1]}>"
        message["References"] = " ".join(f"<{ref}>" for ref in recent)
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
    body = text.strip()
    if sender.signature:
        body = f"{body}\n\n-- \n{sender.signature.strip()}"
    message.set_content(body)
    message.add_alternative(_html(body), subtype="html")
    return message


def _html(text: str) -> str:
    """The same words as HTML: escaped, paragraphs and line breaks kept, nothing else."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    parts = "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    return (
        '<!doctype html><html><body style="font-family: Georgia, serif; font-size: 15px;">'
        f"{parts}</body></html>"
    )


def bare_id(header_value: object) -> str:
    """``<abc@x>`` → ``abc@x``: Message-IDs are stored without their angle brackets."""
    return str(header_value or "").strip().strip("<>").strip()
