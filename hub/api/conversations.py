"""Console REST: the caller's conversations and one conversation's timeline."""

from __future__ import annotations

from aiohttp import web

from hub import attention, conversation_search, feedback_records, search_terms
from hub import conversations as queries
from hub.api.attention_schemas import CLOSING, FOR_READER, LISTING
from hub.api.requests import principal
from hub.conversation_labels import MAX_TAG_LENGTH
from hub.errors import InvalidInput
from hub.messages import CHANNELS, conversation_payload, customer_summary, message_payload
from hub.openapi import Param, operation, ref
from hub.openapi.schemas import OBJECT, STRING, array, enum, nullable, obj, text
from hub.services import services

MAX_SEQ_DIGITS = 9


@operation(
    summary="The caller's conversations, or a search through their stores' conversations",
    tag="conversations",
    auth="staff",
    query={
        "status": Param(
            enum(*conversation_search.STATUSES),
            "which conversations; open by default, all when searching",
        ),
        "scope": Param(
            enum(*conversation_search.SCOPES), "stores: everyone's in the caller's stores"
        ),
        "q": Param(
            text(search_terms.MAX_QUERY),
            "search the name, e-mail, phone and messages (every status, the caller's stores)",
        ),
        "tag": Param(text(MAX_TAG_LENGTH), "only conversations with this tag"),
        "channel": Param(enum(*CHANNELS), "only this channel"),
        "store": Param(STRING, "only this store (code)"),
        "before": Param(STRING, "the next_before of the previous page"),
        "limit": Param(
            {"type": "string", "pattern": "^[0-9]{1,3}$"},
            f"at most this many (1-{conversation_search.MAX_LIMIT})",
        ),
    },
    responses={200: LISTING, 400: ref("Error"), 404: ref("Error")},
)
async def list_conversations(request: web.Request) -> web.Response:
    """Each conversation carries the caller's ``unread`` count and its ``tags``; a search
    (``q``) adds the ``snippet`` that matched."""
    who = await principal(request)
    filters = conversation_search.filters_from(request.query, who)
    async with services(request).db.reading() as session:
        page = await conversation_search.find(session, who, filters)
        found = page.conversations
        last = await queries.last_messages(session, found)
        extra = await attention.extras(session, who.id, [c.id for c in found])
        matched = await conversation_search.snippets(session, found, filters.q) if filters.q else {}
    listed = []
    for c in found:
        item = {**conversation_payload(c, last.get(c.id)), **extra[c.id]}
        if c.id in matched:
            item["snippet"] = matched[c.id]
        listed.append(item)
    return web.json_response({"conversations": listed, "next_before": page.next_before})


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
                    "allOf": [
                        ref("Conversation"),
                        CLOSING,
                        FOR_READER,
                        obj({"feedback": ref("ConversationFeedback")}),
                    ]
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
        extra = await attention.extras(session, who.id, [conversation.id])
    return web.json_response(
        {
            "conversation": {
                **conversation_payload(conversation),
                **extra[conversation.id],
                "feedback": feedback,
            },
            "customer": customer_summary(conversation.customer),
            "messages": [message_payload(m) for m in messages],
            "channel_state": state,
        }
    )
