"""Liveness with dependencies named, and Prometheus metrics."""

from __future__ import annotations

import logging

from aiohttp import web

from hub.services import services

log = logging.getLogger("hub.health")


async def healthz(request: web.Request) -> web.Response:
    hub = services(request)
    body = {"status": "ok", "database": "ok", "redis": "disabled"}
    try:
        await hub.db.ping()
    except Exception as exc:
        log.warning("database health check failed", extra={"fields": {"error": type(exc).__name__}})
        body["database"] = "down"
        body["status"] = "degraded"
    if hub.redis is not None:
        try:
            await hub.redis.ping()
            body["redis"] = "ok"
        except Exception as exc:
            log.warning(
                "redis health check failed", extra={"fields": {"error": type(exc).__name__}}
            )
            body["redis"] = "down"
            body["status"] = "degraded"
    return web.json_response(body, status=200 if body["status"] == "ok" else 503)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(text=services(request).metrics.render(), content_type="text/plain")
