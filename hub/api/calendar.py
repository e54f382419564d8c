"""Console REST for appointments: the calendar, how an appointment went, and proposing
times to a shopper from a conversation."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from hub import calendar
from hub.api.booking import booking_service, parse_instant
from hub.api.feedback import FEEDBACK
from hub.api.requests import json_body, principal
from hub.errors import InvalidInput
from hub.messages import message_payload
from hub.openapi import Param, errors, operation, ref
from hub.openapi.schemas import DATE_TIME, STRING, array, enum, obj
from hub.proposals import MAX_SLOTS, Proposals
from hub.services import services
from hub.stores import store_by_code

MAX_RANGE = timedelta(days=62)


@operation(
    summary="Appointments in the caller's stores over a time range",
    tag="calendar",
    auth="staff",
    query={
        "from": Param(DATE_TIME, "start, with an offset", required=True),
        "to": Param(DATE_TIME, "end, at most 62 days after from", required=True),
        "store": Param(STRING, "one of the caller's stores, by code"),
        "ambassador": Param(STRING, "one ambassador's id"),
    },
    responses={200: obj({"appointments": array(ref("CalendarAppointment"))}), **errors(400, 404)},
)
async def get_calendar(request: web.Request) -> web.Response:
    """``?from&to[&store][&ambassador]`` (ISO date-times with offsets)."""
    who = await principal(request)
    query = request.query
    start = parse_instant(query.get("from"), "from")
    end = parse_instant(query.get("to"), "to")
    if not start < end <= start + MAX_RANGE:
        raise InvalidInput("to", f"to must be after from, at most {MAX_RANGE.days} days later")
    hub = services(request)
    async with hub.db.reading() as session:
        store_id = None
        if query.get("store"):
            store = await store_by_code(session, query["store"])
            if not who.can_see_store(store.id):
                raise InvalidInput("store", "not one of your stores")
            store_id = store.id
        lines = await calendar.calendar(
            session,
            who,
            start,
            end,
            store_id=store_id,
            ambassador_id=query.get("ambassador") or None,
        )
    return web.json_response({"appointments": lines})


@operation(
    summary="Record how an appointment went, once it has started",
    tag="calendar",
    auth="staff",
    path={"id": "the appointment's id"},
    request=obj({"status": enum("completed", "no_show")}),
    responses={200: ref("CalendarAppointment"), **errors(409)},
    operation_id="record_appointment_outcome",
)
async def record_outcome(request: web.Request) -> web.Response:
    """POST ``{status: completed|no_show}`` once the appointment has started."""
    who = await principal(request)
    body = await json_body(request)
    hub = services(request)
    async with hub.db.transaction() as session:
        row = await calendar.visible_appointment(session, who, request.match_info["id"])
        await booking_service(request).mark(session, row, body.get("status"), who.id)
    if body.get("status") == "completed":  # how it went, asked once the mark is stored
        request.app[FEEDBACK].service.appointment_completed(row.id)
    async with hub.db.reading() as session:
        row = await calendar.visible_appointment(session, who, request.match_info["id"])
        (line,) = await calendar.lines_of(session, [row])
    return web.json_response(line)


PROPOSALS = web.AppKey("proposals", Proposals)


@operation(
    summary="Propose one to three free times to the shopper, in the chat",
    tag="calendar",
    auth="staff",
    path={"id": "the conversation's id"},
    request=obj(
        {
            "client_id": STRING,
            "type": STRING,
            "starts": {"type": "array", "items": DATE_TIME, "minItems": 1, "maxItems": MAX_SLOTS},
        }
    ),
    responses={201: ref("Message"), **errors(409)},
)
async def propose(request: web.Request) -> web.Response:
    """POST ``{client_id, type, starts: [ISO, ...]}``: offer 1-3 free times in the chat."""
    who = await principal(request)
    body = await json_body(request)
    starts = body.get("starts")
    if not isinstance(starts, list) or len(starts) > MAX_SLOTS:
        raise InvalidInput("starts", f"starts must be a list of at most {MAX_SLOTS} times")
    stored = await request.app[PROPOSALS].propose(
        who,
        request.match_info["id"],
        body.get("client_id"),
        body.get("type"),
        [parse_instant(value, "starts") for value in starts],
    )
    return web.json_response(message_payload(stored.message), status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/calendar", get_calendar)
    app.router.add_post("/api/appointments/{id}/outcome", record_outcome)
    app.router.add_post("/api/conversations/{id}/proposals", propose)
