"""The routing service's repository over the hub's database (offers and queue state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db.engine import Database
from hub.db.models import Conversation, Offer
from hub.errors import Conflict, NotFound
from routing.model import OfferRecord, Waiting


def _record(offer: Offer, queued_at: datetime | None = None) -> OfferRecord:
    return OfferRecord(
        id=offer.id,
        conversation_id=offer.conversation_id,
        ambassador_id=offer.staff_id,
        expires_at=offer.expires_at,
        queued_at=queued_at,
    )


class SqlRoutingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def waiting(self) -> list[Waiting]:
        async with self.db.reading() as session:
            rows = (
                await session.execute(
                    select(
                        Conversation.id,
                        Conversation.store_id,
                        Conversation.queued_at,
                        Conversation.language,
                    )
                    .where(Conversation.status == "queued")
                    .order_by(Conversation.queued_at)
                )
            ).all()
            if not rows:
                return []
            passed = await session.execute(
                select(Offer.conversation_id, Offer.staff_id).where(
                    Offer.conversation_id.in_([r.id for r in rows]),
                    Offer.status.in_(("declined", "expired")),
                )
            )
        excluded: dict[str, set[str]] = {}
        for conversation_id, staff_id in passed:
            excluded.setdefault(conversation_id, set()).add(staff_id)
        return [
            Waiting(
                conversation_id=r.id,
                store_id=r.store_id,
                queued_at=r.queued_at,
                language=r.language,
                excluded=frozenset(excluded.get(r.id, ())),
            )
            for r in rows
        ]

    async def loads(self) -> dict[str, int]:
        async with self.db.reading() as session:
            assigned = await session.execute(
                select(Conversation.assigned_staff_id, func.count())
                .where(Conversation.status == "assigned")
                .group_by(Conversation.assigned_staff_id)
            )
            pending = await session.execute(
                select(Offer.staff_id, func.count())
                .where(Offer.status == "pending")
                .group_by(Offer.staff_id)
            )
        result: dict[str, int] = {}
        for staff_id, count in [*assigned.all(), *pending.all()]:
            if staff_id is not None:
                result[staff_id] = result.get(staff_id, 0) + int(count)
        return result

    async def open_offer(
        self, conversation_id: str, ambassador_id: str, now: datetime, expires_at: datetime
    ) -> OfferRecord | None:
        async with self.db.transaction() as session:
            claimed = await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id, Conversation.status == "queued")
                .values(status="offered", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            offer = Offer(
                conversation_id=conversation_id,
                staff_id=ambassador_id,
                status="pending",
                created_at=now,
                expires_at=expires_at,
            )
            session.add(offer)
        return _record(offer)

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
            assert conversation is not None
            offer.status = "accepted"
            offer.resolved_at = now
            conversation.status = "assigned"
            conversation.assigned_staff_id = ambassador_id
            conversation.assigned_at = now
            conversation.updated_at = now
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
            await self._requeue(session, [offer], "declined", now)
            return _record(offer)

    async def expire(self, offer_id: str, now: datetime) -> OfferRecord | None:
        async with self.db.transaction() as session:
            offer = await session.get(Offer, offer_id, with_for_update=True)
            if offer is None or offer.status != "pending" or offer.expires_at > now:
                return None
            await self._requeue(session, [offer], "expired", now)
            return _record(offer)

    async def revoke_pending(self, ambassador_id: str | None, now: datetime) -> list[OfferRecord]:
        async with self.db.transaction() as session:
            query = select(Offer).where(Offer.status == "pending").with_for_update()
            if ambassador_id is not None:
                query = query.where(Offer.staff_id == ambassador_id)
            offers = (await session.scalars(query)).all()
            await self._requeue(session, offers, "revoked", now)
            return [_record(o) for o in offers]

    async def _requeue(
        self, session: AsyncSession, offers: Sequence[Offer], status: str, now: datetime
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
