"""Reading requests safely: JSON bodies, caller identity, CSRF, client address."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from aiohttp import web

from hub.errors import Forbidden, InvalidInput, PayloadTooLarge, Unauthorized
from hub.realtime.names import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from hub.security.forwarded import client_ip
from hub.services import services
from hub.staff import Principal, principal_for_token

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PRINCIPAL = web.RequestKey("principal", Principal)


async def json_body(
    request: web.Request, limit: int | None = None, fields: Collection[str] | None = None
) -> dict[str, Any]:
    """The request's JSON object. The app's client_max_size caps it before parsing; public
    endpoints pass a smaller ``limit`` (bytes), refused with 413 before reading past it.
    ``fields``: the only keys the object may hold, for bodies that are closed."""
    if limit is not None:
        raw = await capped_body(request, limit, f"the body is limited to {limit} bytes")
    elif request.can_read_body:
        raw = await request.read()
    else:
        return {}
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("body", "request body is not valid JSON", code="invalid_json") from None
    if not isinstance(data, dict):
        raise InvalidInput("body", "request body must be a JSON object", code="invalid_json")
    if fields is not None and not set(data) <= set(fields):
        raise InvalidInput("body", f"the body takes {', '.join(sorted(fields))}")
    return data


async def capped_body(request: web.Request, limit: int, too_large: str) -> bytes:
    """The raw body, refused by its declared length or as soon as it passes ``limit``
    (for channels whose bodies are not the API's small JSON)."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(too_large)
    body = bytearray()
    while chunk := await request.content.read(min(256 * 1024, limit + 1 - len(body))):
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(too_large)
    return bytes(body)


def client_address(request: web.Request) -> str:
    """What anonymous callers are rate-limited by: the peer, or behind a trusted load
    balancer the address it saw (hub.security.forwarded)."""
    trusted = services(request).settings.trusted_proxies
    if not trusted:
        return request.remote or "unknown"
    return client_ip(request.remote, request.headers.getall("X-Forwarded-For", []), trusted)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def principal(request: web.Request) -> Principal:
    """The signed-in staff member: bearer token, or session cookie plus CSRF header."""
    cached = request.get(PRINCIPAL)
    if cached is not None:
        return cached
    token = bearer_token(request)
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token and request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            expected = request.cookies.get(CSRF_COOKIE, "")
            if not sent or not expected or not secrets.compare_digest(sent, expected):
                raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
    if not token:
        raise Unauthorized("sign in first")
    hub = services(request)
    async with hub.db.reading() as session:
        found = await principal_for_token(session, token, now=hub.clock())
    request[PRINCIPAL] = found
    return found


async def removed(
    request: web.Request, remove: Callable[..., Awaitable[Any]], *path: str
) -> web.Response:
    """``204`` once ``remove(session, caller, *ids, now)`` has taken away what the path's
    ``path`` parts name, in one transaction; its refusals (404 outside the caller's reach)
    are the answer otherwise."""
    who = await principal(request)
    hub = services(request)
    async with hub.db.transaction() as session:
        await remove(session, who, *(request.match_info[name] for name in path), hub.clock())
    return web.Response(status=204)


def session_token(request: web.Request) -> str | None:
    return bearer_token(request) or request.cookies.get(SESSION_COOKIE)
