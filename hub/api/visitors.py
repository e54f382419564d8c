"""Anonymous web shoppers get a signed visitor token to open the chat with."""

from __future__ import annotations

from aiohttp import web

from hub.api.requests import client_address
from hub.openapi import operation
from hub.openapi.schemas import obj
from hub.services import services


@operation(
    summary="A visitor token for an anonymous web shopper",
    tag="visitors",
    limited=True,
    methods=("POST",),
    responses={201: obj({"visitor_token": {"type": "string"}})},
)
async def create_visitor(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"visitors:{client_address(request)}")
    _visitor_id, token = hub.tokens.issue()
    return web.json_response({"visitor_token": token}, status=201)
