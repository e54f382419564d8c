"""The routing service's durable side over the hub's database: tickets, work, offers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db.engine import Database
from hub.db.models import Conversation, Offer, Staff
from hub.errors import Conflict, NotFound
from hub.routing_config import routing_stores
from routing.config import FRONT_OF_QUEUE
from routing.model import OfferRecord, StoreInfo, Ticket
from routing.ports import Work


def _record(offer: Offer, queued_at: datetime | None = None) -> OfferRecord:
    return OfferRecord(
        id=offer.id,
        conversation_id=offer.conversation_id,
        ambassador_id=offer.staff_id,
        expires_at=offer.expires_at,
        queued_at=queued_at,
    )


async def known_ambassadors(
    session: AsyncSession, customer_ids: Sequence[str]
) -> dict[str, frozenset[str]]:
    """Who has already served each customer, for "someone who knows them" first."""
    rows = await session.execute(
        select(Conversation.customer_id, Conversation.assigned_staff_id)
        .where(
            Conversation.customer_id.in_(customer_ids),
            Conversation.assigned_staff_id.is_not(None),
        )
        .distinct()
    )
    known: dict[str, set[str]] = {}
    for customer_id, staff_id in rows:
        if staff_id is not None:
            known.setdefault(customer_id, set()).add(staff_id)
    return {k: frozenset(v) for k, v in known.items()}


def ticket_of(
    conversation: Conversation, known: frozenset[str], last_offered_to: str | None = None
) -> Ticket:
    assert conversation.queued_at is not None
    return Ticket(
        conversation_id=conversation.id,
        store_id=conversation.store_id,
        enqueued_at=conversation.queued_at,
        channel=conversation.channel,
        language=conversation.language,
        required_skills=frozenset(conversation.required_skills or ()),
        optional_skills=frozenset(conversation.optional_skills or ()),
        priority=conversation.priority,
        preferred_ambassador_id=(
            conversation.transfer_to_staff_id or conversation.customer.preferred_staff_id
        ),
        known_ambassador_ids=known,
        last_offered_to=last_offered_to,
        note=conversation.transfer_note,
    )


async def tickets_for(session: AsyncSession, conversations: Sequence[Conversation]) -> list[Ticket]:
    if not conversations:
        return []
    known = await known_ambassadors(session, [c.customer_id for c in conversations])
    last = await _last_passed(session, [c.id for c in conversations])
    return [
        ticket_of(c, known.get(c.customer_id, frozenset()), last.get(c.id)) for c in conversations
    ]


async def _last_passed(session: AsyncSession, conversation_ids: list[str]) -> dict[str, str]:
    """The ambassador of each conversation's latest unanswered offer (not asked twice in a row)."""
    rows = await session.execute(
        select(Offer.conversation_id, Offer.staff_id, Offer.status)
        .where(Offer.conversation_id.in_(conversation_ids))
        .order_by(Offer.created_at)
    )
    last: dict[str, str] = {}
    for conversation_id, staff_id, status in rows:
        if status in ("declined", "expired"):
            last[conversation_id] = staff_id
        else:
            last.pop(conversation_id, None)
    return last


class SqlRoutingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def queued_tickets(self, conversation_ids: Collection[str] | None = None) -> list[Ticket]:
        query = select(Conversation).where(Conversation.status == "queued")
        if conversation_ids is not None:
            query = query.where(Conversation.id.in_(list(conversation_ids)))
        async with self.db.reading() as session:
            conversations = (
                (await session.scalars(query.order_by(Conversation.queued_at))).unique().all()
            )
            return await tickets_for(session, conversations)

    async def queued_ids(self, queued_before: datetime | None = None) -> list[str]:
        """Ids only, on the (status, queued_at) index: every process runs this every few
        seconds to find conversations routing never heard of."""
        query = select(Conversation.id).where(Conversation.status == "queued")
        if queued_before is not None:
            query = query.where(Conversation.queued_at < queued_before)
        async with self.db.reading() as session:
            return list((await session.scalars(query.order_by(Conversation.queued_at))).all())

    async def conversation_status(self, conversation_id: str) -> str | None:
        async with self.db.reading() as session:
            return await session.scalar(
                select(Conversation.status).where(Conversation.id == conversation_id)
            )

    async def stores(self) -> list[StoreInfo]:
        async with self.db.reading() as session:
            return await routing_stores(session)

    async def open_work(self, ambassador_id: str | None) -> list[Work]:
        query = (
            select(
                Conversation.id,
                Conversation.assigned_staff_id,
                Conversation.channel,
                Staff.capacity,
            )
            .join(Staff, Staff.id == Conversation.assigned_staff_id)
            .where(Conversation.status == "assigned")
        )
        if ambassador_id is not None:
            query = query.where(Conversation.assigned_staff_id == ambassador_id)
        async with self.db.reading() as session:
            rows = (await session.execute(query)).all()
        return [Work(r[0], r[1], r[2], float(r[3])) for r in rows if r[1] is not None]

    async def open_offer(
        self, ticket: Ticket, ambassador_id: str, now: datetime, expires_at: datetime
    ) -> OfferRecord | None:
        async with self.db.transaction() as session:
            claimed = await session.execute(
                update(Conversation)
                .where(Conversation.id == ticket.conversation_id, Conversation.status == "queued")
                .values(status="offered", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            offer = Offer(
                conversation_id=ticket.conversation_id,
                staff_id=ambassador_id,
                status="pending",
                created_at=now,
                expires_at=expires_at,
            )
            session.add(offer)
        return _record(offer, ticket.enqueued_at)

    async def _pending_offer(
        self, session: AsyncSession, offer_id: str, ambassador_id: str
    ) -> Offer:
        offer = await session.get(Offer, offer_id, with_for_update=True)
        if offer is None or offer.staff_id != ambassador_id:
            raise NotFound("offer not found", code="offer_not_found")
        if offer.status != "pending":
            raise Conflict("this offer is no longer open", code=f"offer_{offer.status}")
        return offer

    async def accept(self, offer_id: str, ambassador_id: str, now: datetime) -> OfferRecord:
        async with self.db.transaction() as session:
            offer = await self._pending_offer(session, offer_id, ambassador_id)
            if offer.expires_at <= now:
                raise Conflict("this offer has expired", code="offer_expired")
            conversation = await session.get(Conversation, offer.conversation_id)
            if conversation is None or conversation.status != "offered":
                raise Conflict("this conversation has moved on", code="offer_revoked")
            offer.status = "accepted"
            offer.resolved_at = now
            conversation.status = "assigned"
            conversation.assigned_staff_id = ambassador_id
            conversation.assigned_at = now
            conversation.updated_at = now
            conversation.transfer_note = None
            conversation.transfer_to_staff_id = None
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=ambassador_id,
                action="conversation.assigned",
                subject_type="conversation",
                subject_id=conversation.id,
                offer_id=offer.id,
            )
            return _record(offer, conversation.queued_at)

    async def decline(self, offer_id: str, ambassador_id: str, now: datetime) -> OfferRecord:
        async with self.db.transaction() as session:
            offer = await self._pending_offer(session, offer_id, ambassador_id)
            await _requeue(session, [offer], "declined", now)
            return _record(offer)

    async def expire(self, offer_id: str, now: datetime) -> OfferRecord | None:
        async with self.db.transaction() as session:
            offer = await session.get(Offer, offer_id, with_for_update=True)
            if offer is None or offer.status != "pending" or offer.expires_at > now:
                return None
            await _requeue(session, [offer], "expired", now)
            return _record(offer)

    async def revoke_pending(self, ambassador_id: str | None, now: datetime) -> list[OfferRecord]:
        async with self.db.transaction() as session:
            query = select(Offer).where(Offer.status == "pending").with_for_update()
            if ambassador_id is not None:
                query = query.where(Offer.staff_id == ambassador_id)
            offers = (await session.scalars(query)).all()
            await _requeue(session, offers, "revoked", now)
            return [_record(o) for o in offers]

    async def revoke_offer_for(self, conversation_id: str, now: datetime) -> OfferRecord | None:
        async with self.db.transaction() as session:
            offer = await session.scalar(
                select(Offer)
                .where(Offer.conversation_id == conversation_id, Offer.status == "pending")
                .with_for_update()
            )
            if offer is None:
                return None
            await _requeue(session, [offer], "revoked", now)
            return _record(offer)

    async def revoke_offer(self, offer_id: str, now: datetime) -> OfferRecord | None:
        async with self.db.transaction() as session:
            offer = await session.get(Offer, offer_id, with_for_update=True)
            if offer is None or offer.status != "pending":
                return None
            await _requeue(session, [offer], "revoked", now)
            return _record(offer)

    async def requeue_work(self, ambassador_id: str, now: datetime) -> list[Ticket]:
        async with self.db.transaction() as session:
            conversations = (
                (
                    await session.scalars(
                        select(Conversation)
                        .where(
                            Conversation.assigned_staff_id == ambassador_id,
                            Conversation.status == "assigned",
                        )
                        .with_for_update(of=Conversation)
                    )
                )
                .unique()
                .all()
            )
            for conversation in conversations:
                conversation.status = "queued"
                conversation.assigned_staff_id = None
                conversation.priority = FRONT_OF_QUEUE
                conversation.queued_at = now
                conversation.updated_at = now
                audit.record(
                    session,
                    at=now,
                    actor_kind="system",
                    actor_id=None,
                    action="conversation.requeued",
                    subject_type="conversation",
                    subject_id=conversation.id,
                    reason="ambassador_offline",
                    previous_staff_id=ambassador_id,
                )
            await session.flush()
            return await tickets_for(session, conversations)


async def _requeue(
    session: AsyncSession, offers: Sequence[Offer], status: str, now: datetime
) -> None:
    """Resolve offers and put their conversations back in line at their original place."""
    for offer in offers:
        offer.status = status
        offer.resolved_at = now
    if offers:
        await session.execute(
            update(Conversation)
            .where(
                Conversation.id.in_([o.conversation_id for o in offers]),
                Conversation.status == "offered",
            )
            .values(status="queued", updated_at=now)
            .execution_options(synchronize_session=False)
        )
