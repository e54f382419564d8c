"""JSON Schemas of the attention answers: conversations as the console lists them, tags,
suggestions and the search snippet (shapes of ``hub.attention`` and
``hub.conversation_search``)."""

from __future__ import annotations

from hub.conversation_labels import MAX_TAG_LENGTH, MAX_TAGS, OUTCOMES
from hub.openapi.schemas import INTEGER, STRING, Schema, array, enum, nullable, obj, ref

TAG: Schema = {"type": "string", "maxLength": MAX_TAG_LENGTH}
TAGS: Schema = {**array(TAG), "maxItems": MAX_TAGS}
OUTCOME: Schema = nullable(enum(*OUTCOMES))
SNIPPET = obj(
    {
        "source": enum("message", "name", "email", "phone"),
        "text": STRING,
        "seq": nullable(INTEGER),
    },
    description="Where the search matched: the newest matching message, else the profile.",
)
# What every console payload of a conversation now carries (hub.messages).
CLOSING = obj({"outcome": OUTCOME, "outcome_note": nullable(STRING), "closed_by": nullable(STRING)})
FOR_READER = obj(
    {"unread": {"type": "integer", "minimum": 0}, "tags": TAGS},
    description="unread: the caller's unread customer messages; tags: the conversation's.",
)
LISTED = {"allOf": [ref("Conversation"), CLOSING, FOR_READER, obj(optional={"snippet": SNIPPET})]}
LISTING = obj({"conversations": array(LISTED), "next_before": nullable(STRING)})
SUGGESTIONS = obj({"tags": array(obj({"tag": TAG, "count": INTEGER}))})
