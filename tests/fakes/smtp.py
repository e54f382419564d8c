"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

It runs on the test's own event loop, so a test awaits the next message instead of
sleeping, and it can be told to refuse the next messages with a 4xx or 5xx answer.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import cast

from aiosmtpd.smtp import SMTP, Envelope, Session

REFUSALS = {
    451: "451 4.3.0 Try again later",
    550: "550 5.1.1 Mailbox unavailable",
}


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, message_from_bytes(self.data, policy=default))

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return cast(str, body.get_content())  # type: ignore[attr-defined]


class FakeSmtpServer:
    """``relay`` is what HUB_SMTP_RELAY should say; ``received`` lists accepted mails."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self.refused: list[ReceivedMail] = []
        self._inbox: asyncio.Queue[ReceivedMail] = asyncio.Queue()
        self._refusals: deque[str] = deque()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def relay(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="fake-smtp.test", loop=loop), "127.0.0.1", 0
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def refuse_next(self, count: int = 1, code: int = 451) -> None:
        """Answer ``code`` to the DATA of the next ``count`` messages."""
        self._refusals.extend([REFUSALS[code]] * count)

    async def next_message(self, timeout: float = 10.0) -> ReceivedMail:
        async with asyncio.timeout(timeout):
            return await self._inbox.get()

    def pending(self) -> int:
        """Accepted messages no test has taken with ``next_message`` yet."""
        return self._inbox.qsize()

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=cast(bytes, envelope.original_content or envelope.content or b""),
        )
        if self._refusals:
            self.refused.append(mail)
            return self._refusals.popleft()
        self.received.append(mail)
        self._inbox.put_nowait(mail)
        return "250 2.0.0 Message accepted"
