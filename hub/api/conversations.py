"""Console REST: the caller's conversations and one conversation's timeline."""

from __future__ import annotations

from aiohttp import web

from hub import conversations as queries
from hub.api.requests import principal
from hub.errors import InvalidInput
from hub.messages import conversation_payload, customer_summary, message_payload
from hub.services import services


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


async def get_conversation(request: web.Request) -> web.Response:
    who = await principal(request)
    raw_after = request.query.get("after_seq", "0")
    if not raw_after.isdigit():
        raise InvalidInput("after_seq", "after_seq must be a whole number ≥ 0")
    hub = services(request)
    async with hub.db.reading() as session:
        conversation = await queries.visible_conversation(session, who, request.match_info["id"])
        messages = await queries.messages_after(session, conversation.id, int(raw_after))
        channel = hub.inbox.outbound.get(conversation.channel)
        state = await channel.state(session, conversation, hub.clock()) if channel else None
    return web.json_response(
        {
            "conversation": conversation_payload(conversation),
            "customer": customer_summary(conversation.customer),
            "messages": [message_payload(m) for m in messages],
            "channel_state": state,
        }
    )
