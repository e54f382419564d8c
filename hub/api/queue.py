"""Console REST for the live queue: managers see their stores' line and who is on duty;
everyone sees colleagues they can transfer to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select

from hub.api.requests import principal
from hub.db.models import Conversation, Staff, StaffStore, Store
from hub.errors import Forbidden
from hub.messages import conversation_payload, iso
from hub.openapi import errors, operation, ref
from hub.openapi.schemas import DATE_TIME, INTEGER, STRING, array, nullable, obj
from hub.services import services
from routing.model import Ambassador, Ticket


def _ambassador(a: Ambassador, names: dict[str, str]) -> dict[str, object]:
    return {
        "id": a.id,
        "name": names.get(a.id, a.profile.name),
        "presence": a.presence.value,
        "load": a.load,
        "capacity": a.profile.capacity,
    }


def _waiting(ticket: Ticket, conversation: Conversation | None, now: datetime) -> dict[str, Any]:
    return {
        "conversation": conversation_payload(conversation) if conversation else None,
        "conversation_id": ticket.conversation_id,
        "priority": ticket.priority,
        "queued_at": iso(ticket.enqueued_at),
        "waited_seconds": round((now - ticket.enqueued_at).total_seconds()),
    }


WAITING = obj(
    {
        "conversation": nullable(ref("Conversation")),
        "conversation_id": STRING,
        "priority": INTEGER,
        "queued_at": DATE_TIME,
        "waited_seconds": INTEGER,
    }
)
ON_DUTY = obj(
    {
        "id": STRING,
        "name": STRING,
        "presence": STRING,
        "load": {"type": "number"},
        "capacity": INTEGER,
    }
)


@operation(
    summary="The live queue of the manager's stores and who is on duty",
    tag="queue",
    auth="staff",
    responses={
        200: obj(
            {
                "stores": array(
                    obj(
                        {
                            "store": STRING,
                            "name": STRING,
                            "waiting": array(WAITING),
                            "longest_wait_seconds": INTEGER,
                            "ambassadors": array(ON_DUTY),
                        }
                    )
                )
            }
        ),
        **errors(403),
    },
)
async def live_queue(request: web.Request) -> web.Response:
    who = await principal(request)
    if not who.is_manager:
        raise Forbidden("the live queue is for store managers", code="not_manager")
    hub = services(request)
    now = hub.clock()
    result = []
    async with hub.db.reading() as session:
        stores = (await session.scalars(select(Store).where(Store.id.in_(who.store_ids)))).all()
        names = dict(
            (
                await session.execute(
                    select(Staff.id, Staff.name)
                    .join(StaffStore, StaffStore.staff_id == Staff.id)
                    .where(StaffStore.store_id.in_(who.store_ids))
                )
            )
            .tuples()
            .all()
        )
        for store in sorted(stores, key=lambda s: s.code):
            tickets, present = await hub.routing.board([store.id])
            conversations = {
                c.id: c
                for c in (
                    await session.scalars(
                        select(Conversation).where(
                            Conversation.id.in_([t.conversation_id for t in tickets])
                        )
                    )
                ).unique()
            }
            waiting = [_waiting(t, conversations.get(t.conversation_id), now) for t in tickets]
            longest = max((int(w["waited_seconds"]) for w in waiting), default=0)
            result.append(
                {
                    "store": store.code,
                    "name": store.name,
                    "waiting": waiting,
                    "longest_wait_seconds": longest,
                    "ambassadors": [_ambassador(a, names) for a in present],
                }
            )
    return web.json_response({"stores": result})


@operation(
    summary="Colleagues in the caller's stores with their presence, for transfers",
    tag="queue",
    auth="staff",
    responses={
        200: obj({"ambassadors": array(obj({"id": STRING, "name": STRING, "presence": STRING}))})
    },
)
async def colleagues(request: web.Request) -> web.Response:
    """Ambassadors of the caller's stores with their presence, for transfers."""
    who = await principal(request)
    hub = services(request)
    async with hub.db.reading() as session:
        rows = (
            await session.execute(
                select(Staff.id, Staff.name)
                .join(StaffStore, StaffStore.staff_id == Staff.id)
                .where(StaffStore.store_id.in_(who.store_ids), Staff.active)
                .distinct()
            )
        ).all()
    people = []
    for staff_id, name in sorted(rows, key=lambda r: r[1]):
        if staff_id != who.id:
            presence = await hub.routing.presence_of(staff_id)
            people.append({"id": staff_id, "name": name, "presence": presence.value})
    return web.json_response({"ambassadors": people})
