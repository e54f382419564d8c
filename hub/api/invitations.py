"""The invitation link's two public calls, made by the /invite page.

``POST /api/invitations/lookup {token}`` → ``{email, name, stores}``: whom the link invites.
``POST /api/invitations/accept {token, password}`` → like a login: ``{token, staff}`` and the
session cookies, so the page goes straight on to the console. An unknown, used or expired
link answers ``404`` to both. The token travels in the body only (the page read it from
the URL fragment), and both calls are rate-limited per client address.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from hub import invitations, validation
from hub.api.auth import signed_in
from hub.api.requests import client_address, json_body
from hub.openapi import errors, operation, ref
from hub.openapi.schemas import STRING, array, obj, text
from hub.security.passwords import hash_password
from hub.services import services

TOKEN = text(max_length=128)


@operation(
    summary="Whom an invitation link invites",
    tag="staff",
    limited=True,
    request=obj({"token": TOKEN}, closed=True),
    responses={
        200: obj(
            {
                "email": STRING,
                "name": STRING,
                "stores": array(obj({"code": STRING, "name": STRING})),
            }
        ),
        **errors(400, 404),
    },
    operation_id="lookup_invitation",
)
async def lookup(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"invitation:{client_address(request)}")
    body = await json_body(request)
    async with hub.db.reading() as session:
        found = await invitations.lookup(session, body.get("token"), hub.clock())
    return web.json_response(found)


@operation(
    summary="Accept an invitation: choose a password and sign in",
    tag="staff",
    limited=True,
    request=obj({"token": TOKEN, "password": text(max_length=1024)}, closed=True),
    responses={200: obj({"token": STRING, "staff": ref("Staff")}), **errors(400, 404)},
    operation_id="accept_invitation",
)
async def accept(request: web.Request) -> web.Response:
    """Works once: of two simultaneous acceptances, one signs in and the other is a 404."""
    hub = services(request)
    hub.limits.anonymous.hit(f"invitation:{client_address(request)}")
    body = await json_body(request)
    token = body.get("token")
    invitations.check_shape(token)
    password_hash = hash_password(validation.password(body.get("password")))
    ttl = timedelta(seconds=hub.settings.session_ttl_seconds)
    async with hub.db.transaction() as session:
        session_token, who = await invitations.accept(
            session, token, password_hash, hub.clock(), ttl
        )
    return signed_in(hub, session_token, who)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/invitations/lookup", lookup)
    app.router.add_post("/api/invitations/accept", accept)
