"""While Redis is away, a console call that needs live routing answers 503 with a reason,
not a 500 with a stack trace."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.middleware import errors
from routing.store import StoreUnavailable


async def _needs_routing(_request: web.Request) -> web.Response:
    raise StoreUnavailable("redis is down")


async def test_an_unreachable_routing_store_is_a_503_to_retry(aiohttp_client: Any) -> None:
    app = web.Application(middlewares=[errors])
    app.router.add_get("/api/queue", _needs_routing)
    client = await aiohttp_client(app)
    response = await client.get("/api/queue")
    assert response.status == 503
    assert response.headers["Retry-After"] == "2"
    assert (await response.json())["error"]["code"] == "routing_unavailable"
