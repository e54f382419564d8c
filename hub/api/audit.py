"""``GET /api/audit``: the audit trail for managers and admins, newest first, keyset-paged.

Who reads which entries is ``hub.audit_view`` (and docs/staff-admin.md); this is the door.
"""

from __future__ import annotations

from aiohttp import web

from hub import audit_view, staff_access
from hub.api.requests import principal
from hub.openapi import Param, errors, operation
from hub.openapi.schemas import DATE_TIME, INTEGER, OBJECT, STRING, array, nullable, obj
from hub.services import services

ENTRY = obj(
    {
        "id": INTEGER,
        "at": DATE_TIME,
        "actor": obj({"kind": STRING, "id": nullable(STRING), "name": nullable(STRING)}),
        "action": STRING,
        "subject": obj({"type": STRING, "id": nullable(STRING)}),
        "data": OBJECT,
    }
)


@operation(
    summary="Audit entries within the caller's reach, newest first",
    tag="audit",
    auth="staff",
    query={
        "action": Param(STRING, "e.g. staff.deactivated"),
        "subject_type": Param(STRING, "e.g. staff, store, customer"),
        "subject_id": Param(STRING, "the record's id"),
        "actor_id": Param(STRING, "who did it (a staff member's id)"),
        "from": Param(DATE_TIME, "entries at or after this instant"),
        "to": Param(DATE_TIME, "entries before this instant"),
        "before": Param(INTEGER, "the previous page's next_before"),
        "limit": Param(
            INTEGER, f"1 to {audit_view.MAX_LIMIT}; {audit_view.DEFAULT_LIMIT} by default"
        ),
    },
    responses={
        200: obj({"entries": array(ENTRY), "next_before": nullable(INTEGER)}),
        **errors(400, 403),
    },
)
async def audit_log(request: web.Request) -> web.Response:
    who = await principal(request)
    staff_access.require_manager(who)
    hub = services(request)
    asked = audit_view.AuditQuery.parse(request.query)
    async with hub.db.reading() as session:
        entries, next_before = await audit_view.page(session, who, asked)
    return web.json_response({"entries": entries, "next_before": next_before})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/audit", audit_log)
