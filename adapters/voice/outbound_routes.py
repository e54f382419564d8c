"""HTTP for calls the hub places: the console's "call via provider" and the bridge webhook.

``POST /api/conversations/{id}/call`` (bearer token, or session cookie with CSRF) →
``202 {"call": {"id", "status", "to"}}``. ``POST /voice/twilio/bridge?call=<id>`` is the
provider's: read like every voice webhook (``adapters.voice.webhook``: the body capped
before it is parsed, then the signature over ``HUB_PUBLIC_URL`` + the raw path and query
with the auth token of the call's account, and its ``AccountSid``).
"""

from __future__ import annotations

from aiohttp import web

from adapters.voice.bridge import BRIDGE_PATH, Bridges
from adapters.voice.webhook import check, read_form
from hub.api.requests import principal
from hub.openapi import errors, operation
from hub.openapi.schemas import STRING, obj
from hub.services import services


def _bridges(request: web.Request) -> Bridges:
    hub = services(request)
    return Bridges(db=hub.db, clock=hub.clock, settings=hub.settings)


@operation(
    summary="Call the shopper through the voice provider, bridged to the ambassador",
    tag="voice",
    auth="staff",
    path={"id": "a conversation's id"},
    responses={
        202: obj({"call": obj({"id": STRING, "status": STRING, "to": STRING})}),
        **errors(409, 502),
    },
)
async def place_call(request: web.Request) -> web.Response:
    who = await principal(request)
    placed = await _bridges(request).call(who, request.match_info["id"])
    return web.json_response({"call": placed.payload()}, status=202)


async def bridge_webhook(request: web.Request) -> web.Response:
    params = await read_form(request)
    bridges = _bridges(request)
    target = await bridges.target(request.query.get("call"))
    check(request, bridges.settings.public_url, target.account, params)
    answer = await bridges.answer(target, params.get("CallSid"))
    return web.Response(text=answer, content_type="text/xml")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/conversations/{id}/call", place_call)
    app.router.add_post(BRIDGE_PATH, bridge_webhook)
