"""Booking over HTTP: stores and their appointment types, free slots, holds, appointments,
and what a manage link can do (see, move, cancel, download the calendar file).

Shopper endpoints are anonymous, so rate-limited per address; an appointment is reached
only with its manage token (``Authorization: Bearer``; the calendar file also takes
``?token=`` because calendar apps cannot send headers). A conversation to link is a claim
proven by the visitor token of the shopper who owns it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub import validation
from hub.api.requests import bearer_token, client_address, json_body
from hub.booking_ics import calendar_file
from hub.bookings import (
    REMIND_CHANNELS,
    BookingRequest,
    BookingService,
    Contact,
    manage_url,
)
from hub.calendar import ambassador_name, local_iso
from hub.db.booking_models import Appointment
from hub.db.models import AppointmentType, Conversation, Store
from hub.errors import InvalidInput, NotFound, Unauthorized
from hub.i18n import texts
from hub.messages import iso
from hub.openapi import Param, errors, operation, ref
from hub.openapi.schemas import BOOLEAN, DATE_TIME, STRING, array, enum, nullable, obj, text
from hub.profiles.identity import EMAIL, PHONE, InvalidIdentity, normalise
from hub.security.tokens import ConversationProofs
from hub.services import Services, services
from hub.shopper_texts import appointment_language

MAX_WINDOW = timedelta(days=42)
BOOKING = web.AppKey("booking", BookingService)
APPOINTMENT_ID = {"id": "the appointment's id, from its manage link"}
# What the booking form and the widget send (``create_appointment`` reads each key).
NEW_APPOINTMENT = obj(
    {"store": STRING, "type": text(max_length=32), "start": DATE_TIME},
    {
        "customer": obj(
            {"name": text(max_length=200)},
            {"email": nullable(STRING), "phone": nullable(STRING)},
        ),
        "language": nullable(STRING),
        "ambassador": nullable(STRING),
        "remind_by": nullable(enum(*REMIND_CHANNELS)),
        "consent_reminders": BOOLEAN,
        "conversation_id": nullable(STRING),
        "visitor_token": nullable(STRING),
        "conversation_proof": nullable(STRING),
        "hold_id": nullable(STRING),
        "hold_token": nullable(STRING),
    },
)


def booking_service(request: web.Request) -> BookingService:
    return request.app[BOOKING]


def _hit(request: web.Request, what: str) -> Services:
    hub = services(request)
    hub.limits.anonymous.hit(f"{what}:{client_address(request)}")
    return hub


def parse_instant(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time with its offset: a time without a zone is ambiguous."""
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInput(field, f"{field} must be an ISO 8601 date-time with an offset")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field, f"{field} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise InvalidInput(field, f"{field} needs an offset, e.g. 2026-12-01T10:00:00+01:00")
    return moment


def _bound(value: str | None, field: str, zone: ZoneInfo, *, end: bool) -> datetime | None:
    """A date (the store's local day; ``to`` includes it) or a date-time with an offset."""
    if value is None or value == "":
        return None
    if len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(field, f"{field} is not a date (YYYY-MM-DD)") from None
        return datetime.combine(day + timedelta(days=1 if end else 0), time.min, zone)
    return parse_instant(value, field)


def type_payload(row: AppointmentType) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "duration_minutes": row.duration_minutes,
        "languages": row.languages or [],
        "min_notice_minutes": row.min_notice_minutes,
        "max_ahead_days": row.max_ahead_days,
    }


def store_payload(store: Store) -> dict[str, Any]:
    return {
        "code": store.code,
        "name": store.name,
        "timezone": store.timezone,
        "country": store.country,
        "address": store.address,
        "languages": store.languages,
    }


@operation(
    summary="The stores and their appointment types",
    tag="booking",
    limited=True,
    responses={200: array(ref("StoreWithTypes"))},
)
async def list_stores(request: web.Request) -> web.Response:
    hub = _hit(request, "stores")
    async with hub.db.reading() as session:
        stores = (
            await session.scalars(
                select(Store).options(selectinload(Store.appointment_types)).order_by(Store.code)
            )
        ).all()
        payload = [
            {
                **store_payload(store),
                "appointment_types": [
                    type_payload(kind) for kind in store.appointment_types if kind.active
                ],
            }
            for store in stores
        ]
    return web.json_response(payload)


@operation(
    summary="Free appointment times of a store",
    tag="booking",
    limited=True,
    query={
        "store": Param(STRING, "the store's code", required=True),
        "type": Param(STRING, "the appointment type's code", required=True),
        "from": Param(STRING, "a date (the store's day) or a date-time with an offset"),
        "to": Param(STRING, "a date (included) or a date-time; at most 42 days after from"),
        "ambassador": Param(STRING, "only this ambassador's times"),
        "language": Param(STRING, "only ambassadors who speak it"),
    },
    responses={200: ref("Availability"), **errors(400, 404)},
)
async def availability(request: web.Request) -> web.Response:
    """``?store&type&from&to[&ambassador][&language]`` → free starts in the store's zone."""
    hub = _hit(request, "availability")
    query = request.query
    store_code = validation.store_code(query.get("store"))
    type_code = query.get("type") or ""
    language = query.get("language") or None
    if language is not None:
        language = validation.language(language)
    service = booking_service(request)
    async with hub.db.reading() as session:
        store = await session.scalar(select(Store).where(Store.code == store_code))
    if store is None:
        raise NotFound(f"store {store_code} does not exist", code="unknown_store")
    zone = ZoneInfo(store.timezone)
    now = hub.clock()
    start = _bound(query.get("from"), "from", zone, end=False) or now
    end = _bound(query.get("to"), "to", zone, end=True) or start + timedelta(days=14)
    if end <= start:
        raise InvalidInput("to", "to must be after from")
    if end - start > MAX_WINDOW:
        raise InvalidInput("to", f"ask for at most {MAX_WINDOW.days} days at a time")
    data, slots = await service.availability(
        store_code,
        type_code,
        start,
        end,
        ambassador_id=query.get("ambassador") or None,
        language=language,
    )
    return web.json_response(
        {
            "store": store_payload(data.store),
            "type": type_payload(data.type_row),
            "slots": [
                {"start": s.start.isoformat(), "end": s.end.isoformat(), "available": s.available}
                for s in slots
            ],
        }
    )


@operation(
    summary="Hold a time while the shopper fills in the form",
    tag="booking",
    limited=True,
    request=obj(
        {"store": STRING, "type": text(max_length=32), "start": DATE_TIME},
        {"language": nullable(STRING)},
    ),
    responses={201: ref("Hold"), **errors(404, 409)},
)
async def create_hold(request: web.Request) -> web.Response:
    _hit(request, "holds")
    body = await json_body(request)
    placed = await booking_service(request).hold(
        validation.store_code(body.get("store")),
        _type_code(body.get("type")),
        parse_instant(body.get("start"), "start"),
        language=_language(body.get("language")),
    )
    row = placed.appointment
    return web.json_response(
        {
            "hold_id": row.id,
            "hold_token": placed.token,
            "start": local_iso(row, row.starts_at),
            "end": local_iso(row, row.ends_at),
            "expires_at": iso(row.hold_expires_at),
            # Clocks differ: a countdown from the server's own "how long" is honest.
            "expires_in_seconds": round(
                (row.hold_expires_at - services(request).clock()).total_seconds()
            )
            if row.hold_expires_at
            else 0,
        },
        status=201,
    )


@operation(
    summary="Let a held time go",
    tag="booking",
    limited=True,
    auth="manage",
    path={"id": "the hold's id"},
    responses={204: None, **errors(410)},
)
async def release_hold(request: web.Request) -> web.Response:
    _hit(request, "holds")
    await booking_service(request).release(request.match_info["id"], bearer_token(request))
    return web.Response(status=204)


def _type_code(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 32:
        raise InvalidInput("type", "type is required (an appointment type's code)")
    return value


def _language(value: Any) -> str | None:
    return None if value in (None, "") else validation.language(value)


def _contact(data: Any, country: str | None) -> Contact | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise InvalidInput("customer", "customer must be an object {name, email?, phone?}")
    name = validation.name(data.get("name"), "customer.name")
    found: dict[str, str | None] = {}
    for kind in (EMAIL, PHONE):
        raw = data.get(kind)
        if raw in (None, ""):
            found[kind] = None
            continue
        if not isinstance(raw, str):
            raise InvalidInput(f"customer.{kind}", f"{kind} must be text")
        try:
            found[kind] = normalise(kind, raw, default_region=country)
        except InvalidIdentity as exc:
            raise InvalidInput(f"customer.{kind}", str(exc)) from None
    if not found[EMAIL] and not found[PHONE]:
        raise InvalidInput("customer.email", "give an e-mail address or a phone number")
    return Contact(name=name, email=found[EMAIL], phone=found[PHONE])


async def _proven_conversation(request: web.Request, body: dict[str, Any]) -> str | None:
    """The conversation to link, when the visitor token shows the shopper owns it."""
    conversation_id = body.get("conversation_id")
    if conversation_id in (None, ""):
        return None
    hub = services(request)
    async with hub.db.reading() as session:
        conversation = (
            await session.get(Conversation, conversation_id)
            if isinstance(conversation_id, str) and len(conversation_id) <= 36
            else None
        )
    if conversation is None or not _proves(hub, conversation, body):
        raise NotFound("no such conversation", code="not_found")
    return conversation.id


def _proves(hub: Services, conversation: Conversation, body: dict[str, Any]) -> bool:
    """The web shopper's visitor token, or the proof a proposal link carried (WeChat)."""
    proof = body.get("conversation_proof")
    if proof is not None:
        return ConversationProofs(hub.settings.secret_key.reveal()).proves(
            conversation.id, proof, hub.clock()
        )
    try:
        return hub.tokens.verify(body.get("visitor_token")) == conversation.contact
    except Unauthorized:
        return False


@operation(
    summary="Book an appointment",
    tag="booking",
    limited=True,
    request=NEW_APPOINTMENT,
    responses={201: ref("BookedAppointment"), **errors(404, 409, 410)},
)
async def create_appointment(request: web.Request) -> web.Response:
    hub = _hit(request, "appointments")
    body = await json_body(request)
    store_code = validation.store_code(body.get("store"))
    async with hub.db.reading() as session:
        country = await session.scalar(select(Store.country).where(Store.code == store_code))
    conversation_id = await _proven_conversation(request, body)
    contact = _contact(body.get("customer"), country)
    if contact is None and conversation_id is None:
        raise InvalidInput("customer", "customer {name, email or phone} is required")
    remind_by = body.get("remind_by") or None
    if remind_by is not None and remind_by not in REMIND_CHANNELS:
        raise InvalidInput("remind_by", f"remind_by must be one of {', '.join(REMIND_CHANNELS)}")
    if remind_by in (EMAIL, PHONE) and (contact is None or not getattr(contact, remind_by)):
        raise InvalidInput("remind_by", f"give your {remind_by} to be reminded by {remind_by}")
    consent = body.get("consent_reminders", False)
    if not isinstance(consent, bool):
        raise InvalidInput("consent_reminders", "consent_reminders must be true or false")
    hold_id = body.get("hold_id")
    placed = await booking_service(request).book(
        BookingRequest(
            store=store_code,
            type=_type_code(body.get("type")),
            start=parse_instant(body.get("start"), "start"),
            contact=contact,
            language=_language(body.get("language")),
            ambassador_id=_optional_id(body.get("ambassador")),
            remind_by=remind_by,
            consent_reminders=consent,
            policy_version=hub.settings.privacy_policy_version,
            conversation_id=conversation_id,
            hold_id=hold_id if isinstance(hold_id, str) else None,
            hold_token=body.get("hold_token") if hold_id else None,
        )
    )
    payload = await appointment_payload(hub, placed.appointment)
    payload["manage_token"] = placed.token
    payload["manage_url"] = manage_url(hub.settings.public_url, placed.appointment.id, placed.token)
    return web.json_response(payload, status=201)


def _optional_id(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 36:
        raise InvalidInput("ambassador", "ambassador must be an ambassador's id")
    return value


async def appointment_payload(hub: Services, row: Appointment) -> dict[str, Any]:
    async with hub.db.reading() as session:
        ambassador = await ambassador_name(session, row)
    return {
        "id": row.id,
        "status": row.status,
        "kind": row.kind,
        "start": local_iso(row, row.starts_at),
        "end": local_iso(row, row.ends_at),
        "store": store_payload(row.store),
        "type": type_payload(row.type),
        "ambassador": {"name": ambassador},
        "language": row.language,
        "video_url": row.video_url,
        "address": row.store.address if row.kind == "in_store" else None,
        "remind_by": row.remind_by,
        "can_change": row.status == "booked" and row.starts_at > hub.clock(),
    }


@operation(
    summary="An appointment, seen through its manage link",
    tag="booking",
    limited=True,
    auth="manage",
    path=APPOINTMENT_ID,
    responses={200: ref("Appointment")},
)
async def get_appointment(request: web.Request) -> web.Response:
    hub = _hit(request, "manage")
    row = await booking_service(request).by_token(request.match_info["id"], bearer_token(request))
    return web.json_response(await appointment_payload(hub, row))


@operation(
    summary="Move an appointment to another time",
    tag="booking",
    limited=True,
    auth="manage",
    path=APPOINTMENT_ID,
    request=obj({"start": DATE_TIME}),
    responses={200: ref("Appointment"), **errors(409, 410)},
)
async def reschedule(request: web.Request) -> web.Response:
    hub = _hit(request, "manage")
    body = await json_body(request)
    placed = await booking_service(request).reschedule(
        request.match_info["id"], bearer_token(request), parse_instant(body.get("start"), "start")
    )
    return web.json_response(await appointment_payload(hub, placed.appointment))


@operation(
    summary="Cancel an appointment",
    tag="booking",
    limited=True,
    auth="manage",
    path=APPOINTMENT_ID,
    responses={200: ref("Appointment"), **errors(409, 410)},
)
async def cancel(request: web.Request) -> web.Response:
    hub = _hit(request, "manage")
    row = await booking_service(request).cancel(request.match_info["id"], bearer_token(request))
    return web.json_response(await appointment_payload(hub, row))


async def ics(request: web.Request) -> web.Response:
    hub = _hit(request, "manage")
    appointment_id = request.match_info["id"]
    token = bearer_token(request) or request.query.get("token")
    row = await booking_service(request).by_token(appointment_id, token)
    async with hub.db.reading() as session:
        ambassador = await ambassador_name(session, row)
        t = texts(await appointment_language(session, row))
    body = calendar_file(row, t, ambassador=ambassador, public_url=hub.settings.public_url)
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="appointment-{row.id}.ics"',
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/stores", list_stores)
    app.router.add_get("/api/availability", availability)
    app.router.add_post("/api/holds", create_hold)
    app.router.add_delete("/api/holds/{id}", release_hold)
    app.router.add_post("/api/appointments", create_appointment)
    app.router.add_get("/api/appointments/{id}", get_appointment)
    app.router.add_post("/api/appointments/{id}/reschedule", reschedule)
    app.router.add_post("/api/appointments/{id}/cancel", cancel)
    app.router.add_get("/appointments/{id}.ics", ics)
