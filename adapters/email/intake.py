"""From a spooled mail to the hub: a bounce, noise, or a message in its thread.

Runs after the sending server had its ``250`` (or the webhook its ``202``), in the web
process's spool runner (``hub.spool``). The mail's Message-ID is its dedupe key, so the
same mail delivered twice (two MX hosts, a provider's retry) is one message.
"""

from __future__ import annotations

import hashlib
import logging
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr
from typing import Any

from sqlalchemy import select, update

from adapters.email.compose import bare_id
from adapters.email.mailboxes import MailboxDirectory, Recipient
from adapters.email.parse import MailRefused, ParsedMail, dmarc_passed, parse_mail
from adapters.email.threads import ensure_thread, remember, threaded_conversation
from hub.clock import Clock
from hub.db.channel_models import InboundSpool
from hub.db.engine import Database
from hub.db.jobs_models import MailOutbox
from hub.db.models import Store
from hub.deliveries import record_delivery
from hub.inbox import Inbox
from hub.jobs.attempts import DeliveryFailed
from hub.messages import Inbound, NewAttachment
from hub.profiles.identity import EMAIL
from hub.settings import Settings

log = logging.getLogger("adapters.email")
CHANNEL = "email"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def dedupe_key(raw: bytes) -> str:
    """The Message-ID with the sender, read from the headers alone (the same mail delivered
    twice carries both; someone else reusing a client's Message-ID does not get the
    client's mail dropped). A mail without a Message-ID is keyed by its bytes."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[: 256 * 1024])
        message_id = bare_id(headers.get("Message-ID"))
        sender = parseaddr(str(headers.get("From") or ""))[1].lower()
    except Exception:  # any header the parser chokes on: fall back to the content
        message_id, sender = "", ""
    if message_id and len(message_id) <= 250 and " " not in message_id:
        digest = hashlib.sha256(f"{message_id}\n{sender}".encode()).hexdigest()[:32]
        return f"email:{message_id}:{digest}"
    return f"email:sha256:{hashlib.sha256(raw).hexdigest()}"


class EmailIntake:
    """The spool processor for the ``email`` channel."""

    def __init__(
        self,
        *,
        db: Database,
        inbox: Inbox,
        clock: Clock,
        settings: Settings,
        directory: MailboxDirectory,
    ) -> None:
        self.db = db
        self.inbox = inbox
        self.clock = clock
        self.settings = settings
        self.directory = directory

    async def __call__(self, row: InboundSpool) -> None:
        if row.raw is None:
            raise DeliveryFailed("the spooled mail has no content", permanent=True)
        try:
            parsed = parse_mail(
                row.raw,
                max_bytes=self.settings.email_max_bytes,
                max_attachment_bytes=MAX_ATTACHMENT_BYTES,
            )
        except MailRefused as refused:
            raise DeliveryFailed(f"unreadable mail: {refused}", permanent=True) from None
        if parsed.bounce is not None:
            await self._bounce(parsed)
            return
        recipient = await self._recipient(row.payload, parsed)
        async with self.db.reading() as session:
            conversation_id = await threaded_conversation(
                session,
                [*parsed.references, *parsed.in_reply_to],
                recipient.token if recipient else None,
            )
        if parsed.noise is not None:
            await self._noise(parsed, conversation_id)
            return
        if parsed.from_address is None:
            raise DeliveryFailed("the mail has no sender address", permanent=True)
        if recipient is None and conversation_id is None:
            raise DeliveryFailed("the mail is for no mailbox of the hub", permanent=True)
        await self._message(row, parsed, recipient, conversation_id)

    async def _recipient(self, payload: dict[str, Any], parsed: ParsedMail) -> Recipient | None:
        """The first mailbox among the envelope's recipients (or, by webhook, the headers')."""
        addresses = list(payload.get("envelope_to") or []) or [*parsed.to, *parsed.cc]
        for address in addresses:
            found = await self.directory.recipient(str(address))
            if found is not None:
                return found
        return None

    async def _message(
        self,
        row: InboundSpool,
        parsed: ParsedMail,
        recipient: Recipient | None,
        conversation_id: str | None,
    ) -> None:
        assert parsed.from_address is not None
        store_code = None
        if recipient is not None:
            async with self.db.reading() as session:
                store_code = await session.scalar(
                    select(Store.code).where(Store.id == recipient.store_id)
                )
        data: dict[str, Any] = {"subject": parsed.subject}
        if parsed.quoted:
            data["quoted"] = parsed.quoted
        dropped = [a.filename or "attachment" for a in parsed.attachments if a.too_large]
        if dropped or parsed.attachments_dropped:
            data["attachments_refused"] = {
                "too_large": dropped,
                "over_count": parsed.attachments_dropped,
            }
        stored = await self.inbox.receive(
            Inbound(
                channel=CHANNEL,
                contact=parsed.from_address,
                identity_kind=EMAIL,
                identity_value=parsed.from_address,
                verified=dmarc_passed(parsed, self.settings.email_trusted_authserv),
                dedupe_key=row.dedupe_key,
                text=_timeline_text(parsed),
                received_at=parsed.date or row.received_at,
                store_code=store_code,
                accept_language=parsed.language,
                display_name=parsed.from_name,
                data=data,
                attachments=tuple(
                    NewAttachment(
                        kind="image" if a.content_type.startswith("image/") else "file",
                        content_type=a.content_type,
                        filename=a.filename,
                        data=a.data,
                    )
                    for a in parsed.attachments
                    if not a.too_large
                ),
                conversation_id=conversation_id,
            )
        )
        now = self.clock()
        async with self.db.transaction() as session:
            await ensure_thread(
                session,
                stored.conversation.id,
                recipient.mailbox_id if recipient else None,
                parsed.subject,
                now,
            )
            await remember(
                session, parsed.message_id, stored.conversation.id, stored.message.id, "in", now
            )

    async def _bounce(self, parsed: ParsedMail) -> None:
        """A delivery status notification about one of our mails: a failure marks it."""
        bounce = parsed.bounce
        assert bounce is not None
        if bounce.action != "failed" or not bounce.original_message_id:
            log.info("mail: a delayed-delivery notice", extra={"fields": {"status": bounce.status}})
            return
        reason = f"bounced ({bounce.status or 'failed'}): {bounce.diagnostic or 'not delivered'}"
        now = self.clock()
        async with self.db.transaction() as session:
            row = await session.scalar(
                select(MailOutbox).where(MailOutbox.message_id == f"<{bounce.original_message_id}>")
            )
            if row is None:
                log.info("mail: a bounce for a mail the hub did not send")
                return
            await session.execute(
                update(MailOutbox)
                .where(MailOutbox.id == row.id)
                .values(status="failed", last_error=reason[:1000])
            )
            if row.ref_kind == "message" and row.ref_id:
                await record_delivery(session, row.ref_id, "failed", reason[:1000], now)

    async def _noise(self, parsed: ParsedMail, conversation_id: str | None) -> None:
        """An auto-reply or list mail opens nothing and is answered by nobody; one that
        answers a thread is noted there (an out-of-office says when they are back)."""
        noise = parsed.noise
        assert noise is not None
        log.info("mail: automatic mail not opened", extra={"fields": {"kind": noise.kind}})
        if conversation_id is not None and noise.kind in ("out_of_office", "auto_submitted"):
            note = f"Automatic reply from {parsed.from_address}: {parsed.subject}"
            await self.inbox.system_message(conversation_id, note[:1000])


def _timeline_text(parsed: ParsedMail) -> str:
    """What the ambassador reads first: the subject of a new thread's first mail, then
    what is new in it."""
    text = parsed.text.strip()
    if not text and parsed.attachments:
        text = "(attachments only)"
    return text or f"(no text) {parsed.subject}".strip()
