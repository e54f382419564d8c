"""The outbound SMTP relay (``HUB_SMTP_RELAY``), with its errors translated at the edge.

A 5xx answer about the message or its recipient is permanent; 4xx answers, refused or
dropped connections and timeouts are temporary. A refused login or sender is a setting to
fix, not a bad message, so it is retried too rather than failing every mail in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

import aiosmtplib

from hub.jobs.attempts import DeliveryFailed
from hub.mail.message import message_domain
from hub.settings import Secret, Settings, split_host_port

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int
    sender: str  # the envelope sender (MAIL FROM), from HUB_MAIL_FROM
    helo_name: str
    username: str | None = None
    password: Secret | None = None
    starttls: bool | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpRelay | None:
        if settings.smtp_relay is None:
            return None
        host, port = split_host_port(settings.smtp_relay)
        return cls(
            host=host,
            port=port,
            sender=parseaddr(settings.mail_from)[1],
            # Given, so aiosmtplib does not look up this machine's FQDN on every connection.
            helo_name=message_domain(settings),
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )

    async def deliver(self, recipient: str, message: bytes) -> None:
        """Hand one message to the relay; DeliveryFailed says whether to try again."""
        try:
            await aiosmtplib.send(
                message,
                sender=self.sender,
                recipients=[recipient],
                hostname=self.host,
                port=self.port,
                local_hostname=self.helo_name,
                username=self.username,
                password=self.password.reveal() if self.password else None,
                start_tls=self.starttls,
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusals = exc.recipients
            permanent = bool(refusals) and all(500 <= r.code < 600 for r in refusals)
            detail = "; ".join(f"{r.code} {r.message}" for r in refusals)
            raise DeliveryFailed(f"recipient refused: {detail}", permanent=permanent) from exc
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused) as exc:
            raise DeliveryFailed(f"the relay refused us: {exc.code} {exc.message}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.code < 600
            raise DeliveryFailed(f"{exc.code} {exc.message}", permanent=permanent) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(
                f"cannot reach the relay {self.host}:{self.port}: {type(exc).__name__}: {exc}"
            ) from exc
