"""Staff login and logout: a bearer token in the body, the same session as an HttpOnly
cookie for the console page, plus a readable CSRF cookie for its mutating calls."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from hub import staff as staff_service
from hub.api.requests import client_address, json_body, principal, session_token
from hub.errors import InvalidInput
from hub.openapi import errors, operation, ref
from hub.openapi.schemas import obj, text
from hub.realtime.names import CSRF_COOKIE, SESSION_COOKIE
from hub.security.tokens import new_csrf_token
from hub.services import Services, services
from hub.staff import Principal


@operation(
    summary="Sign in a staff member",
    tag="auth",
    limited=True,
    request=obj({"email": text(max_length=254), "password": text(max_length=1024)}),
    responses={
        200: obj({"token": {"type": "string"}, "staff": ref("Staff")}),
        **errors(401),
    },
)
async def login(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.login.hit(f"ip:{client_address(request)}")
    body = await json_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("email", "email is required")
    if not isinstance(password, str) or not password:
        raise InvalidInput("password", "password is required")
    hub.limits.login.hit(f"email:{email.strip().lower()}")
    ttl = timedelta(seconds=hub.settings.session_ttl_seconds)
    async with hub.db.transaction() as session:
        token, who = await staff_service.login(
            session, email.strip().lower(), password, now=hub.clock(), ttl=ttl
        )
    return signed_in(hub, token, who)


def signed_in(hub: Services, token: str, who: Principal) -> web.Response:
    """The answer to a sign-in (a login, an accepted invitation): ``{token, staff}``, plus
    the same session as an HttpOnly cookie and a readable CSRF cookie for the console."""
    response = web.json_response({"token": token, "staff": who.public()})
    secure = hub.settings.secure_cookies
    max_age = hub.settings.session_ttl_seconds
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=secure,
        path="/",
        max_age=max_age,
    )
    response.set_cookie(
        CSRF_COOKIE,
        new_csrf_token(),
        httponly=False,
        samesite="Strict",
        secure=secure,
        path="/",
        max_age=max_age,
    )
    return response


@operation(
    summary="Sign out: the token and the session cookie stop working",
    tag="auth",
    auth="staff",
    responses={204: None},
)
async def logout(request: web.Request) -> web.Response:
    await principal(request)
    token = session_token(request)
    hub = services(request)
    if token:
        async with hub.db.transaction() as session:
            await staff_service.logout(session, token)
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    response.del_cookie(CSRF_COOKIE, path="/")
    return response


@operation(
    summary="The signed-in staff member",
    tag="auth",
    auth="staff",
    responses={200: obj({"staff": ref("Staff")})},
)
async def me(request: web.Request) -> web.Response:
    return web.json_response({"staff": (await principal(request)).public()})
