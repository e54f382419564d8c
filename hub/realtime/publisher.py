"""Live events to browsers, sent after each commit: the hub's ConversationEvents and
the routing service's notifier, over socket.io rooms (which span processes with Redis)."""

from __future__ import annotations

import logging
from typing import Any

import socketio
from sqlalchemy import select

from hub.db.engine import Database
from hub.db.models import Conversation, Message, Staff
from hub.messages import conversation_payload, customer_summary, iso, message_payload
from hub.realtime.names import CONSOLE, SHOPPER, staff_room, visitor_room
from routing.model import OfferRecord, QueuePosition

log = logging.getLogger("hub.realtime")


class Publisher:
    def __init__(self, sio: socketio.AsyncServer, db: Database) -> None:
        self.sio = sio
        self.db = db

    async def _to_shopper(
        self, conversation: Conversation, event: str, data: Any, skip: str | None = None
    ) -> None:
        if conversation.channel == "webchat":
            await self.sio.emit(
                event, data, to=visitor_room(conversation.contact), namespace=SHOPPER, skip_sid=skip
            )

    async def _to_staff(
        self, staff_id: str | None, event: str, data: Any, skip: str | None = None
    ) -> None:
        if staff_id is not None:
            await self.sio.emit(
                event, data, to=staff_room(staff_id), namespace=CONSOLE, skip_sid=skip
            )

    # -- ConversationEvents -------------------------------------------------------------

    async def message_added(
        self, conversation: Conversation, message: Message, origin: str | None
    ) -> None:
        payload = message_payload(message)
        await self._to_shopper(conversation, "message", payload, origin)
        await self._to_staff(conversation.assigned_staff_id, "message", payload, origin)

    async def conversation_closed(self, conversation: Conversation) -> None:
        data = {"conversation_id": conversation.id}
        await self._to_shopper(conversation, "closed", data)
        await self._to_staff(conversation.assigned_staff_id, "closed", data)

    async def typing(
        self, conversation: Conversation, author: dict[str, Any], typing: bool, origin: str
    ) -> None:
        data = {"conversation_id": conversation.id, "typing": typing, "author": author}
        if author["kind"] == "customer":
            await self._to_staff(conversation.assigned_staff_id, "typing", data)
        else:
            await self._to_shopper(conversation, "typing", data)

    # -- RoutingNotifier ----------------------------------------------------------------

    async def _conversation(self, conversation_id: str) -> Conversation | None:
        async with self.db.reading() as session:
            return await session.get(Conversation, conversation_id)

    async def offered(self, offer: OfferRecord) -> None:
        conversation = await self._conversation(offer.conversation_id)
        if conversation is None:
            return
        await self._to_staff(
            offer.ambassador_id,
            "offer",
            {
                "offer_id": offer.id,
                "conversation": conversation_payload(conversation),
                "customer": customer_summary(conversation.customer),
                "expires_at": iso(offer.expires_at),
            },
        )

    async def revoked(self, offer: OfferRecord, reason: str) -> None:
        await self._to_staff(
            offer.ambassador_id, "offer_revoked", {"offer_id": offer.id, "reason": reason}
        )

    async def assigned(self, offer: OfferRecord) -> None:
        async with self.db.reading() as session:
            conversation = await session.get(Conversation, offer.conversation_id)
            staff = await session.get(Staff, offer.ambassador_id)
        if conversation is None or staff is None:
            return
        await self._to_shopper(conversation, "assigned", {"ambassador": {"name": staff.name}})
        await self._to_staff(
            staff.id,
            "assigned",
            {
                "conversation": conversation_payload(conversation),
                "ambassador": {"id": staff.id, "name": staff.name},
            },
        )

    async def queue_positions(self, positions: list[QueuePosition]) -> None:
        if not positions:
            return
        async with self.db.reading() as session:
            rows = await session.execute(
                select(Conversation.id, Conversation.contact).where(
                    Conversation.id.in_([p.conversation_id for p in positions]),
                    Conversation.channel == "webchat",
                )
            )
            contacts = dict(rows.tuples().all())
        for position in positions:
            contact = contacts.get(position.conversation_id)
            if contact is not None:
                await self.sio.emit(
                    "queue",
                    {"position": position.position, "eta_seconds": position.eta_seconds},
                    to=visitor_room(contact),
                    namespace=SHOPPER,
                )
