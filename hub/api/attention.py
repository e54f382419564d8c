"""Attention over HTTP: a conversation's tags and the store's recent tags to suggest.

Thin: the rules are ``hub.conversation_labels`` (what a tag is) and ``hub.attention``
(who may tag, the audit). After the commit, every console of the store hears the new tags
(``conversation_updated``). Search and unread counts ride on ``GET /api/conversations``
(``hub.api.conversations``); reading is the console socket's ``read`` event.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from hub import attention
from hub.api.attention_schemas import SUGGESTIONS, TAGS
from hub.api.requests import json_body, principal
from hub.db.races import transaction_retrying
from hub.openapi import Param, errors, operation
from hub.openapi.schemas import STRING, obj
from hub.realtime.conversation_updates import conversation_updated
from hub.services import services

# A body of ten tags of 32 characters (and JSON's quotes and escapes) is far below this.
TAGS_BODY_LIMIT = 8 * 1024


@operation(
    summary="Replace a conversation's tags",
    tag="conversations",
    auth="staff",
    path={"id": "the conversation's id"},
    request=obj({"tags": TAGS}, closed=True),
    responses={200: obj({"tags": TAGS}), **errors(400, 404)},
)
async def put_tags(request: web.Request) -> web.Response:
    """Tags are lower case, trimmed, at most 32 letters, digits, spaces, ``_`` or ``-``
    each and ten per conversation; anyone who can see the conversation may tag it. The
    change is audited (``conversation.tagged``) and pushed to the store's consoles."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, TAGS_BODY_LIMIT, fields=("tags",))

    async def work(session: AsyncSession) -> tuple[attention.Tagged, list[str]]:
        tagged = await attention.set_tags(
            session, who, request.match_info["id"], body.get("tags"), hub.clock()
        )
        staff = await attention.staff_of_store(session, tagged.conversation.store_id)
        return tagged, staff

    tagged, staff = await transaction_retrying(hub.db, work)
    if tagged.changed:
        await conversation_updated(
            hub.publisher, staff, {"id": tagged.conversation.id, "tags": tagged.tags}
        )
    return web.json_response({"tags": tagged.tags})


@operation(
    summary="Tags used lately in the caller's stores, to suggest while tagging",
    tag="conversations",
    auth="staff",
    query={"store": Param(STRING, "only this store's (code)")},
    responses={200: SUGGESTIONS, **errors(400, 404)},
)
async def list_tags(request: web.Request) -> web.Response:
    """The most recently used first, each with how many conversations carry it."""
    who = await principal(request)
    hub = services(request)
    async with hub.db.reading() as session:
        found = await attention.recent_tags(
            session, who, request.query.get("store") or None, hub.clock()
        )
    return web.json_response({"tags": found})


def add_routes(app: web.Application) -> None:
    app.router.add_put("/api/conversations/{id}/tags", put_tags)
    app.router.add_get("/api/tags", list_tags)
