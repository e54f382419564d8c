"""JSON Schemas of the staff administration API (``hub.api.staff_admin``), for the OpenAPI
document: an account as ``hub.staff_payloads`` writes it, one person's calendar, and the
fields a ``PATCH`` may change."""

from __future__ import annotations

from hub.openapi.schemas import (
    BOOLEAN,
    DATE_TIME,
    INTEGER,
    OBJECT,
    STRING,
    Schema,
    array,
    enum,
    nullable,
    obj,
)

ROLE = enum("ambassador", "manager", "admin")
# What a manager may change on an account besides its name (the e-mail is the sign-in).
PROFILE: dict[str, Schema] = {
    "role": ROLE,
    "stores": array(STRING),
    "languages": array(STRING),
    "skills": array(STRING),
    "capacity": INTEGER,
    "phone": nullable(STRING),
}
ACCOUNT = obj(
    {
        "id": STRING,
        "name": STRING,
        "email": STRING,
        **PROFILE,
        "active": BOOLEAN,
        "status": enum("active", "invited", "deactivated"),
        "created_at": DATE_TIME,
        "invitation": nullable(
            obj({"sent_at": DATE_TIME, "expires_at": DATE_TIME, "expired": BOOLEAN})
        ),
    }
)
TIME_OFF = obj({"id": STRING, "from": DATE_TIME, "to": DATE_TIME, "reason": nullable(STRING)})
DETAIL = obj(
    {
        "staff": ACCOUNT,
        "schedules": array(obj({"store": STRING, "hours": nullable(OBJECT)})),
        "time_off": array(TIME_OFF),
    }
)
CHANGES = obj(optional={"name": STRING, **PROFILE}, closed=True)
