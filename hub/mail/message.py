"""Building the hub's e-mails: the same headers on every one, so replies and bounces thread."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from hub.settings import Settings


def message_domain(settings: Settings) -> str:
    """The right-hand side of the hub's Message-IDs: the host of ``HUB_PUBLIC_URL``."""
    return urlsplit(settings.public_url).hostname or "localhost"


def compose(
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    now: datetime,
    automatic: bool = True,
) -> EmailMessage:
    """A plain-text message from ``HUB_MAIL_FROM``; ``automatic`` marks it Auto-Submitted
    (RFC 3834) so out-of-office replies and mailing lists leave it alone."""
    message = EmailMessage(policy=default)
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=message_domain(settings))
    if automatic:
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    return message
