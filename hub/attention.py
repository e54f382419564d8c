"""What keeps an ambassador's attention on the right conversations: how far each of them
has read (unread counts), the tags staff put on conversations, and the suggestions of a
store's recent tags. Access is the conversation's store, as everywhere
(``hub.conversations.visible_conversation``); search is ``hub.conversation_search``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, validation
from hub import conversation_labels as labels
from hub.conversations import visible_conversation
from hub.db.attention_models import ConversationRead, ConversationTag
from hub.db.models import Conversation, Message, StaffStore, Store
from hub.errors import InvalidInput, NotFound
from hub.staff import Principal
from hub.stores import store_by_code

# Suggestions come from the tags colleagues used lately, most recent first.
RECENT_TAGS = timedelta(days=90)
MAX_SUGGESTIONS = 50
MAX_SEQ = 2**31 - 1


@dataclass(frozen=True)
class ReadMark:
    conversation_id: str
    last_read_seq: int
    unread: int

    def payload(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "last_read_seq": self.last_read_seq,
            "unread": self.unread,
        }


@dataclass(frozen=True)
class Tagged:
    conversation: Conversation
    tags: list[str]
    added: list[str]
    removed: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def read_seq(value: Any, field: str = "seq") -> int:
    """A sequence number the console says it has shown: a whole number ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
        raise InvalidInput(field, f"{field} must be a whole number ≥ 0")
    return value


async def unread_counts(
    session: AsyncSession, staff_id: str, conversation_ids: Collection[str]
) -> dict[str, int]:
    """Customer messages after the staff member's read marker, per conversation, in one
    query (never one per conversation); conversations with none are left out."""
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(Message.conversation_id, func.count())
        .select_from(Message)
        .outerjoin(
            ConversationRead,
            and_(
                ConversationRead.conversation_id == Message.conversation_id,
                ConversationRead.staff_id == staff_id,
            ),
        )
        .where(
            Message.conversation_id.in_(list(conversation_ids)),
            Message.author_kind == "customer",
            Message.seq > func.coalesce(ConversationRead.last_read_seq, 0),
        )
        .group_by(Message.conversation_id)
    )
    return {conversation_id: int(count) for conversation_id, count in rows.all()}


async def mark_read(
    session: AsyncSession, principal: Principal, conversation_id: object, seq: Any, now: datetime
) -> ReadMark:
    """Move the caller's read marker up to ``seq`` (never back: a late or stale tab cannot
    bring read messages back as unread); a seq past the conversation's last is its last."""
    wanted = read_seq(seq)
    conversation = await visible_conversation(session, principal, conversation_id)
    wanted = min(wanted, conversation.last_seq)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(ConversationRead).values(
        staff_id=principal.id,
        conversation_id=conversation.id,
        last_read_seq=wanted,
        updated_at=now,
    )
    moved = statement.excluded.last_read_seq > ConversationRead.last_read_seq
    upsert = statement.on_conflict_do_update(
        index_elements=[ConversationRead.staff_id, ConversationRead.conversation_id],
        set_={
            "last_read_seq": case(
                (moved, statement.excluded.last_read_seq), else_=ConversationRead.last_read_seq
            ),
            "updated_at": case(
                (moved, statement.excluded.updated_at), else_=ConversationRead.updated_at
            ),
        },
    ).returning(ConversationRead.last_read_seq)
    last_read = int((await session.execute(upsert)).scalar_one())
    counts = await unread_counts(session, principal.id, [conversation.id])
    return ReadMark(conversation.id, last_read, counts.get(conversation.id, 0))


async def tags_of(session: AsyncSession, conversation_ids: Collection[str]) -> dict[str, list[str]]:
    """Each conversation's tags, alphabetical, in one query."""
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(ConversationTag.conversation_id, ConversationTag.tag)
        .where(ConversationTag.conversation_id.in_(list(conversation_ids)))
        .order_by(ConversationTag.conversation_id, ConversationTag.tag)
    )
    found: dict[str, list[str]] = {}
    for conversation_id, tag in rows.all():
        found.setdefault(conversation_id, []).append(tag)
    return found


async def set_tags(
    session: AsyncSession, principal: Principal, conversation_id: object, raw: Any, now: datetime
) -> Tagged:
    """Replace the conversation's tags with ``raw`` (normalised); audited when it changed.
    Anyone who can see the conversation may tag it: tags are for finding, not for judging."""
    wanted = labels.tags(raw)
    conversation = await visible_conversation(session, principal, conversation_id)
    current = set((await tags_of(session, [conversation.id])).get(conversation.id, []))
    added = [tag for tag in wanted if tag not in current]
    removed = sorted(current - set(wanted))
    if removed:
        await session.execute(
            delete(ConversationTag).where(
                ConversationTag.conversation_id == conversation.id,
                ConversationTag.tag.in_(removed),
            )
        )
    for tag in added:
        session.add(
            ConversationTag(
                conversation_id=conversation.id, tag=tag, created_by=principal.id, created_at=now
            )
        )
    if added or removed:
        await session.flush()
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=principal.id,
            action="conversation.tagged",
            subject_type="conversation",
            subject_id=conversation.id,
            added=added,
            removed=removed,
            store=conversation.store.code,
        )
    return Tagged(conversation, sorted(wanted), added, removed)


async def visible_store(session: AsyncSession, principal: Principal, code: object) -> Store:
    """A store named by its code, if it is one of the caller's; otherwise it does not exist."""
    store = await store_by_code(session, validation.store_code(code))
    if not principal.can_see_store(store.id):
        raise NotFound(f"store {store.code} does not exist", code="unknown_store")
    return store


async def recent_tags(
    session: AsyncSession, principal: Principal, store_code: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Tags used lately on the conversations of one of the caller's stores (or all of
    them), the most recently used first: what to suggest while tagging."""
    if store_code is not None:
        store_ids = [(await visible_store(session, principal, store_code)).id]
    else:
        store_ids = list(principal.store_ids)
    if not store_ids:
        return []
    last_used = func.max(ConversationTag.created_at)
    rows = await session.execute(
        select(ConversationTag.tag, func.count())
        .join(Conversation, Conversation.id == ConversationTag.conversation_id)
        .where(
            Conversation.store_id.in_(store_ids),
            ConversationTag.created_at >= now - RECENT_TAGS,
        )
        .group_by(ConversationTag.tag)
        .order_by(last_used.desc(), ConversationTag.tag)
        .limit(MAX_SUGGESTIONS)
    )
    return [{"tag": tag, "count": int(count)} for tag, count in rows.all()]


async def staff_of_store(session: AsyncSession, store_id: str) -> list[str]:
    """Everyone who works in the store: the consoles a change to one of its conversations
    concerns."""
    return list(
        await session.scalars(select(StaffStore.staff_id).where(StaffStore.store_id == store_id))
    )


async def extras(
    session: AsyncSession, staff_id: str, conversation_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """What a console adds to each conversation for its reader: ``unread`` and ``tags``
    (two queries for any number of conversations)."""
    counts = await unread_counts(session, staff_id, conversation_ids)
    tags = await tags_of(session, conversation_ids)
    return {
        conversation_id: {
            "unread": counts.get(conversation_id, 0),
            "tags": tags.get(conversation_id, []),
        }
        for conversation_id in conversation_ids
    }
