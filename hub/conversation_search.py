"""The console's conversation list and search: ``GET /api/conversations`` with
``q, status, tag, channel, store, scope, before, limit``.

Without ``q`` or ``tag`` it is the caller's own conversations (a manager may ask for their
stores' with ``scope=stores``), as it always was. A search looks through every conversation
of the caller's stores, closed ones too: the customer's name, their e-mail addresses and
phone numbers, and the text of every message staff can read (the shopper's, the
ambassadors', colleagues' notes; not the hub's own system lines). Matching is a
case-insensitive ``LIKE`` with the typed text escaped (``hub.search_terms``), so ``%`` and
``_`` are literal and nothing typed reaches the SQL as SQL. Pages are keyset-ordered by
last activity (``updated_at``, then id) so a page never repeats or skips for an offset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import search_terms
from hub.attention import visible_store
from hub.conversation_labels import tag as tag_of
from hub.conversations import STATUS_FILTERS
from hub.db.attention_models import ConversationTag
from hub.db.models import Conversation, Customer, CustomerIdentity, Message
from hub.errors import InvalidInput
from hub.messages import CHANNELS
from hub.staff import Principal

# ``all``: every status, what a search means when it names none.
STATUSES: dict[str, tuple[str, ...] | None] = {**STATUS_FILTERS, "all": None}
SCOPES = ("mine", "stores")
DEFAULT_LIMIT = 200
MAX_LIMIT = 200
SEARCHED_IDENTITIES = ("email", "phone")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{6,}$")


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] | None
    whole_stores: bool
    q: str | None = None
    tag: str | None = None
    channel: str | None = None
    store: str | None = None
    before: tuple[datetime, str] | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def searching(self) -> bool:
        return self.q is not None or self.tag is not None


@dataclass(frozen=True)
class Page:
    conversations: Sequence[Conversation]
    next_before: str | None


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput("limit", f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def filters_from(query: Mapping[str, str], principal: Principal) -> Filters:
    """The request's filters, checked; a search defaults to every status and store."""
    q = search_terms.query_text(query.get("q"))
    raw_tag = query.get("tag") or None
    tag = tag_of(raw_tag, "tag") if raw_tag is not None else None
    searching = q is not None or tag is not None
    status = query.get("status") or ("all" if searching else "open")
    if status not in STATUSES:
        raise InvalidInput("status", f"status must be one of {', '.join(STATUSES)}")
    scope = query.get("scope") or None
    if scope is not None and scope not in SCOPES:
        raise InvalidInput("scope", "scope must be mine or stores")
    channel = query.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput("channel", f"channel must be one of {', '.join(CHANNELS)}")
    whole = (scope == "stores" and principal.is_manager) or (searching and scope != "mine")
    return Filters(
        statuses=STATUSES[status],
        whole_stores=whole,
        q=q,
        tag=tag,
        channel=channel,
        store=query.get("store") or None,
        before=search_terms.parse_cursor(query.get("before")),
        limit=_limit(query.get("limit")),
    )


def phone_digits(q: str) -> list[str]:
    """What a typed phone number looks like in stored E.164 (``+33612345678``): its digits,
    and without the national trunk 0 (``06 12 34 56 78`` → ``612345678``)."""
    if not _PHONE_LIKE.match(q):
        return []
    digits = re.sub(r"\D", "", q)
    forms = [digits]
    if digits.startswith("0") and len(digits) > 6:
        forms.append(digits[1:])
    return forms


def _lower_like(column: Any, pattern: str) -> ColumnElement[bool]:
    return func.lower(column).like(pattern, escape=search_terms.ESCAPE)


def _matches(q: str) -> ColumnElement[bool]:
    pattern = search_terms.like_pattern(q)
    identity_patterns = [pattern] + [search_terms.like_pattern(d) for d in phone_digits(q)]
    return or_(
        exists().where(
            Customer.id == Conversation.customer_id, _lower_like(Customer.name, pattern)
        ),
        exists().where(
            CustomerIdentity.customer_id == Conversation.customer_id,
            CustomerIdentity.kind.in_(SEARCHED_IDENTITIES),
            or_(*(_lower_like(CustomerIdentity.value, p) for p in identity_patterns)),
        ),
        exists().where(
            Message.conversation_id == Conversation.id,
            Message.author_kind != "system",
            _lower_like(Message.text, pattern),
        ),
    )


async def find(session: AsyncSession, principal: Principal, filters: Filters) -> Page:
    """One page of the conversations the filters select, the most recently active first."""
    if filters.store is not None:
        store_ids = [(await visible_store(session, principal, filters.store)).id]
    else:
        store_ids = list(principal.store_ids)
    query = select(Conversation).where(Conversation.store_id.in_(store_ids))
    if filters.statuses is not None:
        query = query.where(Conversation.status.in_(filters.statuses))
    if not filters.whole_stores:
        query = query.where(Conversation.assigned_staff_id == principal.id)
    if filters.channel is not None:
        query = query.where(Conversation.channel == filters.channel)
    if filters.tag is not None:
        query = query.where(
            exists().where(
                ConversationTag.conversation_id == Conversation.id,
                ConversationTag.tag == filters.tag,
            )
        )
    if filters.q is not None:
        query = query.where(_matches(filters.q))
    if filters.before is not None:
        at, last_id = filters.before
        query = query.where(
            or_(
                Conversation.updated_at < at,
                and_(Conversation.updated_at == at, Conversation.id < last_id),
            )
        )
    query = query.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(
        filters.limit + 1
    )
    found = (await session.scalars(query)).unique().all()
    page, more = found[: filters.limit], len(found) > filters.limit
    last = page[-1] if page else None
    next_before = search_terms.cursor(last.updated_at, last.id) if more and last else None
    return Page(page, next_before)


async def snippets(
    session: AsyncSession, conversations: Sequence[Conversation], q: str
) -> dict[str, dict[str, Any]]:
    """Where ``q`` matched in each conversation: the newest matching message (one query for
    the page), else the customer's name, else one of their addresses or numbers."""
    if not conversations:
        return {}
    pattern = search_terms.like_pattern(q)
    newest = (
        func.row_number()
        .over(partition_by=Message.conversation_id, order_by=Message.seq.desc())
        .label("newest")
    )
    matching = (
        select(Message.conversation_id, Message.seq, Message.text, newest)
        .where(
            Message.conversation_id.in_([c.id for c in conversations]),
            Message.author_kind != "system",
            _lower_like(Message.text, pattern),
        )
        .subquery()
    )
    rows = await session.execute(
        select(matching.c.conversation_id, matching.c.seq, matching.c.text).where(
            matching.c.newest == 1
        )
    )
    found: dict[str, dict[str, Any]] = {
        conversation_id: {
            "source": "message",
            "text": search_terms.snippet(text, q),
            "seq": seq,
        }
        for conversation_id, seq, text in rows.all()
    }
    for conversation in conversations:
        if conversation.id not in found:
            found[conversation.id] = _profile_snippet(conversation.customer, q)
    return found


def _profile_snippet(customer: Customer, q: str) -> dict[str, Any]:
    needle = q.lower()
    if customer.name and needle in customer.name.lower():
        return {"source": "name", "text": customer.name, "seq": None}
    digits = phone_digits(q)
    for identity in customer.identities:
        if identity.kind not in SEARCHED_IDENTITIES:
            continue
        value = identity.value.lower()
        if needle in value or any(d in value for d in digits):
            return {"source": identity.kind, "text": identity.value, "seq": None}
    return {"source": "name", "text": customer.name or "", "seq": None}
