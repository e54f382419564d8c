"""The OpenAPI 3.1 document, generated from the router and the handlers' declarations.

Paths and methods come from ``app.router`` (what the hub really serves); everything else
from the ``@operation`` beside each handler. What follows from a declaration is added
here once rather than repeated in every one: a path parameter can name nothing (404), a
staff endpoint needs a sign-in (401) and, with the console's cookie, a CSRF header on
writes (403), an anonymous endpoint is rate-limited (429), a JSON body can be malformed
(400) or too large (413).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from hub.openapi import booking_schemas, insights_schemas, schemas
from hub.openapi.declare import Body, Operation, Param, Response, declared
from hub.realtime.names import CSRF_HEADER, SESSION_COOKIE

OPENAPI_VERSION = "3.1.0"
API_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ERROR = schemas.ref("Error")
_PATH_PARAMETER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
# Cookie of the WeChat link page (adapters.wechat.link_routes.LINK_COOKIE): adapters
# depend on the hub, never the reverse, so the name is written here too.
WECHAT_LINK_COOKIE = "wechat_link"

SECURITY_SCHEMES: dict[str, Any] = {
    "staffBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The token from POST /api/auth/login.",
    },
    "staffSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The console's session: the same token as an HttpOnly cookie.",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": CSRF_HEADER,
        "description": "With the session cookie on writes: the value of the hub_csrf cookie.",
    },
    "manageToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An appointment's manage token (or a hold's token), from booking.",
    },
    "wechatLink": {
        "type": "apiKey",
        "in": "cookie",
        "name": WECHAT_LINK_COOKIE,
        "description": "Set by WeChat's sign-in redirect while a WeChat user links a profile.",
    },
}


@dataclass(frozen=True)
class ApiRoute:
    """One method of one path under /api/, with the handler aiohttp calls for it."""

    method: str
    path: str
    handler: Callable[..., Any]


def api_routes(app: web.Application) -> Iterator[ApiRoute]:
    """The REST API's routes; HEAD beside GET is aiohttp's, not an operation of its own.

    A route mounted for every method ("*") stands for the methods its declaration names."""
    for route in app.router.routes():
        resource = route.resource
        path = resource.canonical if resource is not None else ""
        if not path.startswith(API_PREFIX) or route.method == "HEAD":
            continue
        if route.method == "*":
            found = declared(route.handler)
            for method in (found.methods if found else ()) or ("*",):
                yield ApiRoute(method, path, route.handler)
        else:
            yield ApiRoute(route.method, path, route.handler)


def build(app: web.Application, *, version: str) -> dict[str, Any]:
    """The whole document; routes without a declaration are left out (a test fails)."""
    paths: dict[str, dict[str, Any]] = {}
    for route in api_routes(app):
        found = declared(route.handler)
        if found is None or route.method == "*":
            continue
        paths.setdefault(route.path, {})[route.method.lower()] = operation_object(route, found)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Concierge hub API",
            "version": version,
            "description": (
                "The REST API of the Concierge hub. Errors are always "
                '{"error": {"code", "message"}}; a resource outside the caller\'s stores '
                "answers 404 as if it did not exist."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {
                **schemas.COMPONENTS,
                **booking_schemas.COMPONENTS,
                **insights_schemas.COMPONENTS,
            },
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def operation_object(route: ApiRoute, op: Operation) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        result["description"] = op.description
    parameters = [_path_parameter(name, op) for name in _PATH_PARAMETER.findall(route.path)]
    parameters += [_query_parameter(name, param) for name, param in op.query.items()]
    if parameters:
        result["parameters"] = parameters
    if op.request is not None:
        result["requestBody"] = {
            "required": op.request_required,
            "content": _content(op.request),
        }
    result["responses"] = {
        str(status): _response(status, body) for status, body in sorted(_responses(route, op))
    }
    security = _security(route.method, op)
    if security is not None:
        result["security"] = security
    return result


def _responses(route: ApiRoute, op: Operation) -> list[tuple[int, Response]]:
    implied: dict[int, Response] = {}
    if _PATH_PARAMETER.search(route.path):
        implied[404] = ERROR
    if op.auth == "staff":
        implied[401] = ERROR
        if route.method not in SAFE_METHODS:
            implied[403] = ERROR
    if op.limited:
        implied[429] = ERROR
    if isinstance(op.request, dict):
        implied[400] = ERROR
        implied[413] = ERROR
    return list({**implied, **op.responses}.items())


def _response(status: int, body: Response) -> dict[str, Any]:
    description = HTTPStatus(status).phrase
    if isinstance(body, Body) and body.description:
        description = body.description
    result: dict[str, Any] = {"description": description}
    if body is not None:
        result["content"] = _content(body)
    if status == 429:
        result["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer"},
            }
        }
    return result


def _content(body: schemas.Schema | Body) -> dict[str, Any]:
    if isinstance(body, Body):
        return {body.media_type: {"schema": body.schema} if body.schema is not None else {}}
    return {"application/json": {"schema": body}}


def _path_parameter(name: str, op: Operation) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    if name in op.path:
        parameter["description"] = op.path[name]
    return parameter


def _query_parameter(name: str, param: Param) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": param.required,
        "schema": param.schema,
    }
    if param.description:
        parameter["description"] = param.description
    return parameter


def _security(method: str, op: Operation) -> list[dict[str, list[str]]] | None:
    if op.auth == "staff":
        session: dict[str, list[str]] = {"staffSession": []}
        if method not in SAFE_METHODS:
            session["csrfToken"] = []
        return [{"staffBearer": []}, session]
    if op.auth == "manage":
        return [{"manageToken": []}]
    if op.auth == "wechat_link":
        return [{"wechatLink": []}]
    return None
