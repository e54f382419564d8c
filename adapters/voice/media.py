"""The ``voice_media`` job: a voicemail's recording, fetched from the provider's REST API.

The URL is never the one a webhook sent: it is ``HUB_VOICE_API_BASE`` + the media path
built from the (checked) account and recording SIDs, and the path's account must be the
attachment's voice account, so the account's credentials (HTTP basic auth, account SID
and auth token) go to the provider for that account's own recording only. The body is
streamed and capped at 10 MB. A redirect is followed (at most ``MAX_REDIRECTS``) without
the credentials once it leaves the API's origin. A recording not there yet (``404``),
throttling, server errors and network trouble retry with back-off (``hub.jobs.attempts``);
refused credentials, any other ``4xx`` and an oversized file fail the attachment.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from hub import change_feed
from hub.db.channel_models import Attachment, VoiceAccount
from hub.db.models import Message
from hub.jobs.attempts import DUE_LIMIT, DeliveryFailed, RetryPolicy, attempt
from hub.jobs.kind import JobContext, JobKind

log = logging.getLogger("adapters.voice")
MEDIA_JOB = "voice_media"
MEDIA_LIMIT = 10 * 1024 * 1024
MAX_REDIRECTS = 3
CHUNK_SIZE = 64 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=120, connect=10, sock_read=30)
# The provider keeps a recording a moment before it can be fetched: first retry soon.
MEDIA_RETRIES = RetryPolicy(
    first_delay=timedelta(seconds=10), max_delay=timedelta(minutes=30), max_attempts=8
)
SOURCE_KEY = "voice_account_id"
_MEDIA_PATH = re.compile(
    r"/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Recordings/RE[0-9a-fA-F]{32}\.mp3"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRYABLE = frozenset({404, 408, 409, 425, 429})
_AUDIO_TYPES = frozenset({"audio/mpeg", "audio/mp3", "audio/wav", "audio/x-wav"})


def media_source(account_id: str, media_path: str) -> dict[str, Any]:
    """What an attachment row keeps to fetch a recording later."""
    return {SOURCE_KEY: account_id, "media_path": media_path}


def is_voice_media(source: dict[str, Any] | None) -> bool:
    """Whether an attachment is a recording of this channel (other channels fetch theirs)."""
    return isinstance(source, dict) and isinstance(source.get(SOURCE_KEY), str)


async def fetch_recording(ctx: JobContext, attachment_id: str) -> None:
    async with ctx.db.reading() as session:
        source = await session.scalar(
            select(Attachment.source).where(Attachment.id == attachment_id)
        )
    if not is_voice_media(source):
        return  # gone, or another channel's file: not ours to claim

    async def work(row: Attachment) -> None:
        data, content_type = await _download(ctx, row.source or {})
        async with ctx.db.transaction() as session:
            await session.execute(
                update(Attachment)
                .where(Attachment.id == row.id)
                .values(data=data, size=len(data), content_type=content_type)
            )

    await attempt(ctx, MEDIA_JOB, Attachment, attachment_id, work, MEDIA_RETRIES)
    async with ctx.db.transaction() as session:
        await _record_attachment(session, attachment_id, ctx.clock())


async def _download(ctx: JobContext, source: dict[str, Any]) -> tuple[bytes, str]:
    async with ctx.db.reading() as session:
        account = await session.get(VoiceAccount, str(source.get(SOURCE_KEY)))
    if account is None:
        raise DeliveryFailed("the voice account was removed", permanent=True)
    path = source.get("media_path")
    match = _MEDIA_PATH.fullmatch(path) if isinstance(path, str) else None
    if match is None or match.group(1) != account.account_sid:
        raise DeliveryFailed("the recording is not one of this account's", permanent=True)
    url = URL(ctx.settings.voice_api_base.rstrip("/") + match.group(0), encoded=True)
    auth = aiohttp.encode_basic_auth(account.account_sid, account.auth_token)
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            return await _get(http, url, auth)
    except (aiohttp.ClientError, TimeoutError) as error:
        reason = type(error).__name__
        raise DeliveryFailed(f"the provider could not be reached ({reason})") from None


async def _get(http: aiohttp.ClientSession, url: URL, auth: str) -> tuple[bytes, str]:
    """``auth`` is the ``Authorization`` header's value, for the API's own origin only."""
    origin = url.origin()
    for _hop in range(MAX_REDIRECTS + 1):
        # A redirect elsewhere (a storage bucket's signed URL) is followed without it.
        headers = {"Authorization": auth} if url.origin() == origin else {}
        async with http.get(url, headers=headers, allow_redirects=False) as response:
            if response.status in _REDIRECTS:
                location = response.headers.get("Location", "")
                target = url.join(URL(location)) if location else None
                if target is None or target.scheme not in ("http", "https"):
                    raise DeliveryFailed("the provider redirected nowhere", permanent=True)
                url = target
                continue
            _check_status(response.status)
            declared = response.content_length
            if declared is not None and declared > MEDIA_LIMIT:
                raise _too_large()
            body = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                body += chunk
                if len(body) > MEDIA_LIMIT:
                    raise _too_large()
            content_type = (response.content_type or "").lower()
            return bytes(body), content_type if content_type in _AUDIO_TYPES else "audio/mpeg"
    raise DeliveryFailed("the provider redirected too often", permanent=True)


def _check_status(status: int) -> None:
    if status == 200:
        return
    if status in (401, 403):
        raise DeliveryFailed(
            f"the provider refused the account's credentials ({status})", permanent=True
        )
    if status in _RETRYABLE or status >= 500:
        raise DeliveryFailed(f"the provider answered {status}")
    raise DeliveryFailed(f"the provider answered {status}", permanent=True)


def _too_large() -> DeliveryFailed:
    limit = MEDIA_LIMIT // (1024 * 1024)
    return DeliveryFailed(f"the recording is larger than {limit} MB", permanent=True)


async def _record_attachment(session: AsyncSession, attachment_id: str, now: datetime) -> None:
    """The message's list of files shows the fetched (or failed) state of this one."""
    row = await session.get(Attachment, attachment_id)
    if row is None or row.status == "queued":
        return
    message = await session.get(Message, row.message_id, with_for_update=True)
    if message is None or not message.data:
        return
    status = "ready" if row.status == "sent" else "failed"
    entries: list[dict[str, Any]] = []
    changed = False
    for entry in message.data.get("attachments", []):
        if entry.get("id") == attachment_id and entry.get("status") != status:
            entry = {**entry, "status": status, "size": row.size, "content_type": row.content_type}
            changed = True
        entries.append(entry)
    if not changed:
        return
    message.data = {**message.data, "attachments": entries}
    await change_feed.record(session, change_feed.MESSAGE_UPDATED, message.id, at=now)


async def _due(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
    """Queued recordings and when each is due (other channels' files are theirs)."""
    rows = await session.execute(
        select(
            Attachment.id, Attachment.source, Attachment.next_attempt_at, Attachment.claimed_until
        )
        .where(Attachment.status == "queued")
        .order_by(Attachment.next_attempt_at)
        .limit(DUE_LIMIT)
    )
    return [
        (row_id, max(next_at, claimed) if claimed is not None else next_at)
        for row_id, source, next_at, claimed in rows
        if is_voice_media(source)
    ]


MEDIA_KIND = JobKind(name=MEDIA_JOB, handle=fetch_recording, due=_due)
