"""``POST /api/callbacks``: "call me back", from the shop page, the widget or a keypress;
and the console's record of each try.

The form is anonymous and public (CORS to the shop sites), so it is rate-limited per
client address and per number: a phone number is someone's, and nobody should be able
to make a boutique ring it all day. The number is what the shopper typed: a claim on
their profile, normalised to E.164 with the store's country as the default region.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from hub import validation
from hub.api.booking import parse_instant
from hub.api.requests import client_address, json_body, principal
from hub.callbacks import OUTCOMES, Callbacks, NewCallback, Requested, callback_payload
from hub.contact_details import parse_contact
from hub.db.models import Conversation, Store
from hub.errors import InvalidInput, Unauthorized
from hub.openapi import errors, operation, ref
from hub.openapi.schemas import DATE_TIME, STRING, enum, nullable, obj, text
from hub.profiles.identity import EMAIL, PHONE, VISITOR, Identity
from hub.services import Services, services
from hub.stores import store_for_channel
from routing.callback_policy import CallbackWindow

CALLBACKS = web.AppKey("callbacks", Callbacks)
FIELDS = frozenset(
    {
        "name",
        "phone",
        "email",
        "store",
        "preferred_time",
        "language",
        "topic",
        "consent",
        "client_id",
        "visitor_token",
    }
)
TOPIC_LIMIT = 1000
MAX_AHEAD = timedelta(days=30)
MIN_WINDOW = timedelta(minutes=15)
MAX_WINDOW = timedelta(hours=12)


CALLBACK_FORM = obj(
    {"phone": STRING, "consent": {"const": True, "description": "agrees to be called"}},
    {
        "name": nullable(text(max_length=200)),
        "email": nullable(STRING),
        "store": nullable(STRING),
        "preferred_time": {
            "anyOf": [
                {"type": "null"},
                enum("asap"),
                obj(
                    {"start": STRING, "end": STRING},
                    {"timezone": nullable(STRING)},
                    closed=True,
                    description="local times in timezone, or date-times with an offset",
                ),
            ]
        },
        "language": nullable(STRING),
        "topic": nullable(text(max_length=TOPIC_LIMIT)),
        "client_id": nullable(STRING),
        "visitor_token": nullable(STRING),
    },
    closed=True,
)
REQUESTED = obj(
    {
        "conversation_id": STRING,
        "callback_id": STRING,
        "status": STRING,
        "due_at": DATE_TIME,
        "window": nullable(ref("CallbackWindow")),
    }
)


def callbacks_of(request: web.Request) -> Callbacks:
    return request.app[CALLBACKS]


@operation(
    summary="Ask a store to call back",
    tag="callbacks",
    limited=True,
    request=CALLBACK_FORM,
    responses={201: REQUESTED, 200: REQUESTED, **errors(409)},
)
async def request_callback(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"callback:{client_address(request)}")
    body = await json_body(request)
    if not set(body) <= FIELDS:
        raise InvalidInput("body", f"the form takes {', '.join(sorted(FIELDS))}")
    if body.get("consent") is not True:
        raise InvalidInput("consent", "agree to be called at this number")
    store = await _store(hub, body.get("store"))
    now = hub.clock()
    details = parse_contact(
        {key: body[key] for key in ("name", "email", "phone") if key in body},
        country=store.country,
        now=now,
        policy_version=hub.settings.privacy_policy_version,
        source="callback_form",
        prefix="",
    )
    phone = next((c.value for c in details.claims if c.kind == PHONE), None)
    if phone is None:
        raise InvalidInput("phone", "give the number we should call")
    hub.limits.verification_mails.hit(f"callback:{phone}")
    visitor = _visitor(hub, body.get("visitor_token"))
    requested = await callbacks_of(request).request(
        NewCallback(
            phone=phone,
            store_code=store.code,
            window=_window(body.get("preferred_time"), store, now),
            source="widget" if visitor else "form",
            name=details.name,
            language=(validation.language(body["language"]) if body.get("language") else None),
            accept_language=request.headers.get("Accept-Language"),
            topic=_topic(body.get("topic")),
            email=next((c.value for c in details.claims if c.kind == EMAIL), None),
            client_key=validation.client_id(body.get("client_id") or secrets.token_hex(16)),
            proven=(Identity(VISITOR, visitor, verified=True),) if visitor else (),
            claimed=tuple(c for c in details.claims if c.kind != PHONE),
        )
    )
    return web.json_response(_answer(requested), status=200 if requested.duplicate else 201)


@operation(
    summary="Record how a callback try went",
    tag="callbacks",
    auth="staff",
    path={"id": "the callback's conversation id"},
    request=obj({"outcome": enum(*OUTCOMES)}, {"note": nullable(text(max_length=2000))}),
    responses={
        200: obj(
            {
                "callback": ref("Callback"),
                "conversation": obj({"id": STRING, "status": STRING}),
            }
        ),
        **errors(409),
    },
    operation_id="record_callback_outcome",
)
async def record_outcome(request: web.Request) -> web.Response:
    who = await principal(request)
    body = await json_body(request)
    callback = await callbacks_of(request).outcome(
        who, request.match_info["id"], body.get("outcome"), body.get("note")
    )
    async with services(request).db.reading() as session:
        conversation = await session.get(Conversation, callback.conversation_id)
    return web.json_response(
        {
            "callback": callback_payload(callback),
            "conversation": {
                "id": callback.conversation_id,
                "status": conversation.status if conversation is not None else "closed",
            },
        }
    )


def _answer(requested: Requested) -> dict[str, Any]:
    payload = callback_payload(requested.callback)
    return {
        "conversation_id": requested.conversation.id,
        "callback_id": requested.callback.id,
        "status": requested.callback.status,
        "due_at": payload["due_at"],
        "window": payload["window"],
    }


async def _store(hub: Services, code: Any) -> Store:
    named = validation.store_code(code) if code not in (None, "") else None
    async with hub.db.reading() as session:
        return await store_for_channel(session, named)


def _visitor(hub: Services, token: Any) -> str | None:
    """The widget's visitor, proven by their token: the callback joins their profile."""
    if token in (None, ""):
        return None
    try:
        return hub.tokens.verify(token)
    except Unauthorized:
        raise InvalidInput("visitor_token", "this visitor session has expired") from None


def _topic(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return validation.text(value, "topic", max_length=TOPIC_LIMIT)


def _window(value: Any, store: Store, now: datetime) -> CallbackWindow:
    """``"asap"`` (or nothing), or ``{start, end, timezone}``: local times in the
    shopper's zone, or instants with an offset."""
    if value in (None, "", "asap"):
        return CallbackWindow(timezone=store.timezone)
    if not isinstance(value, dict) or not set(value) <= {"start", "end", "timezone"}:
        raise InvalidInput("preferred_time", 'preferred_time is "asap" or {start, end, timezone}')
    zone_name = value.get("timezone") or store.timezone
    try:
        zone = ZoneInfo(str(zone_name)[:64])
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "preferred_time.timezone", "not a time zone, e.g. Europe/Paris"
        ) from None
    start = _local_instant(value.get("start"), zone, "preferred_time.start")
    end = _local_instant(value.get("end"), zone, "preferred_time.end")
    if end - start < MIN_WINDOW:
        raise InvalidInput("preferred_time.end", "the window must last at least 15 minutes")
    if end - start > MAX_WINDOW:
        raise InvalidInput("preferred_time.end", "the window may last at most 12 hours")
    if end <= now:
        raise InvalidInput("preferred_time.end", "this window has already passed")
    if start > now + MAX_AHEAD:
        raise InvalidInput("preferred_time.start", "choose a time within the next 30 days")
    return CallbackWindow(start=start, end=end, timezone=zone.key)


def _local_instant(value: Any, zone: ZoneInfo, field: str) -> datetime:
    """A date-time with an offset as is; a local one (``2026-11-26T18:00``) in ``zone``."""
    if isinstance(value, str) and len(value) <= 19 and "+" not in value and "Z" not in value:
        try:
            local = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(field, f"{field} is not a date-time like 2026-11-26T18:00") from None
        return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
    return parse_instant(value, field).astimezone(ZoneInfo("UTC"))


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/callbacks", request_callback)
    app.router.add_post("/api/conversations/{id}/callback-outcome", record_outcome)
