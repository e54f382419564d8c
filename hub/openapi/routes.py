"""``GET /api/openapi.json``: the document, built from the router on first request and
kept for the life of the process (routes never change once the app runs)."""

from __future__ import annotations

import json
from importlib import metadata

from aiohttp import web

from hub.openapi.declare import Body, operation
from hub.openapi.document import build

PATH = "/api/openapi.json"


class DocumentCache:
    """The serialized document, made once per process."""

    def __init__(self) -> None:
        self._body: bytes | None = None

    def body(self, app: web.Application) -> bytes:
        if self._body is None:
            document = build(app, version=_version())
            self._body = json.dumps(document, ensure_ascii=False, indent=1).encode()
        return self._body


OPENAPI = web.AppKey("openapi", DocumentCache)


def _version() -> str:
    try:
        return metadata.version("concierge")
    except metadata.PackageNotFoundError:
        return "0.0.0"


@operation(
    summary="This OpenAPI document",
    tag="meta",
    responses={200: Body({"type": "object"}, description="OpenAPI 3.1")},
)
async def openapi_document(request: web.Request) -> web.Response:
    """Public: it describes what the hub serves, never any data."""
    body = request.app[OPENAPI].body(request.app)
    return web.Response(
        body=body,
        content_type="application/json",
        headers={"Cache-Control": "no-cache"},
    )


def add_routes(app: web.Application) -> None:
    app[OPENAPI] = DocumentCache()
    app.router.add_get(PATH, openapi_document)
