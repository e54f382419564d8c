"""JSON Schemas of what the handlers return, as Python dicts (OpenAPI 3.1 is JSON Schema
2020-12), with the helpers that write them briefly.

Shapes follow the payload builders they describe (``hub.messages``, ``hub.customers``,
``hub.staff``): a key those always write is required; a value that can be missing in the
database is nullable. Response objects stay open (``additionalProperties`` allowed) so
that adding a field is not a breaking change; request bodies the handlers check key by
key are closed.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
OBJECT: Schema = {"type": "object"}
# Money as the database holds it: a decimal written out, never a float.
DECIMAL: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def errors(*statuses: int) -> dict[int, Schema]:
    """Responses with the Error body, for a declaration's ``responses``."""
    return {status: ref("Error") for status in statuses}


def nullable(schema: Schema) -> Schema:
    """The schema, or JSON ``null``."""
    kind = schema.get("type")
    if isinstance(kind, str) and set(schema) <= {"type", "format", "pattern", "enum"}:
        widened = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            widened["enum"] = [*schema["enum"], None]
        return widened
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def enum(*values: str) -> Schema:
    return {"type": "string", "enum": list(values)}


def obj(
    required: dict[str, Schema] | None = None,
    optional: dict[str, Schema] | None = None,
    *,
    closed: bool = False,
    description: str | None = None,
) -> Schema:
    """An object with ``required`` keys always present and ``optional`` ones maybe."""
    properties = {**(required or {}), **(optional or {})}
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def text(max_length: int | None = None, min_length: int | None = None) -> Schema:
    schema: Schema = {"type": "string"}
    if min_length is not None:
        schema["minLength"] = min_length
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


ERROR = obj(
    {
        "error": obj(
            {"code": STRING, "message": STRING},
            {
                "field": {"type": "string", "description": "the input that was refused"},
                "retry_after": {"type": "number", "description": "seconds, with a 429"},
            },
        )
    },
    description="Every failure: a stable code for programs and a message for people.",
)

STAFF = obj(
    {
        "id": STRING,
        "name": STRING,
        "email": STRING,
        "role": enum("ambassador", "manager", "admin"),
        "stores": array(STRING),
        "languages": array(STRING),
        "capacity": INTEGER,
        "skills": array(STRING),
    }
)
PERSON = obj({"id": STRING, "name": STRING})  # a staff member named in a payload
AUTHOR = obj(
    {"kind": enum("customer", "ambassador", "system"), "name": nullable(STRING)},
)
MESSAGE = obj(
    {
        "id": STRING,
        "conversation_id": STRING,
        "seq": {"type": "integer", "minimum": 1},
        "channel": STRING,
        "author": ref("Author"),
        "text": STRING,
        "created_at": DATE_TIME,
    },
    {
        "data": OBJECT,
        "delivery": obj({"status": STRING, "error": nullable(STRING)}),
    },
)
CUSTOMER_SUMMARY = obj({"id": STRING, "name": STRING, "tier": STRING})
CONVERSATION = obj(
    {
        "id": STRING,
        "channel": STRING,
        "store": STRING,
        "status": STRING,
        "language": nullable(STRING),
        "customer": ref("CustomerSummary"),
        "assigned_to": nullable(ref("Person")),
        "last_seq": INTEGER,
        "last_message": nullable(
            obj({"text": STRING, "created_at": DATE_TIME, "author": ref("Author")})
        ),
        "created_at": DATE_TIME,
        "updated_at": nullable(DATE_TIME),
    }
)
IDENTITY = obj({"id": STRING, "kind": STRING, "value": STRING, "verified": BOOLEAN})
CUSTOMER_FOUND = obj(
    {"id": STRING, "name": STRING, "tier": STRING, "identities": array(ref("Identity"))}
)
CONSENT = obj(
    {
        "channel": STRING,
        "purpose": STRING,
        "granted": BOOLEAN,
        "at": DATE_TIME,
        "source": STRING,
        "policy_version": STRING,
    }
)
PURCHASE = obj(
    {
        "id": STRING,
        "store_id": STRING,
        "transaction_id": STRING,
        "line_no": INTEGER,
        "purchased_at": DATE_TIME,
        "sku": nullable(STRING),
        "description": nullable(STRING),
        "category": nullable(STRING),
        "stone": obj(
            {
                "carat": nullable(DECIMAL),
                "colour": nullable(STRING),
                "clarity": nullable(STRING),
                "cut": nullable(STRING),
            }
        ),
        "metal": nullable(STRING),
        "quantity": INTEGER,
        "unit_price": DECIMAL,
        "currency": STRING,
        "ambassador_id": nullable(STRING),
        "conversation_id": nullable(STRING),
    }
)
NOTE = obj(
    {
        "id": STRING,
        "text": STRING,
        "staff_id": nullable(STRING),
        "author": nullable(STRING),
        "created_at": DATE_TIME,
    }
)
CONVERSATION_LINE = obj(
    {
        "id": STRING,
        "channel": STRING,
        "store": STRING,
        "status": STRING,
        "ambassador": nullable(ref("Person")),
        "created_at": DATE_TIME,
        "closed_at": nullable(DATE_TIME),
    }
)
LIFETIME_VALUE = {
    "type": "object",
    "additionalProperties": DECIMAL,
    "description": 'Spent per ISO 4217 currency, e.g. {"EUR": "12500.00"}',
}
CUSTOMER = obj(
    {
        "id": STRING,
        "name": STRING,
        "tier": STRING,
        "identities": array(ref("Identity")),
        "tier_source": STRING,
        "consents": array(ref("Consent")),
        "preferences": OBJECT,
        "preferred_ambassador": nullable(ref("Person")),
        "purchases": array(ref("Purchase")),
        "lifetime_value": LIFETIME_VALUE,
        "conversations": array(ref("ConversationLine")),
        "appointments": array(ref("CalendarAppointment")),
        "notes": array(ref("Note")),
        "merge_candidates": array(obj({"customer": ref("CustomerFound"), "reason": STRING})),
        "created_at": DATE_TIME,
        "erased": BOOLEAN,
    },
    description="A customer's profile as the console shows it.",
)
FEEDBACK_ANSWER = obj(
    {
        "score": INTEGER,
        "scale": {"type": "array", "items": INTEGER, "minItems": 2, "maxItems": 2},
        "comment": nullable(STRING),
        "answered_at": DATE_TIME,
    }
)
CONVERSATION_FEEDBACK = obj(
    {
        "csat": nullable(ref("FeedbackAnswer")),
        "csat_asked": BOOLEAN,
        "nps": nullable(ref("FeedbackAnswer")),
    },
    description="The conversation's satisfaction rating and its appointment's NPS, if given.",
)
EXPORT = obj(
    {
        "exported_at": DATE_TIME,
        "customer": obj(
            {
                "id": STRING,
                "name": nullable(STRING),
                "tier": STRING,
                "preferences": nullable(OBJECT),
                "created_at": DATE_TIME,
            }
        ),
        "identities": array(ref("Identity")),
        "consent_ledger": array(
            obj(
                {
                    "channel": STRING,
                    "purpose": STRING,
                    "granted": BOOLEAN,
                    "source": STRING,
                    "policy_version": STRING,
                    "at": DATE_TIME,
                }
            )
        ),
        "purchases": array(ref("Purchase")),
        "conversations": array(
            {"allOf": [ref("ConversationLine"), obj({"messages": array(ref("Message"))})]}
        ),
        "appointments": array(ref("CalendarAppointment")),
        "notes": array(ref("Note")),
    },
    description="Everything the hub holds about one person (a data-subject access request).",
)

COMPONENTS: dict[str, Schema] = {
    "Error": ERROR,
    "Staff": STAFF,
    "Person": PERSON,
    "Author": AUTHOR,
    "Message": MESSAGE,
    "CustomerSummary": CUSTOMER_SUMMARY,
    "Conversation": CONVERSATION,
    "Identity": IDENTITY,
    "CustomerFound": CUSTOMER_FOUND,
    "Consent": CONSENT,
    "Purchase": PURCHASE,
    "Note": NOTE,
    "ConversationLine": CONVERSATION_LINE,
    "Customer": CUSTOMER,
    "CustomerExport": EXPORT,
    "FeedbackAnswer": FEEDBACK_ANSWER,
    "ConversationFeedback": CONVERSATION_FEEDBACK,
}
