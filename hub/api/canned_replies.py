"""Canned replies: personal and store-shared answers, per language, with placeholders.

Thin: who may use or change which reply, the field checks and the filling in are
``hub.canned_replies`` (and ``hub.canned_text``); see docs/canned-replies.md.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from hub import canned_replies
from hub.api.requests import json_body, principal, removed
from hub.errors import Conflict
from hub.openapi import Param, errors, operation
from hub.openapi.schemas import BOOLEAN, DATE_TIME, STRING, array, enum, nullable, obj, text
from hub.services import services

REPLY = obj(
    {
        "id": STRING,
        "scope": enum("personal", "store"),
        "store": nullable(STRING),
        "language": STRING,
        "title": STRING,
        "shortcut": nullable(STRING),
        "text": STRING,
        "placeholders": array(STRING),
        "editable": BOOLEAN,
        "created_at": DATE_TIME,
        "updated_at": DATE_TIME,
    },
    description="A canned reply; `editable`: the caller may change or delete it.",
)
WRITABLE = {
    "language": text(16),
    "title": text(canned_replies.MAX_TITLE),
    "shortcut": nullable(text(canned_replies.MAX_SHORTCUT)),
    "text": text(4000),
}
REPLY_PATH = {"id": "the canned reply's id"}
BODY_LIMIT = 32 * 1024
TAKEN = "the shortcut is used already in this language"


@operation(
    summary="The canned replies the caller may use: their own and their stores'",
    tag="canned-replies",
    auth="staff",
    query={
        "language": Param(STRING, "only replies in this language (e.g. fr)"),
        "store": Param(STRING, "store replies of this store only (code); personal ones stay"),
        "q": Param(STRING, "words in the title, shortcut or text, in any case"),
    },
    responses={200: obj({"replies": array(REPLY)}), **errors(400, 404)},
)
async def list_replies(request: web.Request) -> web.Response:
    """By title. Putting the conversation's language first is the console's job."""
    who = await principal(request)
    hub = services(request)
    query = request.query
    async with hub.db.reading() as session:
        found = await canned_replies.listing(
            session,
            who,
            language_tag=query.get("language") or None,
            store=query.get("store") or None,
            query=query.get("q") or None,
        )
        return web.json_response({"replies": [canned_replies.reply_payload(r, who) for r in found]})


@operation(
    summary="Write a canned reply: personal, or for a store the caller manages",
    tag="canned-replies",
    auth="staff",
    request=obj(
        {"scope": enum("personal", "store"), **{k: WRITABLE[k] for k in ("language", "title")}},
        {"store": nullable(STRING), "shortcut": WRITABLE["shortcut"], "text": WRITABLE["text"]},
        closed=True,
    ),
    responses={201: obj({"reply": REPLY}), **errors(400, 403, 404, 409)},
)
async def create_reply(request: web.Request) -> web.Response:
    """Unknown placeholders and broken braces in ``text`` are refused (``400``, naming
    the placeholder); ``{{`` and ``}}`` write a brace."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT)
    try:
        async with hub.db.transaction() as session:
            found = await canned_replies.create(session, who, body, hub.clock())
            payload = canned_replies.reply_payload(found, who)
    except IntegrityError:  # the same shortcut saved twice at the same instant
        raise Conflict(TAKEN, code="shortcut_taken", field="shortcut") from None
    return web.json_response({"reply": payload}, status=201)


@operation(
    summary="Change a canned reply's language, title, shortcut or text",
    tag="canned-replies",
    auth="staff",
    path=REPLY_PATH,
    request=obj({}, WRITABLE, closed=True),
    responses={200: obj({"reply": REPLY}), **errors(400, 404, 409)},
)
async def edit_reply(request: web.Request) -> web.Response:
    """Personal replies by their author, store replies by the store's managers; any other
    is not found."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT)
    try:
        async with hub.db.transaction() as session:
            found = await canned_replies.update(
                session, who, request.match_info["id"], body, hub.clock()
            )
            payload = canned_replies.reply_payload(found, who)
    except IntegrityError:
        raise Conflict(TAKEN, code="shortcut_taken", field="shortcut") from None
    return web.json_response({"reply": payload})


@operation(
    summary="Delete a canned reply",
    tag="canned-replies",
    auth="staff",
    path=REPLY_PATH,
    responses={204: None, **errors(404)},
)
async def delete_reply(request: web.Request) -> web.Response:
    return await removed(request, canned_replies.delete, "id")


@operation(
    summary="A canned reply filled in for one conversation (customer, store, the caller)",
    tag="canned-replies",
    auth="staff",
    path=REPLY_PATH,
    request=obj({"conversation_id": STRING}, closed=True),
    responses={
        200: obj(
            {"text": STRING, "missing": array(STRING)},
            description="`missing`: placeholders that had no value (left out, text closed up)",
        ),
        **errors(400, 404),
    },
)
async def render_reply(request: web.Request) -> web.Response:
    """Values are plain text: the console inserts the result as text, never as HTML."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT, fields=("conversation_id",))
    async with hub.db.reading() as session:
        rendered = await canned_replies.render(
            session, who, request.match_info["id"], body.get("conversation_id")
        )
    return web.json_response({"text": rendered.text, "missing": list(rendered.missing)})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/canned-replies", list_replies)
    app.router.add_post("/api/canned-replies", create_reply)
    app.router.add_patch("/api/canned-replies/{id}", edit_reply)
    app.router.add_delete("/api/canned-replies/{id}", delete_reply)
    app.router.add_post("/api/canned-replies/{id}/render", render_reply)
