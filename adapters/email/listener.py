"""The SMTP listener (``HUB_SMTP_PORT``): mail for the hub's mailboxes, straight from MX.

Recipients are checked at RCPT time, so mail for any other address is refused while the
sending server is still connected (no backscatter, no open relay); the size limit is
announced in EHLO and enforced while the data arrives. A mail is acknowledged with 250
only once it is a spool row; if the database cannot take it, the answer is a 451 and the
sending server tries again later, so nothing acknowledged is ever lost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from adapters.email.intake import CHANNEL, dedupe_key
from adapters.email.mailboxes import MailboxDirectory
from hub.clock import Clock
from hub.db.engine import Database
from hub.jobs.kind import Jobs
from hub.metrics import Metrics
from hub.spool import SPOOL_JOB, spool

log = logging.getLogger("adapters.email")
MAX_RECIPIENTS = 50


class MailHandler:
    """aiosmtpd's handler: the RCPT and DATA decisions."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        directory: MailboxDirectory,
        spool_jobs: Jobs,
        metrics: Metrics,
        max_bytes: int,
    ) -> None:
        self.db = db
        self.clock = clock
        self.directory = directory
        self.spool_jobs = spool_jobs
        self.metrics = metrics
        self.max_bytes = max_bytes

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            found = await self.directory.recipient(address)
        except Exception:
            log.exception("mail: checking a recipient failed")
            return "451 4.3.0 Try again later"
        if found is None:
            self.metrics.inc("hub_mail_received_total", outcome="unknown_recipient")
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > self.max_bytes:
            return "552 5.3.4 Message too big"
        try:
            spool_id = await spool(
                self.db,
                channel=CHANNEL,
                account_id=None,
                dedupe_key=dedupe_key(raw),
                payload={
                    "envelope_to": [str(a) for a in envelope.rcpt_tos],
                    "mail_from": str(envelope.mail_from or "")[:320],
                    "via": "smtp",
                    "peer": str((session.peer or ("",))[0])[:64],
                },
                raw=raw,
                now=self.clock(),
            )
        except Exception:
            log.exception("mail: storing an incoming mail failed; the sender will retry")
            return "451 4.3.0 Try again later"
        outcome = "stored" if spool_id else "duplicate"
        self.metrics.inc("hub_mail_received_total", outcome=outcome)
        if spool_id is not None:
            await self.spool_jobs.schedule(SPOOL_JOB, spool_id)
        return "250 OK: queued"


class SmtpListener:
    def __init__(self, handler: MailHandler, *, host: str, port: int, hostname: str) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.hostname = hostname
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(
                self.handler,
                hostname=self.hostname,
                data_size_limit=self.handler.max_bytes,
                enable_SMTPUTF8=True,
                decode_data=False,
                loop=loop,
            ),
            self.host,
            self.port,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("mail: listening", extra={"fields": {"host": self.host, "port": self.port}})

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
