"""JSON Schemas of booking, the calendar and callbacks (``hub.api.booking``,
``hub.calendar``, ``hub.callbacks``), written with the helpers of ``schemas``."""

from __future__ import annotations

from hub.openapi.schemas import (
    BOOLEAN,
    DATE_TIME,
    INTEGER,
    STRING,
    Schema,
    array,
    enum,
    nullable,
    obj,
    ref,
)

APPOINTMENT_STATUS = enum("held", "booked", "completed", "no_show", "cancelled")
APPOINTMENT_KIND = enum("virtual", "in_store")

APPOINTMENT_TYPE = obj(
    {
        "code": STRING,
        "name": STRING,
        "kind": APPOINTMENT_KIND,
        "duration_minutes": INTEGER,
        "languages": array(STRING),
        "min_notice_minutes": INTEGER,
        "max_ahead_days": INTEGER,
    }
)
STORE = obj(
    {
        "code": STRING,
        "name": STRING,
        "timezone": {"type": "string", "description": "IANA time zone, e.g. Europe/Paris"},
        "country": STRING,
        "address": nullable(STRING),
        "languages": array(STRING),
    }
)
STORE_WITH_TYPES = {
    "allOf": [ref("Store"), obj({"appointment_types": array(ref("AppointmentType"))})]
}
SLOT = obj(
    {
        "start": {**DATE_TIME, "description": "with the store's UTC offset"},
        "end": DATE_TIME,
        "available": BOOLEAN,
    }
)
AVAILABILITY = obj({"store": ref("Store"), "type": ref("AppointmentType"), "slots": array(SLOT)})
HOLD = obj(
    {
        "hold_id": STRING,
        "hold_token": {"type": "string", "description": "releases or books the hold"},
        "start": DATE_TIME,
        "end": DATE_TIME,
        "expires_at": nullable(DATE_TIME),
        "expires_in_seconds": INTEGER,
    }
)
APPOINTMENT = obj(
    {
        "id": STRING,
        "status": APPOINTMENT_STATUS,
        "kind": APPOINTMENT_KIND,
        "start": DATE_TIME,
        "end": DATE_TIME,
        "store": ref("Store"),
        "type": ref("AppointmentType"),
        "ambassador": obj({"name": nullable(STRING)}),
        "language": nullable(STRING),
        "video_url": nullable(STRING),
        "address": nullable(STRING),
        "remind_by": nullable(STRING),
        "can_change": BOOLEAN,
    },
    description="An appointment as its manage link shows it to the shopper.",
)
BOOKED = {
    "allOf": [
        ref("Appointment"),
        obj(
            {
                "manage_token": {
                    "type": "string",
                    "description": "the only key to the appointment: keep it",
                },
                "manage_url": STRING,
            }
        ),
    ]
}
CALENDAR_APPOINTMENT = obj(
    {
        "id": STRING,
        "status": APPOINTMENT_STATUS,
        "kind": APPOINTMENT_KIND,
        "start": DATE_TIME,
        "end": DATE_TIME,
        "store": obj({"code": STRING, "name": STRING, "timezone": STRING}),
        "type": obj({"code": STRING, "name": STRING}),
        "ambassador": obj({"id": STRING, "name": nullable(STRING)}),
        "customer_id": nullable(STRING),
        "customer": nullable(obj({"id": STRING, "name": nullable(STRING)})),
        "contact": obj(
            {"name": nullable(STRING), "email": nullable(STRING), "phone": nullable(STRING)}
        ),
        "conversation_id": nullable(STRING),
        "video_url": nullable(STRING),
        "language": nullable(STRING),
    },
    description="An appointment as the console's calendar shows it.",
)
CALLBACK_WINDOW = obj({"start": DATE_TIME, "end": DATE_TIME, "timezone": STRING})
CALLBACK = obj(
    {
        "id": STRING,
        "phone": STRING,
        "name": nullable(STRING),
        "topic": nullable(STRING),
        "language": nullable(STRING),
        "window": nullable(ref("CallbackWindow")),
        "due_at": DATE_TIME,
        "attempts": INTEGER,
        "max_attempts": INTEGER,
        "status": STRING,
        "last_outcome": nullable(STRING),
        "source": STRING,
    }
)

COMPONENTS: dict[str, Schema] = {
    "AppointmentType": APPOINTMENT_TYPE,
    "Store": STORE,
    "StoreWithTypes": STORE_WITH_TYPES,
    "Availability": AVAILABILITY,
    "Hold": HOLD,
    "Appointment": APPOINTMENT,
    "BookedAppointment": BOOKED,
    "CalendarAppointment": CALENDAR_APPOINTMENT,
    "CallbackWindow": CALLBACK_WINDOW,
    "Callback": CALLBACK,
}
