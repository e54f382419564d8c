"""Live events to browsers, sent after each commit, over socket.io rooms (which span
processes with Redis). Conversation events live here; routing events in hub.routing_events."""

from __future__ import annotations

import logging
from typing import Any

import socketio

from hub.conversation_notes import is_staff_note
from hub.db.engine import Database
from hub.db.models import Conversation, Message
from hub.messages import conversation_payload, message_payload
from hub.realtime.names import CONSOLE, SHOPPER, customer_room, staff_room, visitor_room

log = logging.getLogger("hub.realtime")


class Publisher:
    def __init__(self, sio: socketio.AsyncServer, db: Database) -> None:
        self.sio = sio
        self.db = db

    # ``local``: only to this process's own sockets (``ignore_queue``), for an event every
    # web process sends itself (one read from the change feed): through Redis, each
    # client would get it once per process.

    async def to_contact(
        self,
        channel: str,
        contact: str,
        event: str,
        data: Any,
        skip: str | None = None,
        *,
        local: bool = False,
    ) -> None:
        """Live events reach web shoppers only; other channels get messages by delivery."""
        if channel == "webchat":
            await self.sio.emit(
                event,
                data,
                to=visitor_room(contact),
                namespace=SHOPPER,
                skip_sid=skip,
                ignore_queue=local,
            )

    async def to_shopper(
        self,
        conversation: Conversation,
        event: str,
        data: Any,
        skip: str | None = None,
        *,
        local: bool = False,
    ) -> None:
        await self.to_contact(
            conversation.channel, conversation.contact, event, data, skip, local=local
        )

    async def to_staff(
        self,
        staff_id: str | None,
        event: str,
        data: Any,
        skip: str | None = None,
        *,
        local: bool = False,
    ) -> None:
        if staff_id is not None:
            await self.sio.emit(
                event,
                data,
                to=staff_room(staff_id),
                namespace=CONSOLE,
                skip_sid=skip,
                ignore_queue=local,
            )

    async def customer_updated(self, customer_id: str) -> None:
        """Every console viewing this customer reloads the profile: change once, see it
        everywhere."""
        await self.sio.emit(
            "customer_updated",
            {"customer_id": customer_id},
            to=customer_room(customer_id),
            namespace=CONSOLE,
        )

    # -- ConversationEvents -------------------------------------------------------------

    async def message_added(
        self,
        conversation: Conversation,
        message: Message,
        origin: str | None,
        *,
        local: bool = False,
    ) -> None:
        payload = message_payload(message)
        if not is_staff_note(message):  # a note is for colleagues only
            await self.to_shopper(conversation, "message", payload, origin, local=local)
        await self.to_staff(conversation.assigned_staff_id, "message", payload, origin, local=local)

    async def conversation_closed(self, conversation: Conversation) -> None:
        data = {"conversation_id": conversation.id}
        await self.to_shopper(conversation, "closed", data)
        await self.to_staff(conversation.assigned_staff_id, "closed", data)

    async def typing(
        self, conversation: Conversation, author: dict[str, Any], typing: bool, origin: str
    ) -> None:
        data = {"conversation_id": conversation.id, "typing": typing, "author": author}
        if author["kind"] == "customer":
            await self.to_staff(conversation.assigned_staff_id, "typing", data)
        else:
            await self.to_shopper(conversation, "typing", data)

    async def announce_assignment(self, conversation: Conversation) -> None:
        """Tell the shopper who is with them, and the ambassador that the chat is theirs."""
        staff = conversation.assigned_staff
        if staff is None:
            return
        await self.to_shopper(conversation, "assigned", {"ambassador": {"name": staff.name}})
        await self.to_staff(
            staff.id,
            "assigned",
            {
                "conversation": conversation_payload(conversation),
                "ambassador": {"id": staff.id, "name": staff.name},
            },
        )
