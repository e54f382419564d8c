"""Store administration over HTTP for managers and admins (see docs/store-admin.md):
stores, their special hours and appointment types here; channel accounts in
``hub.api.channel_admin``, routing settings in ``hub.api.routing_admin``.

Thin: who may act on which store and the checks are ``hub.store_admin``. After the commit,
routing is told of a new or edited store (this process at once, the others on their next
tick through routing's shared state: ``hub.routing_settings.SettingsWatch``); booking reads
stores from the database on every request, so it needs no telling.
"""

from __future__ import annotations

from aiohttp import web

from hub import store_admin
from hub.admin_payloads import (
    appointment_type_payload,
    exception_payload,
    special_hours_payload,
    store_payload,
)
from hub.api import channel_admin, routing_admin
from hub.api.admin_schemas import (
    ADMIN_STORE,
    ADMIN_TYPE,
    NEW_STORE,
    SPECIAL_HOURS,
    STORE_CHANGES,
    STORE_DETAIL,
    TYPE_BODY,
)
from hub.api.booking import BOOKING
from hub.api.requests import json_body, principal, removed
from hub.openapi import errors, operation
from hub.openapi.schemas import array, nullable, obj, text
from hub.routing_config import store_info
from hub.services import services

BODY_LIMIT = 16 * 1024
STORE_PATH = {"code": "the store's code, e.g. PARIS01"}
FAILURES = errors(400, 403, 404)


@operation(
    summary="The stores the caller manages (an admin: every store), by code",
    tag="stores",
    auth="staff",
    responses={200: obj({"stores": array(ADMIN_STORE)}), **errors(403)},
)
async def list_admin_stores(request: web.Request) -> web.Response:
    who = await principal(request)
    async with services(request).db.reading() as session:
        stores = await store_admin.listing(session, who)
        return web.json_response({"stores": [store_payload(s) for s in stores]})


@operation(
    summary="Open a store, with the two default appointment types",
    tag="stores",
    auth="staff",
    request=NEW_STORE,
    responses={201: obj({"store": ADMIN_STORE}), **errors(400, 403, 404, 409)},
)
async def create_store(request: web.Request) -> web.Response:
    """The same checks as ``hub store add``; a manager who opens a store works there
    (and manages it) from then on."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT)
    async with hub.db.transaction() as session:
        store = await store_admin.create(session, who, body, hub.clock())
        payload, info = store_payload(store), store_info(store)
    await hub.routing.store_changed(info)
    return web.json_response({"store": payload}, status=201)


@operation(
    summary="One store: its settings, special hours from today, and appointment types",
    tag="stores",
    auth="staff",
    path=STORE_PATH,
    responses={200: STORE_DETAIL, **errors(403, 404)},
)
async def get_store(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    async with hub.db.reading() as session:
        store = await store_admin.find(session, who, request.match_info["code"])
        special = await store_admin.special_hours(session, store, hub.clock())
        kinds = await store_admin.appointment_types(session, store)
        return web.json_response(
            {
                "store": store_payload(store),
                "special_hours": [exception_payload(row) for row in special],
                "appointment_types": [appointment_type_payload(row) for row in kinds],
            }
        )


@operation(
    summary="Change a store's name, time zone, languages, address, hours or routing",
    tag="stores",
    auth="staff",
    path=STORE_PATH,
    request=STORE_CHANGES,
    responses={200: obj({"store": ADMIN_STORE}), **FAILURES},
)
async def edit_store(request: web.Request) -> web.Response:
    """Routing uses the change for the next decision in every web process; booking
    offers the new hours at once."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT)
    async with hub.db.transaction() as session:
        store, changes = await store_admin.update(
            session, who, request.match_info["code"], body, hub.clock()
        )
        payload, info = store_payload(store), store_info(store)
    if changes:
        _booking_sees(request, payload["code"])
        await hub.routing.store_changed(info)
    return web.json_response({"store": payload})


@operation(
    summary="One date's hours instead of the weekly ones (null: closed, a holiday)",
    tag="stores",
    auth="staff",
    path={**STORE_PATH, "date": "YYYY-MM-DD on the store's calendar"},
    request=obj({"hours": nullable(text(100))}, {"note": nullable(text(200))}, closed=True),
    responses={200: obj({"special_hours": SPECIAL_HOURS}), **FAILURES},
)
async def put_special_hours(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT)
    async with hub.db.transaction() as session:
        day, ranges, note = await store_admin.set_special_hours(
            session,
            who,
            request.match_info["code"],
            request.match_info["date"],
            body,
            hub.clock(),
        )
    _booking_sees(request, request.match_info["code"])
    return web.json_response({"special_hours": special_hours_payload(day, ranges, note)})


@operation(
    summary="That date follows the weekly hours again",
    tag="stores",
    auth="staff",
    path={**STORE_PATH, "date": "YYYY-MM-DD on the store's calendar"},
    responses={204: None, **errors(403, 404)},
)
async def remove_special_hours(request: web.Request) -> web.Response:
    answer = await removed(request, store_admin.remove_special_hours, "code", "date")
    _booking_sees(request, request.match_info["code"])
    return answer


@operation(
    summary="Add or change one of a store's appointment types",
    tag="stores",
    auth="staff",
    path={**STORE_PATH, "type": "the type's code, e.g. bridal"},
    request=TYPE_BODY,
    responses={200: obj({"appointment_type": ADMIN_TYPE}), **FAILURES},
)
async def put_appointment_type(request: web.Request) -> web.Response:
    """The same checks as ``hub store type``; appointments already booked keep the
    duration and buffers they were booked with."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT)
    async with hub.db.transaction() as session:
        row, _created = await store_admin.save_appointment_type(
            session,
            who,
            request.match_info["code"],
            request.match_info["type"],
            body,
            hub.clock(),
        )
        payload = appointment_type_payload(row)
    _booking_sees(request, request.match_info["code"])
    return web.json_response({"appointment_type": payload})


def _booking_sees(request: web.Request, code: str) -> None:
    """This process's availability answers use the edit at once (the others' caches
    within ``SetupCache.seconds``)."""
    booking = request.app.get(BOOKING)
    if booking is not None:
        booking.setups.forget(code)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/stores", list_admin_stores)
    app.router.add_post("/api/admin/stores", create_store)
    app.router.add_get("/api/admin/stores/{code}", get_store)
    app.router.add_patch("/api/admin/stores/{code}", edit_store)
    app.router.add_put("/api/admin/stores/{code}/special-hours/{date}", put_special_hours)
    app.router.add_delete("/api/admin/stores/{code}/special-hours/{date}", remove_special_hours)
    app.router.add_put("/api/admin/stores/{code}/appointment-types/{type}", put_appointment_type)
    channel_admin.add_routes(app)
    routing_admin.add_routes(app)
