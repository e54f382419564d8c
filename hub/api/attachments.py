"""``GET /api/attachments/{id}``: a file that came with a message, for the console.

Files come from shoppers, so they are hostile: only common raster images are served as
themselves (for an ``<img>``); everything else is a download with a neutral type, and
every answer forbids sniffing and scripts, so nothing a shopper sends runs as the hub.
"""

from __future__ import annotations

import re

from aiohttp import web
from sqlalchemy import select

from hub.api.requests import principal
from hub.conversations import visible_conversation
from hub.db.channel_models import Attachment
from hub.db.models import Message
from hub.errors import NotFound
from hub.openapi import Body, operation
from hub.services import services

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@operation(
    summary="A file that came with a message",
    tag="conversations",
    auth="staff",
    path={"id": "the attachment's id"},
    responses={
        200: Body(
            {"type": "string", "contentMediaType": "application/octet-stream"},
            media_type="*/*",
            description="the file: common images as themselves, anything else as a download",
        )
    },
)
async def get_attachment(request: web.Request) -> web.Response:
    who = await principal(request)
    async with services(request).db.reading() as session:
        found = (
            await session.execute(
                select(Attachment, Message.conversation_id)
                .join(Message, Message.id == Attachment.message_id)
                .where(Attachment.id == request.match_info["id"][:36])
            )
        ).first()
        if found is None:
            raise NotFound("attachment not found")
        attachment, conversation_id = found
        await visible_conversation(session, who, conversation_id)  # 404 outside its stores
    if attachment.data is None:
        raise NotFound("the file has not arrived yet", code="attachment_pending")
    content_type = (attachment.content_type or "").split(";")[0].strip().lower()
    inline = content_type in INLINE_TYPES
    name = _SAFE_NAME.sub("_", attachment.filename or f"{attachment.kind}-{attachment.id[:8]}")
    return web.Response(
        body=attachment.data,
        content_type=content_type if inline else "application/octet-stream",
        headers={
            "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/attachments/{id}", get_attachment)
