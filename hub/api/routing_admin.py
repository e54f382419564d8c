"""Routing settings over HTTP: managers read them, admins change them.

A change is applied by this process at once (loads recounted if channel weights moved)
and by every other web process on its next tick (``hub.routing_settings.SettingsWatch``).
"""

from __future__ import annotations

import logging

from aiohttp import web

from hub import routing_settings
from hub.api.admin_schemas import ROUTING, ROUTING_CHANGES
from hub.api.requests import json_body, principal
from hub.openapi import errors, operation
from hub.routing_config import routing_config
from hub.services import services

BODY_LIMIT = 4 * 1024
log = logging.getLogger("hub.routing_admin")


@operation(
    summary="Routing settings in force, the defaults, and who changed them last",
    tag="routing",
    auth="staff",
    responses={200: ROUTING, **errors(403)},
)
async def get_routing(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    async with hub.db.reading() as session:
        found = await routing_settings.view(session, who)
    return web.json_response(found.payload(routing_config(hub.settings)))


@operation(
    summary="Change routing settings (admins); null sets a field back to its default",
    tag="routing",
    auth="staff",
    request=ROUTING_CHANGES,
    responses={200: ROUTING, **errors(400, 403)},
)
async def edit_routing(request: web.Request) -> web.Response:
    """New offers use the new time-out at once, in every web process within a tick;
    offers already made keep their deadline."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT)
    async with hub.db.transaction() as session:
        before, after = await routing_settings.update(session, who, body, hub.clock())
    if after != before:
        try:
            await routing_settings.apply(hub.routing, hub.settings, after, reweigh=True)
        except Exception:  # saved: every process applies it on its tick; a rebuild recounts
            log.exception("routing settings saved but not applied here")
    async with hub.db.reading() as session:
        found = await routing_settings.view(session, who)
    watch = request.app.get(routing_settings.SETTINGS_WATCH)
    if watch is not None:
        watch.saw(found.version)
    return web.json_response(found.payload(routing_config(hub.settings)))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/routing", get_routing)
    app.router.add_patch("/api/admin/routing", edit_routing)
