"""Cross-cutting HTTP behaviour: one error format, access logs, security headers, CORS
for the public endpoints that shop sites call."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from hub.errors import HubError, RateLimited
from hub.services import SERVICES
from routing.store import StoreUnavailable

log = logging.getLogger("hub.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Endpoints a shop page on another origin may call with the widget or booking form.
# What the widget calls from a shop's own pages: a visitor token, and booking a time an
# ambassador proposed in the chat.
PUBLIC_CROSS_ORIGIN = (
    "/api/visitors",
    "/api/language",
    "/api/appointments",
    "/api/contact",
    "/api/callbacks",
    "/api/webchat/attachments",
)
# Paths under these prefixes are public in the same way (the widget's files, by id).
PUBLIC_CROSS_ORIGIN_PREFIXES = ("/api/attachments/",)


def error_response(status: int, code: str, message: str, **details: object) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, **details}}, status=status
    )


def _from_http_exception(exc: web.HTTPException) -> web.Response:
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    code = codes.get(exc.status, "http_error")
    message = exc.reason if exc.status != 413 else "request body is too large"
    response = error_response(exc.status, code, message)
    if exc.status == 405 and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as ``{"error": {"code", "message"}}``."""
    try:
        return await handler(request)
    except HubError as exc:
        response = web.json_response(exc.as_payload(), status=exc.status)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _from_http_exception(exc)
    except StoreUnavailable:
        # Redis is away: the hub is rebuilding live routing from PostgreSQL; nothing changed.
        response = error_response(
            503, "routing_unavailable", "live routing is being restored; try again in a moment"
        )
        response.headers["Retry-After"] = "2"
        return response
    except Exception:
        log.exception("unhandled error", extra={"fields": {"path": request.path}})
        return error_response(500, "internal_error", "something went wrong on our side")


@web.middleware
async def access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    response = await handler(request)
    elapsed = (time.perf_counter() - started) * 1000
    response.headers["X-Request-Id"] = request_id
    request.app[SERVICES].metrics.inc(
        "hub_http_requests_total", status=f"{response.status // 100}xx", method=request.method
    )
    if not request.path.startswith(("/socket.io", "/static", "/healthz", "/metrics")):
        log.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,  # never the query string: it may carry tokens
                    "status": response.status,
                    "ms": round(elapsed, 1),
                    "request_id": request_id,
                }
            },
        )
    return response


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith("/socket.io"):
        return response
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Shop sites listed in HUB_ALLOWED_ORIGINS may call the public endpoints; no one else."""
    origin = request.headers.get("Origin")
    public = request.path in PUBLIC_CROSS_ORIGIN or request.path.startswith(
        PUBLIC_CROSS_ORIGIN_PREFIXES
    )
    settings = request.app[SERVICES].settings
    allowed = origin is not None and public and origin.lower() in settings.allowed_origins
    if request.method == "OPTIONS" and public:
        if not allowed:
            return error_response(403, "origin_not_allowed", "this origin may not call the hub")
        response: web.StreamResponse = web.Response(status=204)
    else:
        response = await handler(request)
    if allowed:
        assert origin is not None
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, GET, OPTIONS"
        # Authorization: the widget's visitor token for its files (never in a URL).
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
    return response
