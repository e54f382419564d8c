"""Console REST: the caller's conversations and one conversation's timeline."""

from __future__ import annotations

from aiohttp import web

from hub import conversations as queries
from hub import feedback_records
from hub.api.requests import principal
from hub.errors import InvalidInput
from hub.messages import conversation_payload, customer_summary, message_payload
from hub.openapi import Param, operation, ref
from hub.openapi.schemas import OBJECT, array, enum, nullable, obj
from hub.services import services

MAX_SEQ_DIGITS = 9


@operation(
    summary="The caller's conversations (or their stores', with scope=stores)",
    tag="conversations",
    auth="staff",
    query={
        "status": Param(enum(*queries.STATUS_FILTERS), "which conversations; open by default"),
        "scope": Param(enum("mine", "stores"), "stores: everyone's in the caller's stores"),
    },
    responses={200: obj({"conversations": array(ref("Conversation"))}), 400: ref("Error")},
)
async def list_conversations(request: web.Request) -> web.Response:
    who = await principal(request)
    status = request.query.get("status", "open")
    if status not in queries.STATUS_FILTERS:
        raise InvalidInput("status", f"status must be one of {', '.join(queries.STATUS_FILTERS)}")
    async with services(request).db.reading() as session:
        found = await queries.list_for(
            session, who, status, whole_stores=request.query.get("scope") == "stores"
        )
        last = await queries.last_messages(session, found)
    return web.json_response(
        {"conversations": [conversation_payload(c, last.get(c.id)) for c in found]}
    )


@operation(
    summary="One conversation's timeline across channels",
    tag="conversations",
    auth="staff",
    path={"id": "the conversation's id"},
    query={
        "after_seq": Param(
            {"type": "string", "pattern": f"^[0-9]{{1,{MAX_SEQ_DIGITS}}}$"},
            "only messages after this seq number",
        )
    },
    responses={
        200: obj(
            {
                "conversation": {
                    "allOf": [ref("Conversation"), obj({"feedback": ref("ConversationFeedback")})]
                },
                "customer": ref("CustomerSummary"),
                "messages": array(ref("Message")),
                "channel_state": nullable(OBJECT),
            }
        ),
        400: ref("Error"),
    },
)
async def get_conversation(request: web.Request) -> web.Response:
    who = await principal(request)
    raw_after = request.query.get("after_seq", "0")
    # ASCII digits only ("²" is a digit to str.isdigit, not to int), and few enough of
    # them for the database's integer column.
    if not (raw_after.isascii() and raw_after.isdigit()) or len(raw_after) > MAX_SEQ_DIGITS:
        raise InvalidInput("after_seq", "after_seq must be a whole number ≥ 0")
    hub = services(request)
    async with hub.db.reading() as session:
        conversation = await queries.visible_conversation(session, who, request.match_info["id"])
        messages = await queries.messages_after(session, conversation.id, int(raw_after))
        channel = hub.inbox.outbound.get(conversation.channel)
        state = await channel.state(session, conversation, hub.clock()) if channel else None
        feedback = await feedback_records.for_conversation(session, conversation.id)
    return web.json_response(
        {
            "conversation": {**conversation_payload(conversation), "feedback": feedback},
            "customer": customer_summary(conversation.customer),
            "messages": [message_payload(m) for m in messages],
            "channel_state": state,
        }
    )
