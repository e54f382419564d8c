"""The routing service's notifier in the hub: offers, revocations, assignments, queue
positions and forced presence, as socket events; requeues as system messages."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import select

from hub.callbacks import callback_of, callback_payload
from hub.db.engine import Database
from hub.db.models import Conversation
from hub.db.voice_models import CALLBACK_OPEN, VoiceCall
from hub.i18n import N_
from hub.messages import conversation_payload, customer_summary, iso, staff_summary
from hub.realtime.publisher import Publisher
from hub.shopper_texts import Wording
from routing.model import OfferRecord, Presence, QueuePosition, Ticket

HISTORY_ON_OFFER = 5
REQUEUE_NOTICE = N_(
    "Your ambassador has been disconnected. We are connecting you with another ambassador."
)


class SystemMessages(Protocol):
    """Whatever can write a system message into a conversation (the inbox)."""

    async def system_message(self, conversation_id: str, text: str | Wording) -> None: ...


class RoutingEvents:
    def __init__(self, publisher: Publisher, db: Database) -> None:
        self.publisher = publisher
        self.db = db
        self.system: SystemMessages | None = None  # set by the composition root

    async def _history(self, conversation: Conversation) -> list[dict[str, Any]]:
        """The customer's earlier conversations, so the ambassador sees who knows them."""
        async with self.db.reading() as session:
            earlier = (
                (
                    await session.scalars(
                        select(Conversation)
                        .where(
                            Conversation.customer_id == conversation.customer_id,
                            Conversation.id != conversation.id,
                        )
                        .order_by(Conversation.created_at.desc())
                        .limit(HISTORY_ON_OFFER)
                    )
                )
                .unique()
                .all()
            )
        return [
            {
                "conversation_id": c.id,
                "channel": c.channel,
                "store": c.store.code,
                "ambassador": staff_summary(c.assigned_staff),
                "created_at": iso(c.created_at),
                "status": c.status,
            }
            for c in earlier
        ]

    async def offered(self, offer: OfferRecord, ticket: Ticket) -> None:
        async with self.db.reading() as session:
            conversation = await session.get(Conversation, offer.conversation_id)
        if conversation is None:
            return
        await self.publisher.to_staff(
            offer.ambassador_id,
            "offer",
            {
                "offer_id": offer.id,
                "conversation": conversation_payload(conversation),
                "customer": customer_summary(conversation.customer),
                "expires_at": iso(offer.expires_at),
                "note": ticket.note,
                # Their own client, as opposed to a colleague handing the chat over by name.
                "preferred": conversation.customer.preferred_staff_id == offer.ambassador_id,
                "transfer": conversation.transfer_to_staff_id == offer.ambassador_id,
                "history": await self._history(conversation),
                "voice": await self._voice(conversation),
            },
        )

    async def _voice(self, conversation: Conversation) -> dict[str, Any] | None:
        """A callback's card, or the caller on the line (a screen pop), for a voice offer."""
        if conversation.channel != "voice":
            return None
        async with self.db.reading() as session:
            callback = await callback_of(session, conversation.id)
            ringing = await session.scalar(
                select(VoiceCall)
                .where(
                    VoiceCall.conversation_id == conversation.id,
                    VoiceCall.direction == "inbound",
                    VoiceCall.ended_at.is_(None),
                )
                .order_by(VoiceCall.created_at.desc())
                .limit(1)
            )
        return {
            "callback": (
                callback_payload(callback)
                if callback is not None and callback.status in CALLBACK_OPEN
                else None
            ),
            "call": (
                {"id": ringing.id, "from": ringing.from_number, "ringing": True}
                if ringing is not None
                else None
            ),
        }

    async def revoked(self, offer: OfferRecord, reason: str) -> None:
        await self.publisher.to_staff(
            offer.ambassador_id, "offer_revoked", {"offer_id": offer.id, "reason": reason}
        )

    async def assigned(self, offer: OfferRecord) -> None:
        async with self.db.reading() as session:
            conversation = await session.get(Conversation, offer.conversation_id)
        if conversation is not None:
            await self.publisher.announce_assignment(conversation)

    async def queue_positions(self, positions: list[QueuePosition]) -> None:
        if not positions:
            return
        async with self.db.reading() as session:
            rows = await session.execute(
                select(Conversation.id, Conversation.channel, Conversation.contact).where(
                    Conversation.id.in_([p.conversation_id for p in positions])
                )
            )
            found = {r.id: r for r in rows}
        for position in positions:
            row = found.get(position.conversation_id)
            if row is None:
                continue
            data: dict[str, Any] = {
                "position": position.position,
                "eta_seconds": position.eta_seconds,
            }
            if position.offline:
                data.update(offline=True, options=list(position.options))
            await self.publisher.to_contact(row.channel, row.contact, "queue", data)

    async def presence_changed(self, ambassador_id: str, presence: Presence, reason: str) -> None:
        await self.publisher.to_staff(
            ambassador_id, "presence", {"status": presence.value, "reason": reason}
        )

    async def requeued(self, tickets: list[Ticket]) -> None:
        if self.system is None:
            return
        for ticket in tickets:
            await self.system.system_message(
                ticket.conversation_id, lambda t: t.gettext(REQUEUE_NOTICE)
            )
