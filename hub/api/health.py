"""Liveness with dependencies named, and Prometheus metrics.

Every dependency gets a bounded time to answer: a hung database or a Redis that vanished
makes ``/healthz`` say so at once, never hang a load balancer's probe.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from hub.metrics import process_name
from hub.services import services

log = logging.getLogger("hub.health")
DATABASE_TIMEOUT_SECONDS = 2.0
REDIS_TIMEOUT_SECONDS = 1.0
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


async def healthz(request: web.Request) -> web.Response:
    hub = services(request)
    body = {"status": "ok", "database": "ok", "redis": "disabled"}
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            await hub.db.ping()
    except Exception as exc:
        log.warning("database health check failed", extra={"fields": {"error": type(exc).__name__}})
        body["database"] = "down"
        body["status"] = "degraded"
    if hub.redis is not None:
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
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
    """Prometheus text; every sample labelled with this process (several web processes
    behind one load balancer stay apart)."""
    hub = services(request)
    text = hub.metrics.render(process=process_name(hub.settings.process_name))
    return web.Response(body=text.encode(), headers={"Content-Type": PROMETHEUS_TEXT})
