"""``GET /api/attachments/{id}``: a file that came with a message, for the people in it.

Who may have it: staff who see the conversation's store, and the web shopper of that
conversation (their visitor token as ``Authorization: Bearer``; never in a URL, so pages
fetch the file and show it from a ``blob:`` URL). A pending upload goes to its uploader
only. Everyone else, signed in or not, gets the same 404 as an unknown id.

Files come from shoppers, so they are hostile: every answer is a download
(``Content-Disposition: attachment``) of the type read from the bytes, forbids sniffing
and scripts, and stays out of shared caches; nothing a shopper sends runs as the hub.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from hub.api.requests import bearer_token, principal
from hub.api.uploads import store_of
from hub.attachment_types import HEAD_BYTES, TAIL_BYTES, sniff
from hub.db.channel_models import Attachment
from hub.db.models import Conversation, Message
from hub.errors import HubError, NotFound, Unauthorized
from hub.openapi import Body, operation
from hub.security.tokens import VISITOR_PREFIX
from hub.services import services
from hub.staff import Principal

GONE = "attachment not found"


async def _caller(request: web.Request) -> str | Principal | None:
    """A visitor id (a shopper's token), a staff member, or nobody."""
    token = bearer_token(request)
    try:
        if token is not None and token.startswith(f"{VISITOR_PREFIX}."):
            return services(request).tokens.verify(token)
        return await principal(request)
    except Unauthorized:
        return None


def _may_see(
    caller: str | Principal, attachment: Attachment, conversation: Conversation | None
) -> bool:
    if attachment.message_id is None:  # pending: its uploader's alone
        kind = "visitor" if isinstance(caller, str) else "staff"
        uploader = caller if isinstance(caller, str) else caller.id
        return attachment.uploader_kind == kind and attachment.uploader_id == uploader
    if conversation is None:
        return False
    if isinstance(caller, str):
        return conversation.channel == "webchat" and conversation.contact == caller
    return caller.can_see_store(conversation.store_id)


async def _visible_attachment(request: web.Request) -> Attachment:
    caller = await _caller(request)
    if caller is None:
        raise NotFound(GONE)
    async with services(request).db.reading() as session:
        found = (
            await session.execute(
                select(Attachment, Message.conversation_id)
                .outerjoin(Message, Message.id == Attachment.message_id)
                .where(Attachment.id == request.match_info["id"][:36])
            )
        ).first()
        if found is None:
            raise NotFound(GONE)
        attachment, conversation_id = found
        conversation = await session.get(Conversation, conversation_id) if conversation_id else None
    if not _may_see(caller, attachment, conversation):
        raise NotFound(GONE)
    return attachment


def _headers(attachment: Attachment, content_type: str) -> dict[str, str]:
    name = attachment.filename or f"{attachment.kind}-{attachment.id[:8]}"
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return {
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=3600",
        "Vary": "Authorization, Cookie",
    }


def _sniffed(data: bytes) -> str:
    """A file stored before uploads were checked: its type if its bytes are an accepted
    format, otherwise a neutral download."""
    try:
        return sniff(data[:HEAD_BYTES], data[-TAIL_BYTES:], len(data)).content_type
    except HubError:
        return "application/octet-stream"


@operation(
    summary="A file that came with a message",
    tag="conversations",
    auth="staff",
    path={"id": "the attachment's id"},
    responses={
        200: Body(
            {"type": "string", "contentMediaType": "application/octet-stream"},
            media_type="*/*",
            description="the file, always as a download, of the type its bytes are",
        )
    },
)
async def get_attachment(request: web.Request) -> web.StreamResponse:
    """Staff who see the conversation, or its web shopper with their visitor token as
    ``Authorization: Bearer``; anyone else (and a pending upload asked for by anyone but
    its uploader) gets 404."""
    attachment = await _visible_attachment(request)
    if attachment.storage_key is not None:
        try:
            path = store_of(request).local_path(attachment.storage_key)
        except FileNotFoundError:
            raise NotFound(GONE, code="attachment_missing") from None
        headers = _headers(attachment, attachment.content_type or "application/octet-stream")
        return web.FileResponse(path, headers=headers)
    if attachment.data is None:
        raise NotFound("the file has not arrived yet", code="attachment_pending")
    return web.Response(
        body=attachment.data, headers=_headers(attachment, _sniffed(attachment.data))
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/attachments/{id}", get_attachment)
