"""Clienteling over HTTP: my clients, their dates, follow-up tasks and outreach
(see docs/clienteling.md).

Thin: who is whose client is ``hub.clienteling``, tasks are ``hub.follow_up_tasks``, the
outreach rules ``hub.profiles.outreach_rules`` and sending ``hub.outreach``. Outreach is
rate-limited per ambassador: a burst for a morning's calls, then a steady trickle, so a
stuck script or a careless loop cannot spam a clientele.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from hub import clienteling, follow_up_tasks, outreach, outreach_options, validation
from hub.api.requests import json_body, principal, removed
from hub.client_dates import MAX_DAYS
from hub.customers import visible_customer
from hub.errors import InvalidInput
from hub.openapi import Param, errors, operation
from hub.openapi.schemas import (
    BOOLEAN,
    DATE_TIME,
    DECIMAL,
    INTEGER,
    STRING,
    array,
    enum,
    nullable,
    obj,
    text,
)
from hub.profiles.outreach_rules import OUTREACH_CHANNELS, OUTREACH_PURPOSES
from hub.security.ratelimit import TokenBucketLimiter
from hub.services import Services, services
from hub.staff import Principal

OUTREACH_LIMIT = web.AppKey("outreach_limit", TokenBucketLimiter)
OUTREACH_PER_MINUTE = 2
OUTREACH_BURST = 10
BODY_LIMIT = 64 * 1024

DAY: dict[str, Any] = {"type": "string", "format": "date"}
MONEY = {"type": "object", "additionalProperties": DECIMAL}
CLIENT = obj(
    {
        "id": STRING,
        "name": STRING,
        "tier": STRING,
        "home_store": nullable(STRING),
        "last_contact_at": nullable(DATE_TIME),
        "next_date": nullable(
            obj({"kind": enum("birthday", "anniversary"), "date": DAY, "in_days": INTEGER})
        ),
        "open_tasks": INTEGER,
        "lifetime_value": MONEY,
    }
)
DATE_ENTRY = obj(
    {
        "customer_id": STRING,
        "name": STRING,
        "kind": enum("birthday", "anniversary"),
        "date": DAY,
        "in_days": INTEGER,
        "years": nullable(INTEGER),
        "label": nullable(STRING),
    }
)
PERSON = obj({"id": STRING, "name": STRING})
TASK = obj(
    {
        "id": STRING,
        "customer": PERSON,
        "store": STRING,
        "assignee": PERSON,
        "created_by": nullable(PERSON),
        "title": STRING,
        "note": nullable(STRING),
        "due_on": DAY,
        "status": enum("open", "done"),
        "bucket": enum("overdue", "today", "upcoming", "done"),
        "done_at": nullable(DATE_TIME),
        "created_at": DATE_TIME,
        "updated_at": DATE_TIME,
    }
)
REASON = obj({"code": STRING, "message": STRING, "at": nullable(DATE_TIME)})
CHANNEL = obj(
    {
        "channel": enum(*OUTREACH_CHANNELS),
        "available": BOOLEAN,
        "address": nullable(STRING),
        "reason": nullable(REASON),
    }
)
AMBASSADOR = Param(STRING, "a manager: the clients of this colleague (of their stores)")
TASK_PATH = {"id": "the task's id"}
CUSTOMER_PATH = {"id": "the customer's id"}
FAILURES = errors(400, 403, 404)


def _days(raw: str | None) -> int:
    if raw is None or raw == "":
        return 30
    if not raw.isdigit() or not 0 <= int(raw) <= MAX_DAYS:
        raise InvalidInput("days", f"days must be a whole number from 0 to {MAX_DAYS}")
    return int(raw)


async def _whose(session: AsyncSession, who: Principal, request: web.Request) -> str:
    """Whose clients to list: the caller's, or (a manager) ``ambassador_id``'s."""
    raw = validation.query_text(request.query.get("ambassador_id"), "ambassador_id")
    return await clienteling.ambassador_of_list(session, who, raw)


def _one_of(raw: str | None, allowed: tuple[str, ...], field: str, default: str) -> str:
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        raise InvalidInput(field, f"{field} must be one of {', '.join(allowed)}")
    return raw


@operation(
    summary="My clients: the customers whose preferred ambassador is the caller",
    tag="clienteling",
    auth="staff",
    query={
        "q": Param(STRING, "name, e-mail, phone or customer number contains"),
        "store": Param(STRING, "only clients whose home store is this one (code)"),
        "ambassador_id": AMBASSADOR,
    },
    responses={200: obj({"clients": array(CLIENT)}), **FAILURES},
)
async def list_clients(request: web.Request) -> web.Response:
    """Within the caller's stores; erased and merged-away profiles are left out. Sorted by
    name; at most 500."""
    who = await principal(request)
    hub = services(request)
    q = validation.query_text(request.query.get("q"), "q")
    store = validation.query_text(request.query.get("store"), "store", 32)
    async with hub.db.reading() as session:
        whose = await _whose(session, who, request)
        found = await clienteling.clients(
            session,
            who,
            clienteling.ClientQuery(ambassador_id=whose, q=q, store_code=store),
            hub.clock(),
        )
    return web.json_response({"clients": found})


@operation(
    summary="My clients' birthdays and anniversaries in the coming days, soonest first",
    tag="clienteling",
    auth="staff",
    query={
        "days": Param(INTEGER, f"how far ahead, 0 (today) to {MAX_DAYS}; 30 by default"),
        "ambassador_id": AMBASSADOR,
    },
    responses={200: obj({"dates": array(DATE_ENTRY)}), **FAILURES},
)
async def list_dates(request: web.Request) -> web.Response:
    """Days are counted on each client's home store's calendar; 29 February falls on 28
    February in other years."""
    who = await principal(request)
    hub = services(request)
    days = _days(request.query.get("days"))
    async with hub.db.reading() as session:
        whose = await _whose(session, who, request)
        found = await clienteling.upcoming_dates(session, who, whose, days, hub.clock())
    return web.json_response({"dates": found})


@operation(
    summary="Follow-up tasks: mine, or (a manager) my stores'",
    tag="clienteling",
    auth="staff",
    query={
        "status": Param(enum(*follow_up_tasks.STATUSES), "open (default) or done"),
        "scope": Param(enum(*follow_up_tasks.SCOPES), "store: a manager's stores' tasks"),
        "customer_id": Param(STRING, "only this client's"),
        "due_before": Param(DAY, "only those due before this day"),
    },
    responses={200: obj({"tasks": array(TASK)}), **FAILURES},
)
async def list_tasks(request: web.Request) -> web.Response:
    """Open tasks soonest due first; done ones most recently done first. ``bucket`` says
    overdue, today or upcoming on the task's store's calendar."""
    who = await principal(request)
    hub = services(request)
    query = request.query
    due_before = query.get("due_before")
    wanted = follow_up_tasks.TaskFilter(
        status=_one_of(query.get("status"), follow_up_tasks.STATUSES, "status", "open"),
        scope=_one_of(query.get("scope"), follow_up_tasks.SCOPES, "scope", "mine"),
        customer_id=validation.query_text(query.get("customer_id"), "customer_id", 64),
        due_before=follow_up_tasks.parse_day(due_before, "due_before") if due_before else None,
    )
    async with hub.db.reading() as session:
        found = await follow_up_tasks.listing(session, who, wanted, hub.clock())
    return web.json_response({"tasks": found})


@operation(
    summary="A follow-up task about a client, due on a day",
    tag="clienteling",
    auth="staff",
    request=obj(
        {"customer_id": STRING, "title": text(max_length=200, min_length=1), "due_on": DAY},
        {"note": nullable(text(max_length=2000)), "assignee_id": nullable(STRING)},
        closed=True,
    ),
    responses={201: obj({"task": TASK}), **errors(400, 403, 404, 409)},
)
async def create_task(request: web.Request) -> web.Response:
    """Assigned to the caller unless ``assignee_id`` names a colleague of the task's store
    (the client's home store if the caller works there)."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, limit=BODY_LIMIT)
    async with hub.db.transaction() as session:
        task = await follow_up_tasks.create(session, who, body, hub.clock())
    return web.json_response({"task": task}, status=201)


@operation(
    summary="Change a task: title, note, due day, done, assignee",
    tag="clienteling",
    auth="staff",
    path=TASK_PATH,
    request=obj(
        {},
        {
            "title": text(max_length=200, min_length=1),
            "note": nullable(text(max_length=2000)),
            "due_on": DAY,
            "done": BOOLEAN,
            "assignee_id": STRING,
        },
        closed=True,
    ),
    responses={200: obj({"task": TASK}), **FAILURES},
)
async def edit_task(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, limit=BODY_LIMIT)
    async with hub.db.transaction() as session:
        task = await follow_up_tasks.update(
            session, who, request.match_info["id"], body, hub.clock()
        )
    return web.json_response({"task": task})


@operation(
    summary="Delete a task",
    tag="clienteling",
    auth="staff",
    path=TASK_PATH,
    responses={204: None, **FAILURES},
)
async def delete_task(request: web.Request) -> web.Response:
    return await removed(request, follow_up_tasks.remove, "id")


@operation(
    summary="Which channels may reach this client first, for a purpose, and why not",
    tag="clienteling",
    auth="staff",
    path=CUSTOMER_PATH,
    query={
        "purpose": Param(enum(*OUTREACH_PURPOSES), "service (default) or marketing"),
        "store": Param(STRING, "the store writing (code); the client's home store by default"),
    },
    responses={200: obj({"purpose": STRING, "channels": array(CHANNEL)}), **FAILURES},
)
async def outreach_channels(request: web.Request) -> web.Response:
    """The consent ledger decides per channel and purpose; addresses are masked."""
    who = await principal(request)
    hub = services(request)
    purpose = outreach_options.purpose_of(
        _one_of(request.query.get("purpose"), OUTREACH_PURPOSES, "purpose", "service")
    )
    async with hub.db.reading() as session:
        customer = await visible_customer(session, who, request.match_info["id"])
        code = validation.query_text(request.query.get("store"), "store", 32)
        store = await outreach_options.outreach_store(session, who, customer, code)
        found = await outreach_options.options(session, customer, store, purpose, hub.clock())
    return web.json_response(
        {"purpose": purpose, "channels": [outreach_options.option_payload(o) for o in found]}
    )


def _outreach(hub: Services) -> outreach.Outreach:
    return outreach.Outreach(hub.inbox, hub.routing, hub.publisher, hub.clock)


@operation(
    summary="Write first to a client on a consented channel: opens the conversation",
    tag="clienteling",
    auth="staff",
    path=CUSTOMER_PATH,
    request=obj(
        {
            "channel": enum(*OUTREACH_CHANNELS),
            "purpose": enum(*OUTREACH_PURPOSES),
            "text": text(min_length=1),
        },
        {"store": nullable(STRING), "task_id": nullable(STRING)},
        closed=True,
    ),
    responses={
        201: obj({"conversation_id": STRING, "message_id": STRING}),
        **errors(400, 403, 404, 409, 413, 429),
    },
)
async def send_outreach(request: web.Request) -> web.Response:
    """Refused with ``409`` and the rule's code (``no_consent``, ``consent_withdrawn``,
    ``wechat_window_closed``…) when the client may not be reached that way; checked again
    in the transaction that writes the message. The conversation is assigned to the caller
    and the message leaves through the channel's outbox."""
    who = await principal(request)
    hub = services(request)
    request.app[OUTREACH_LIMIT].hit(f"outreach:{who.id}")
    body = await json_body(request, limit=BODY_LIMIT)
    sent = await _outreach(hub).send(who, request.match_info["id"], body)
    return web.json_response(
        {"conversation_id": sent.conversation.id, "message_id": sent.message_id}, status=201
    )


def add_routes(app: web.Application) -> None:
    app[OUTREACH_LIMIT] = TokenBucketLimiter(per_minute=OUTREACH_PER_MINUTE, burst=OUTREACH_BURST)
    app.router.add_get("/api/clients", list_clients)
    app.router.add_get("/api/clients/dates", list_dates)
    app.router.add_get("/api/tasks", list_tasks)
    app.router.add_post("/api/tasks", create_task)
    app.router.add_patch("/api/tasks/{id}", edit_task)
    app.router.add_delete("/api/tasks/{id}", delete_task)
    app.router.add_get("/api/customers/{id}/outreach", outreach_channels)
    app.router.add_post("/api/customers/{id}/outreach", send_outreach)
