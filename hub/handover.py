"""Handing a conversation over: transfer to a named ambassador or another store's queue,
and a manager's assignment by hand. The database changes first; routing follows."""

from __future__ import annotations

from typing import Any

from hub import audit
from hub.clock import Clock
from hub.conversations import visible_conversation
from hub.db.engine import Database
from hub.db.models import Conversation, Staff
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.inbox import Inbox, check_handler
from hub.realtime.publisher import Publisher
from hub.staff import Principal
from hub.stores import store_by_code
from routing.config import RoutingConfig
from routing.model import Presence
from routing.service import RoutingService

MAX_NOTE = 1000


def _note(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_NOTE:
        raise InvalidInput("note", f"note must be text of at most {MAX_NOTE} characters")
    return value.strip() or None


async def _colleague(session: Any, staff_id: Any, store_id: str) -> Staff:
    """A staff member who may serve this store; anything else does not exist for the caller."""
    staff = await session.get(Staff, staff_id) if isinstance(staff_id, str) else None
    if (
        staff is None
        or not staff.active
        or store_id not in {link.store_id for link in staff.store_links}
    ):
        raise NotFound("ambassador not found", code="unknown_ambassador")
    return staff


class Handover:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        inbox: Inbox,
        routing: RoutingService,
        publisher: Publisher,
        config: RoutingConfig,
    ) -> None:
        self.db = db
        self.clock = clock
        self.inbox = inbox
        self.routing = routing
        self.publisher = publisher
        self.config = config

    async def transfer(
        self,
        principal: Principal,
        conversation_id: Any,
        *,
        to_ambassador: Any = None,
        to_store: Any = None,
        note: Any = None,
    ) -> Conversation:
        if (to_ambassador is None) == (to_store is None):
            raise InvalidInput("to", "transfer to exactly one of an ambassador or a store")
        text = _note(note)
        now = self.clock()
        async with self.db.transaction() as session:
            conversation = await visible_conversation(session, principal, conversation_id)
            check_handler(principal, conversation)
            if conversation.status != "assigned":
                raise Conflict(
                    "only a conversation in progress can be transferred", code="not_assigned"
                )
            previous = conversation.assigned_staff_id
            target_name: str
            if to_ambassador is not None:
                target = await _colleague(session, to_ambassador, conversation.store_id)
                if target.id == previous:
                    raise InvalidInput("to", "that conversation is already yours")
                if await self.routing.presence_of(target.id) is Presence.OFFLINE:
                    raise Conflict(f"{target.name} is not online", code="ambassador_offline")
                conversation.transfer_to_staff_id = target.id
                target_name = target.name
            else:
                store = await store_by_code(session, str(to_store))
                conversation.store_id = store.id
                conversation.transfer_to_staff_id = None
                target_name = store.name
            conversation.status = "queued"
            conversation.assigned_staff_id = None
            conversation.queued_at = now
            conversation.updated_at = now
            conversation.priority = max(conversation.priority, self.config.transfer_priority)
            conversation.transfer_note = text
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=principal.id,
                action="conversation.transferred",
                subject_type="conversation",
                subject_id=conversation.id,
                to=target_name,
                previous_staff_id=previous,
            )
        if previous is not None:
            await self.routing.finished(previous, conversation.channel)
            await self.publisher.to_staff(
                previous, "transferred", {"conversation_id": conversation.id, "to": target_name}
            )
        await self.inbox.system_message(
            conversation.id, lambda t: t.gettext("Transferring you to {name}.", name=target_name)
        )
        await self.inbox.enqueue(conversation.id)
        return await self._fresh(conversation.id)

    async def _fresh(self, conversation_id: str) -> Conversation:
        """Reloaded, so moved relations (a new store) show in what the caller gets back."""
        async with self.db.reading() as session:
            conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation

    async def assign(
        self, manager: Principal, conversation_id: Any, ambassador_id: Any
    ) -> Conversation:
        if not manager.is_manager:
            raise Forbidden("only a store manager can assign by hand", code="not_manager")
        async with self.db.reading() as session:
            conversation = await visible_conversation(session, manager, conversation_id)
            if conversation.status not in ("queued", "offered"):
                raise Conflict("this conversation is not waiting", code="not_waiting")
            target = await _colleague(session, ambassador_id, conversation.store_id)
        await self.routing.take_by_hand(conversation.id, target.id, conversation.channel)
        now = self.clock()
        async with self.db.transaction() as session:
            conversation = await visible_conversation(session, manager, conversation.id)
            conversation.status = "assigned"
            conversation.assigned_staff_id = target.id
            conversation.assigned_at = now
            conversation.updated_at = now
            conversation.transfer_to_staff_id = None
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=manager.id,
                action="conversation.assigned_by_hand",
                subject_type="conversation",
                subject_id=conversation.id,
                staff_id=target.id,
            )
        fresh = await self._fresh(conversation.id)
        await self.publisher.announce_assignment(fresh)
        return fresh
