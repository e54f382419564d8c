"""JSON Schemas of the administration API (``hub.api.store_admin``, ``channel_admin``,
``routing_admin``) for the OpenAPI document, as ``hub.admin_payloads`` and
``hub.routing_settings`` write them."""

from __future__ import annotations

from hub import routing_settings
from hub.openapi.schemas import (
    BOOLEAN,
    DATE_TIME,
    INTEGER,
    NUMBER,
    STRING,
    Schema,
    array,
    enum,
    nullable,
    obj,
)

HOURS_TEXT = {
    "type": ["string", "null"],
    "description": 'e.g. "Mon-Sat 10:00-19:00"; null: always open',
}
# The settings a new store may leave out; an edit may change any of STORE_FIELDS.
STORE_OPTIONAL: dict[str, Schema] = {
    "address": nullable(STRING),
    "hours": HOURS_TEXT,
    "region": nullable(STRING),
    "service_centre": BOOLEAN,
    "relax_language": BOOLEAN,
}
STORE_FIELDS: dict[str, Schema] = {
    "name": STRING,
    "timezone": {"type": "string", "description": "IANA time zone, e.g. Europe/Paris"},
    "country": {"type": "string", "description": "ISO 3166 code, e.g. FR"},
    "languages": array(STRING),
    **STORE_OPTIONAL,
}
ADMIN_STORE = obj(
    {
        "code": STRING,
        **STORE_FIELDS,
        "opening_hours": nullable({"type": "object", "additionalProperties": array(array(STRING))}),
        "created_at": DATE_TIME,
    }
)
# An appointment type as the API answers it is the body that saves one, plus its code.
TYPE_REQUIRED: dict[str, Schema] = {
    "name": STRING,
    "kind": enum("virtual", "in_store"),
    "duration_minutes": INTEGER,
}
TYPE_OPTIONAL: dict[str, Schema] = {
    "buffer_before_minutes": INTEGER,
    "buffer_after_minutes": INTEGER,
    "min_notice_minutes": INTEGER,
    "max_ahead_days": INTEGER,
    "languages": array(STRING),
    "skills": array(STRING),
    "active": BOOLEAN,
}
ADMIN_TYPE = obj({"code": STRING, **TYPE_REQUIRED, **TYPE_OPTIONAL})
TYPE_BODY = obj(TYPE_REQUIRED, TYPE_OPTIONAL, closed=True)
SPECIAL_HOURS = obj({"date": STRING, "hours": nullable(STRING), "note": nullable(STRING)})
NEW_STORE = obj(
    {
        "code": STRING,
        "name": STRING,
        "timezone": STRING,
        "country": STRING,
        "languages": array(STRING),
    },
    STORE_OPTIONAL,
    closed=True,
)
STORE_CHANGES = obj(optional=STORE_FIELDS, closed=True)
STORE_DETAIL = obj(
    {
        "store": ADMIN_STORE,
        "special_hours": array(SPECIAL_HOURS),
        "appointment_types": array(ADMIN_TYPE),
    }
)

WECHAT_SECRET_NAMES = enum("app_secret", "token", "aes_key")
WECHAT = obj(
    {
        "account": STRING,
        "app_id": STRING,
        "store": nullable(STRING),
        "created_at": DATE_TIME,
        "secrets_set": array(WECHAT_SECRET_NAMES),
    }
)
MAILBOX = obj({"address": STRING, "store": STRING, "created_at": DATE_TIME})
VOICE = obj(
    {
        "number": STRING,
        "provider": STRING,
        "store": STRING,
        "account_sid": STRING,
        "created_at": DATE_TIME,
        "secrets_set": array(enum("auth_token")),
    }
)
CHANNELS = obj({"wechat": array(WECHAT), "mailboxes": array(MAILBOX), "voice": array(VOICE)})
NEW_WECHAT = obj(
    {"account": STRING, "app_id": STRING, "app_secret": STRING, "token": STRING},
    {"aes_key": STRING, "store": nullable(STRING)},
    closed=True,
)
WECHAT_CHANGES = obj(
    optional={"store": nullable(STRING), "app_secret": STRING, "token": STRING, "aes_key": STRING},
    closed=True,
)
NEW_MAILBOX = obj({"address": STRING, "store": STRING}, closed=True)
NEW_VOICE = obj(
    {
        "provider": enum("twilio"),
        "number": STRING,
        "store": STRING,
        "account_sid": STRING,
        "auth_token": STRING,
    },
    closed=True,
)
VOICE_CHANGES = obj(optional={"store": STRING, "auth_token": STRING}, closed=True)

DURATION = {"type": "number", "minimum": 0}
WEIGHT = {"type": ["number", "null"], "description": "share of capacity; null: all of it"}
WEIGHTS = obj(dict.fromkeys(routing_settings.CHANNELS, WEIGHT))
# The fields are routing_settings' own, so that the document cannot miss one it takes.
ROUTING_VALUES = obj(
    {**dict.fromkeys(routing_settings.SECONDS, DURATION), "channel_weights": WEIGHTS}
)
ROUTING = obj(
    {
        "settings": ROUTING_VALUES,
        "defaults": ROUTING_VALUES,
        "updated_at": nullable(DATE_TIME),
        "updated_by": nullable(obj({"id": STRING, "name": STRING})),
    }
)
NULLABLE_NUMBER = nullable(NUMBER)
ROUTING_CHANGES = obj(
    optional={
        **dict.fromkeys(routing_settings.SECONDS, NULLABLE_NUMBER),
        "channel_weights": nullable(
            {
                "type": "object",
                "properties": dict.fromkeys(routing_settings.CHANNELS, WEIGHT),
                "additionalProperties": False,
            }
        ),
    },
    closed=True,
)
