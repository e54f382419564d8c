"""Web chat uploads: a shopper's or an ambassador's file, before the message that sends it.

``POST /api/webchat/attachments`` (the shopper, by visitor token in the Authorization
header, never in a URL) and ``POST /api/conversations/{id}/attachments`` (staff who see
the conversation) take ``multipart/form-data`` with one field ``file``. The file is
streamed to the attachment store and refused as soon as it passes the size limit (the
whole body is never in memory); its type is judged from its bytes alone
(hub.attachment_types). The answer's id goes into the next message's ``attachments``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, MultipartReader, web

from hub import audit
from hub.api.requests import bearer_token, client_address, principal
from hub.attachment_store import AttachmentStore, StoredFile, attachment_store
from hub.attachment_types import FileType, check_size, safe_filename, sniff
from hub.attachment_uploads import Uploader, make_room, upload_payload, upload_row
from hub.conversations import visible_conversation
from hub.errors import Conflict, InvalidInput, PayloadTooLarge
from hub.openapi import Body, operation
from hub.openapi.declare import Response
from hub.openapi.schemas import STRING, obj, ref
from hub.services import SERVICES, services

ATTACHMENT_STORE = web.AppKey("attachment_store", AttachmentStore)
FIELD = "file"
CHUNK = 64 * 1024
# Room for the multipart framing and a few small fields beside the file.
FRAMING_BYTES = 16 * 1024
MAX_PARTS = 4

ERROR_REF = ref("Error")
UPLOAD_FORM = Body(
    {
        "type": "object",
        "properties": {
            FIELD: {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": "JPEG, PNG, GIF, WebP or PDF; the type is read from the bytes",
            }
        },
        "required": [FIELD],
    },
    media_type="multipart/form-data",
)
UPLOADED = obj(
    {
        "attachment": obj(
            {
                "id": STRING,
                "kind": {"enum": ["image", "file"]},
                "content_type": STRING,
                "filename": STRING,
                "size": {"type": "integer"},
            }
        )
    }
)
REFUSALS: dict[int, Response] = {
    400: ERROR_REF,
    413: Body(ERROR_REF, description="the file (or the request) is larger than the limit"),
    415: Body(ERROR_REF, description="the bytes are not a JPEG, PNG, GIF, WebP or PDF file"),
    429: Body(ERROR_REF, description="too many requests, or too many files not yet sent"),
}


def store_of(request: web.Request) -> AttachmentStore:
    return request.app[ATTACHMENT_STORE]


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK):
        yield chunk


async def receive_file(request: web.Request) -> tuple[StoredFile, FileType, str]:
    """Stream the form's ``file`` into the store: (stored file, its type, a safe name)."""
    limit = services(request).settings.attachment_max_bytes
    if request.content_type != "multipart/form-data":
        raise InvalidInput(
            FIELD, "send the file as multipart/form-data, field 'file'", code="not_multipart"
        )
    if request.content_length is not None and request.content_length > limit + FRAMING_BYTES:
        check_size(request.content_length, limit)  # refused before reading a byte
    try:
        reader = await request.multipart()
        for _ in range(MAX_PARTS):
            part = await reader.next()
            if part is None:
                break
            if isinstance(part, MultipartReader) or part.name != FIELD:
                await _skip_small(part)
                continue
            filename = part.filename
            stored, file_type = await store_of(request).save(
                _chunks(part), limit=limit, check=sniff
            )
            return stored, file_type, safe_filename(filename, file_type)
    except (ValueError, RuntimeError, AssertionError):  # malformed multipart framing
        raise InvalidInput(FIELD, "the form could not be read", code="bad_form") from None
    raise InvalidInput(FIELD, "the form has no field 'file'", code="missing_file")


async def _skip_small(part: BodyPartReader | MultipartReader) -> None:
    """A field beside the file may be a few bytes (a browser's extras), nothing more."""
    if isinstance(part, MultipartReader):
        raise InvalidInput(FIELD, "nested forms are not accepted", code="bad_form")
    read = 0
    while chunk := await part.read_chunk(CHUNK):
        read += len(chunk)
        if read > FRAMING_BYTES:
            raise PayloadTooLarge("a form field is too large")


async def _store_row(
    request: web.Request, uploader: Uploader, received: tuple[StoredFile, FileType, str]
) -> web.Response:
    hub = services(request)
    stored, file_type, filename = received
    try:
        async with hub.db.transaction() as session:
            row = upload_row(stored, file_type, filename, uploader, hub.clock())
            session.add(row)
            if uploader.kind == "staff":
                audit.record(
                    session,
                    at=row.created_at,
                    actor_kind="staff",
                    actor_id=uploader.id,
                    action="attachment.uploaded",
                    subject_type="conversation",
                    subject_id=uploader.conversation_id,
                    attachment_id=row.id,
                    content_type=row.content_type,
                    size=row.size,
                )
    except BaseException:
        await store_of(request).delete(stored.key)  # no row, no file
        raise
    return web.json_response({"attachment": upload_payload(row)}, status=201)


@operation(
    summary="Upload a file for the shopper's next web chat message",
    tag="webchat",
    limited=True,
    request=UPLOAD_FORM,
    responses={
        201: UPLOADED,
        401: Body(ERROR_REF, description="no valid visitor token in the Authorization header"),
        **REFUSALS,
    },
)
async def shopper_upload(request: web.Request) -> web.Response:
    """Authenticated by the visitor token as ``Authorization: Bearer v1.…``. The file is
    pending until a ``message`` on the /shopper socket names its id in ``attachments``;
    unsent files are deleted after a day."""
    hub = services(request)
    hub.limits.anonymous.hit(f"uploads:{client_address(request)}")
    visitor_id = hub.tokens.verify(bearer_token(request))
    hub.limits.visitor_messages.hit(f"visitor:{visitor_id}")
    uploader = Uploader("visitor", visitor_id)
    async with hub.db.reading() as session:
        await make_room(session, uploader)
    received = await receive_file(request)
    return await _store_row(request, uploader, received)


@operation(
    summary="Upload a file for a reply in a web chat",
    tag="conversations",
    auth="staff",
    path={"id": "the conversation's id"},
    request=UPLOAD_FORM,
    responses={
        201: UPLOADED,
        409: Body(ERROR_REF, description="the conversation is not a web chat"),
        **REFUSALS,
    },
)
async def staff_upload(request: web.Request) -> web.Response:
    """The file is pending until a ``reply`` on the /console socket in this conversation
    names its id in ``attachments``; unsent files are deleted after a day."""
    who = await principal(request)
    hub = services(request)
    async with hub.db.reading() as session:
        conversation = await visible_conversation(session, who, request.match_info["id"][:36])
    if conversation.channel != "webchat":
        raise Conflict("files can be sent in web chats only", code="not_webchat")
    uploader = Uploader("staff", who.id, conversation.id)
    async with hub.db.reading() as session:
        await make_room(session, uploader)
    received = await receive_file(request)
    return await _store_row(request, uploader, received)


async def _open_store(app: web.Application) -> None:
    app[ATTACHMENT_STORE] = attachment_store(app[SERVICES].settings)


def add_routes(app: web.Application) -> None:
    app.on_startup.append(_open_store)  # after the lifecycle has built the services
    app.router.add_post("/api/webchat/attachments", shopper_upload)
    app.router.add_post("/api/conversations/{id}/attachments", staff_upload)
