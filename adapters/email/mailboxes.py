"""The addresses the hub receives mail for, and the plus-addresses of its threads.

A conversation's replies go out with ``Reply-To: paris+<token>@…``; a client's answer to
that address finds the conversation even when their mail program dropped the
``In-Reply-To`` header. Anything not addressed to a configured mailbox is refused while
the sending server is still on the line (RCPT time), so the hub never becomes a relay
or a sink for spam to made-up addresses.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db.channel_models import Mailbox
from hub.db.engine import Database
from hub.errors import Conflict, InvalidInput
from hub.profiles.identity import InvalidIdentity, normalise_email
from hub.stores import store_by_code

CACHE_SECONDS = 30.0
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


@dataclass(frozen=True)
class Recipient:
    """Who a mail is for: the mailbox, and the thread's token when it was plus-addressed."""

    mailbox_id: str
    address: str
    store_id: str
    token: str | None = None


def split_plus(address: str) -> tuple[str, str | None]:
    """``paris+tok@x`` → (``paris@x``, ``tok``); the base address and the thread token."""
    local, at, domain = address.rpartition("@")
    if not at:
        return address, None
    base, plus, token = local.partition("+")
    if not plus:
        return address, None
    return f"{base}@{domain}", token if _TOKEN.match(token) else None


def plus_address(address: str, token: str) -> str:
    local, _at, domain = address.rpartition("@")
    return f"{local}+{token}@{domain}"


async def add_mailbox(
    session: AsyncSession,
    address: str,
    store_code: str,
    *,
    display_name: str | None,
    signature: str | None,
    now: datetime,
    actor: tuple[str, str | None],
) -> Mailbox:
    try:
        normal = normalise_email(address)
    except InvalidIdentity as exc:
        raise InvalidInput("address", str(exc)) from None
    if "+" in normal.partition("@")[0]:
        raise InvalidInput("address", "a mailbox address has no +: replies use address+token")
    store = await store_by_code(session, store_code)
    if await session.scalar(select(Mailbox.id).where(Mailbox.address == normal)):
        raise Conflict(f"the mailbox {normal} exists", code="mailbox_exists")
    if display_name is not None and len(display_name) > 200:
        raise InvalidInput("name", "a display name is at most 200 characters")
    row = Mailbox(
        address=normal,
        store_id=store.id,
        display_name=(display_name or "").strip() or store.name,
        signature=(signature or "").strip() or None,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor_kind=actor[0],
        actor_id=actor[1],
        action="mailbox.added",
        subject_type="mailbox",
        subject_id=row.id,
        address=normal,
        store=store.code,
    )
    return row


class MailboxDirectory:
    """Recipient checks for the SMTP listener: one query per 30 s, not per RCPT."""

    def __init__(self, db: Database, seconds: float = CACHE_SECONDS) -> None:
        self.db = db
        self.seconds = seconds
        self._loaded_at = float("-inf")
        self._by_address: dict[str, tuple[str, str]] = {}

    async def recipient(self, address: str) -> Recipient | None:
        try:
            normal = normalise_email(address)
        except InvalidIdentity:
            return None
        base, token = split_plus(normal)
        if time.monotonic() - self._loaded_at > self.seconds:
            await self.reload()
        found = self._by_address.get(base)
        if found is None:
            return None
        return Recipient(mailbox_id=found[0], address=base, store_id=found[1], token=token)

    async def reload(self) -> None:
        async with self.db.reading() as session:
            rows = (
                await session.execute(select(Mailbox.address, Mailbox.id, Mailbox.store_id))
            ).all()
        self._by_address = {
            address: (mailbox_id, store_id) for address, mailbox_id, store_id in rows
        }
        self._loaded_at = time.monotonic()
