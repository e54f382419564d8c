"""Staff administration over HTTP, for managers and admins (see docs/staff-admin.md).

Thin: who may act on whom is ``hub.staff_access``, the changes are ``hub.staff_admin`` and
``hub.invitations``. What cannot be undone by a rollback comes after the commit: the
invitation e-mail is scheduled, and a deactivated colleague's consoles are hung up in every
process and routing lets go of them (their conversations go back to the queue).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from hub import invitations, mail, staff_admin
from hub.api.requests import json_body, principal, removed
from hub.api.staff_schemas import ACCOUNT, CHANGES, DETAIL, ROLE, TIME_OFF
from hub.errors import Conflict, InvalidInput
from hub.messages import iso
from hub.openapi import Param, errors, operation
from hub.openapi.schemas import BOOLEAN, DATE_TIME, INTEGER, OBJECT, STRING, array, nullable, obj
from hub.realtime.staff_consoles import hang_up
from hub.services import Services, services
from hub.staff_payloads import calendar_of, pending_invitations, staff_payload, time_off_payload

STAFF_PATH = {"id": "the staff member's id"}
FAILURES = errors(400, 403, 404)


def _boolean(raw: str | None, field: str) -> bool | None:
    if raw is None or raw == "":
        return None
    if raw in ("true", "false"):
        return raw == "true"
    raise InvalidInput(field, f"{field} must be true or false")


async def _account(hub: Services, staff: Any) -> dict[str, Any]:
    async with hub.db.reading() as session:
        pending = await pending_invitations(session, [staff.id])
    return staff_payload(staff, pending.get(staff.id), hub.clock())


@operation(
    summary="The staff of the caller's stores (an admin: everyone)",
    tag="staff",
    auth="staff",
    query={
        "store": Param(STRING, "only those who work in this store (code)"),
        "active": Param(BOOLEAN, "true: active accounts; false: invited or deactivated"),
    },
    responses={200: obj({"staff": array(ACCOUNT)}), **FAILURES},
)
async def list_staff(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    active = _boolean(request.query.get("active"), "active")
    async with hub.db.reading() as session:
        found = await staff_admin.listing(
            session, who, store=request.query.get("store") or None, active=active
        )
        pending = await pending_invitations(session, [s.id for s in found])
        now = hub.clock()
        return web.json_response(
            {"staff": [staff_payload(s, pending.get(s.id), now) for s in found]}
        )


@operation(
    summary="One colleague: their account, weekly hours per store and coming time off",
    tag="staff",
    auth="staff",
    path=STAFF_PATH,
    responses={200: DETAIL, **FAILURES},
)
async def get_staff(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    async with hub.db.reading() as session:
        staff = await staff_admin.find(session, who, request.match_info["id"])
        pending = await pending_invitations(session, [staff.id])
        now = hub.clock()
        return web.json_response(
            {
                "staff": staff_payload(staff, pending.get(staff.id), now),
                **await calendar_of(session, staff, now),
            }
        )


@operation(
    summary="Change a colleague's name, role, stores, languages, skills, capacity or phone",
    tag="staff",
    auth="staff",
    path=STAFF_PATH,
    request=CHANGES,
    responses={200: obj({"staff": ACCOUNT}), **FAILURES},
)
async def edit_staff(request: web.Request) -> web.Response:
    """Their open consoles reconnect at once with the new profile (stores, skills…)."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request)
    async with hub.db.transaction() as session:
        changed = await staff_admin.update(
            session, who, request.match_info["id"], body, hub.clock()
        )
    if changed.console_stale:
        await hang_up(hub.sio, hub.routing, changed.staff.id)
    return web.json_response({"staff": await _account(hub, changed.staff)})


@operation(
    summary="A colleague's weekly hours in one store (null: the store's opening hours)",
    tag="staff",
    auth="staff",
    path=STAFF_PATH,
    request=obj({"store": STRING, "hours": nullable(STRING)}, closed=True),
    responses={200: obj({"store": STRING, "hours": nullable(OBJECT)}), **FAILURES},
)
async def put_schedule(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    body = await json_body(request)
    async with hub.db.transaction() as session:
        store, hours = await staff_admin.set_schedule(
            session, who, request.match_info["id"], body, hub.clock()
        )
        code = store.code
    return web.json_response({"store": code, "hours": hours})


@operation(
    summary="Time off: a span in which a colleague takes no bookings",
    tag="staff",
    auth="staff",
    path=STAFF_PATH,
    request=obj(
        {"from": STRING, "to": STRING},
        {"store": nullable(STRING), "reason": nullable(STRING)},
        closed=True,
    ),
    responses={201: obj({"time_off": TIME_OFF}), **FAILURES},
)
async def add_time_off(request: web.Request) -> web.Response:
    """Times without an offset are read on ``store``'s clock; with no store, give one."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request)
    async with hub.db.transaction() as session:
        row = await staff_admin.add_time_off(
            session, who, request.match_info["id"], body, hub.clock()
        )
        payload = time_off_payload(row)
    return web.json_response({"time_off": payload}, status=201)


@operation(
    summary="Take back one span of a colleague's time off",
    tag="staff",
    auth="staff",
    path={**STAFF_PATH, "time_off_id": "the time off's id"},
    responses={204: None, **FAILURES},
)
async def remove_time_off(request: web.Request) -> web.Response:
    return await removed(request, staff_admin.remove_time_off, "id", "time_off_id")


@operation(
    summary="Deactivate a colleague: sessions end, open consoles are cut off at once",
    tag="staff",
    auth="staff",
    path=STAFF_PATH,
    responses={200: obj({"staff": ACCOUNT, "consoles_closed": INTEGER}), **FAILURES},
)
async def deactivate(request: web.Request) -> web.Response:
    """Their bearer tokens and cookies stop working with the commit; then every console
    of theirs, in any web process, hears ``session_ended`` and is disconnected, and their
    conversations go back to the front of the queue."""
    who = await principal(request)
    hub = services(request)
    async with hub.db.transaction() as session:
        staff = await staff_admin.deactivate(session, who, request.match_info["id"], hub.clock())
    closed = await hang_up(hub.sio, hub.routing, staff.id, notice="deactivated")
    await hub.routing.retire(staff.id)
    return web.json_response({"staff": await _account(hub, staff), "consoles_closed": closed})


@operation(
    summary="Activate a deactivated colleague again (they sign in afresh)",
    tag="staff",
    auth="staff",
    path=STAFF_PATH,
    responses={200: obj({"staff": ACCOUNT}), **errors(400, 403, 404, 409)},
)
async def activate(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    async with hub.db.transaction() as session:
        staff = await staff_admin.activate(session, who, request.match_info["id"], hub.clock())
    return web.json_response({"staff": await _account(hub, staff)})


@operation(
    summary="Invite a colleague by e-mail: a one-time link to choose their password",
    tag="staff",
    auth="staff",
    request=obj(
        {"email": STRING, "name": STRING, "stores": array(STRING), "languages": array(STRING)},
        {"role": ROLE, "skills": array(STRING), "capacity": INTEGER},
        closed=True,
    ),
    responses={
        201: obj({"staff": ACCOUNT, "expires_at": DATE_TIME, "replaced": BOOLEAN}),
        **errors(400, 403, 404, 409),
    },
)
async def invite(request: web.Request) -> web.Response:
    """Inviting an address again replaces its pending invitation (the older link dies);
    an address already on the staff is a conflict."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request)
    try:
        async with hub.db.transaction() as session:
            invited = await invitations.invite(session, hub.settings, who, body, hub.clock())
    except IntegrityError:  # the same address invited twice at the same instant
        raise Conflict("this address was invited a moment ago", code="staff_exists") from None
    await mail.schedule(hub.jobs, invited.mail_id)
    return web.json_response(
        {
            "staff": await _account(hub, invited.staff),
            "expires_at": iso(invited.expires_at),
            "replaced": invited.replaced,
        },
        status=201,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/staff", list_staff)
    app.router.add_post("/api/staff/invitations", invite)
    app.router.add_get("/api/staff/{id}", get_staff)
    app.router.add_patch("/api/staff/{id}", edit_staff)
    app.router.add_put("/api/staff/{id}/schedule", put_schedule)
    app.router.add_post("/api/staff/{id}/time-off", add_time_off)
    app.router.add_delete("/api/staff/{id}/time-off/{time_off_id}", remove_time_off)
    app.router.add_post("/api/staff/{id}/deactivate", deactivate)
    app.router.add_post("/api/staff/{id}/activate", activate)
