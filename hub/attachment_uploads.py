"""Web chat uploads as rows: pending until their uploader sends them, then part of a message.

An upload belongs to whoever sent it (a visitor, or a staff member in one conversation).
Sending a message with ``attachments: [id]`` claims them in the message's own transaction
with one conditional update (still pending, still the sender's), so a file is in at most
one message, a message is never stored with someone else's file, and a refused claim
stores no message at all. Files nobody sent within ``PENDING_TTL`` are swept
(hub.attachment_sweep).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.attachment_store import StoredFile
from hub.attachment_types import FileType
from hub.db.channel_models import Attachment
from hub.db.models import Conversation, Message
from hub.errors import HubError, InvalidInput

PENDING_TTL = timedelta(days=1)
MAX_PER_MESSAGE = 10
# Unsent files one uploader may hold at once: anyone can get a visitor token, and each
# pending file sits on disk for a day, so the rate limit alone would let one address fill
# the disk with files it never sends.
MAX_PENDING = 20


class TooManyPending(HubError):
    status = 429
    code = "too_many_pending"


_ID = re.compile(r"^[0-9a-f-]{32,36}$")


@dataclass(frozen=True)
class Uploader:
    """Who may send a pending upload: ``visitor`` or ``staff``, by id; staff uploads are
    also tied to the conversation they were made in."""

    kind: str
    id: str
    conversation_id: str | None = None


def new_attachment_id() -> str:
    """128 random bits: unguessable even where the id is all someone has (access is still
    checked on every download)."""
    return secrets.token_hex(16)


def upload_row(
    stored: StoredFile, file_type: FileType, filename: str, uploader: Uploader, now: datetime
) -> Attachment:
    """The pending row of a file just stored."""
    return Attachment(
        id=new_attachment_id(),
        message_id=None,
        kind=file_type.kind,
        content_type=file_type.content_type,
        filename=filename,
        size=stored.size,
        storage_key=stored.key,
        uploader_kind=uploader.kind,
        uploader_id=uploader.id,
        conversation_id=uploader.conversation_id,
        status="sent",  # the bytes are here: no channel job will ever fetch this row
        attempts=0,
        next_attempt_at=now,
        sent_at=now,
        created_at=now,
    )


def upload_payload(row: Attachment) -> dict[str, Any]:
    """What the uploader gets back, and what a message's ``data.attachments`` holds."""
    return {
        "id": row.id,
        "kind": row.kind,
        "content_type": row.content_type,
        "filename": row.filename,
        "size": row.size,
    }


def attachment_ids(value: object) -> list[str]:
    """The ``attachments`` of a message payload: a list of upload ids (duplicates once)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_PER_MESSAGE:
        raise InvalidInput(
            "attachments", f"attachments must be a list of at most {MAX_PER_MESSAGE} ids"
        )
    ids: list[str] = []
    for item in value:
        if not isinstance(item, str) or not _ID.match(item):
            raise InvalidInput("attachments", "attachments must be ids of uploaded files")
        if item not in ids:
            ids.append(item)
    return ids


def _owned_by(uploader: Uploader) -> list[Any]:
    where = [Attachment.uploader_kind == uploader.kind, Attachment.uploader_id == uploader.id]
    if uploader.conversation_id is not None:
        where.append(Attachment.conversation_id == uploader.conversation_id)
    return where


async def make_room(session: AsyncSession, uploader: Uploader) -> None:
    """Refuse another upload while this uploader holds ``MAX_PENDING`` unsent files."""
    pending = await session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(
            Attachment.uploader_kind == uploader.kind,
            Attachment.uploader_id == uploader.id,
            Attachment.message_id.is_(None),
        )
    )
    if (pending or 0) >= MAX_PENDING:
        raise TooManyPending(
            f"{MAX_PENDING} files are waiting to be sent: send or drop them first",
            retry_after=60,
        )


async def message_entries(
    session: AsyncSession, ids: list[str], uploader: Uploader
) -> list[dict[str, Any]]:
    """``data.attachments`` for a message carrying these uploads, in the order given.

    Read before the message is written; whether they are still pending is settled by
    ``claim`` in the message's transaction (a resent message finds them sent already,
    which is fine: the inbox answers a resend with the stored message)."""
    if not ids:
        return []
    rows = {
        row.id: row
        for row in await session.scalars(
            select(Attachment).where(Attachment.id.in_(ids), *_owned_by(uploader))
        )
    }
    if len(rows) != len(ids):
        raise InvalidInput(
            "attachments", "no such uploaded file of yours", code="unknown_attachment"
        )
    return [{**upload_payload(rows[i]), "status": "ready"} for i in ids]


async def claim(
    session: AsyncSession,
    ids: list[str],
    uploader: Uploader,
    conversation: Conversation,
    message: Message,
) -> None:
    """Make the pending uploads part of ``message``, or refuse (the transaction then rolls
    back and the message is not stored)."""
    if not ids:
        return
    result = await session.execute(
        update(Attachment)
        .where(Attachment.id.in_(ids), Attachment.message_id.is_(None), *_owned_by(uploader))
        .values(message_id=message.id, conversation_id=conversation.id)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != len(ids):
        raise InvalidInput(
            "attachments",
            "an attached file was sent already or is no longer available",
            code="attachment_unavailable",
        )


async def stale_uploads(session: AsyncSession, limit: int = 1000) -> list[tuple[str, datetime]]:
    """Pending uploads, oldest first, each with the time it is to be swept."""
    rows = await session.execute(
        select(Attachment.id, Attachment.created_at)
        .where(Attachment.message_id.is_(None), Attachment.storage_key.is_not(None))
        .order_by(Attachment.created_at)
        .limit(limit)
    )
    return [(row_id, created + PENDING_TTL) for row_id, created in rows]
