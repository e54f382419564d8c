"""Canned replies: who may use, write and change which, and filling one in for a conversation.

- A **personal** reply is its author's alone: only they see, change or delete it; anyone
  else is told it does not exist.
- A **store** reply is used by everyone who works in the store and written, changed and
  deleted by its managers and admins (an ambassador: ``403 not_manager``). A store outside
  the caller's stores is ``404``, as if it did not exist.
- A shortcut is unique per owner (or store) and language.

Texts and placeholders are ``hub.canned_text`` (pure). Every change is audited with the
store's code, so the audit viewer shows a store's managers what happened to its replies.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, canned_text, validation
from hub.conversations import visible_conversation
from hub.db.canned_models import CannedReply
from hub.db.models import Customer, Store
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.i18n.languages import supported
from hub.messages import iso
from hub.staff import Principal
from hub.stores import store_by_code

SCOPES = ("personal", "store")
FIELDS = ("scope", "store", "language", "title", "shortcut", "text")
EDITABLE = ("language", "title", "shortcut", "text")
MAX_TITLE = 120
MAX_SHORTCUT = 32
MAX_QUERY = 100
# What one person can use is small; past this the listing is cut (titles in order).
MAX_LISTED = 500
ID = re.compile(r"[A-Za-z0-9-]{1,64}")


@dataclass(frozen=True)
class Usable:
    """A reply and the code of its store (None: personal)."""

    reply: CannedReply
    store_code: str | None


def reply_payload(found: Usable, caller: Principal) -> dict[str, Any]:
    reply = found.reply
    return {
        "id": reply.id,
        "scope": reply.scope,
        "store": found.store_code,
        "language": reply.language,
        "title": reply.title,
        "shortcut": reply.shortcut,
        "text": reply.text,
        "placeholders": list(canned_text.placeholders_in(reply.text)),
        "editable": may_change(caller, reply),
        "created_at": iso(reply.created_at),
        "updated_at": iso(reply.updated_at),
    }


def may_change(caller: Principal, reply: CannedReply) -> bool:
    if reply.scope == "personal":
        return reply.owner_staff_id == caller.id
    return caller.is_manager and reply.store_id in caller.store_ids


def language(value: object, field: str = "language") -> str:
    """A language tag the hub writes to shoppers in, in its canonical spelling."""
    tag = supported(validation.language(value, field))
    if tag is None:
        raise InvalidInput(field, f"{value!r} is not a language the hub writes in")
    return tag


def title(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("title", "title is required (text, without NUL characters)")
    cleaned = " ".join(validation.no_nul(value, "title").split())
    if len(cleaned) > MAX_TITLE:
        raise InvalidInput("title", f"title is longer than {MAX_TITLE} characters")
    return cleaned


def shortcut(value: object) -> str | None:
    """A keyword typed after ``/``: letters, digits, ``_`` and ``-``, kept in lower case."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput("shortcut", "shortcut must be a string")
    cleaned = value.strip().lower()
    if (
        not cleaned
        or len(cleaned) > MAX_SHORTCUT
        or not all(c.isalnum() or c in "_-" for c in cleaned)
    ):
        raise InvalidInput(
            "shortcut", f"shortcut must be 1-{MAX_SHORTCUT} letters, digits, _ or - (no spaces)"
        )
    return cleaned


async def _caller_store(session: AsyncSession, caller: Principal, code: object) -> Store:
    store = await store_by_code(session, validation.store_code(code))
    if store.id not in caller.store_ids:
        raise NotFound(f"store {store.code} does not exist", code="unknown_store")
    return store


async def listing(
    session: AsyncSession,
    caller: Principal,
    *,
    language_tag: str | None = None,
    store: str | None = None,
    query: str | None = None,
) -> list[Usable]:
    """The replies the caller may use: their own, and those of their stores (of ``store``
    only, when given), by title; ``query`` matches title, shortcut or text, ignoring case."""
    if query is not None and len(query) > MAX_QUERY:
        raise InvalidInput("q", f"q is longer than {MAX_QUERY} characters")
    store_ids = set(caller.store_ids)
    if store is not None:
        store_ids = {(await _caller_store(session, caller, store)).id}
    statement = (
        select(CannedReply, Store.code)
        .outerjoin(Store, Store.id == CannedReply.store_id)
        .where(
            or_(
                CannedReply.owner_staff_id == caller.id,
                CannedReply.store_id.in_(sorted(store_ids)),
            )
        )
    )
    if language_tag is not None:
        statement = statement.where(CannedReply.language == language(language_tag))
    rows = [Usable(reply, code) for reply, code in (await session.execute(statement)).all()]
    # By title as people read it, the same on both databases (collations differ).
    rows.sort(
        key=lambda found: (_sort_key(found.reply.title), found.reply.language, found.reply.id)
    )
    if query:
        # Python's casefold, not SQL's lower(): SQLite lowers ASCII only ("Écrin").
        wanted = query.strip().casefold()
        rows = [found for found in rows if wanted in _haystack(found.reply)]
    return rows[:MAX_LISTED]


def _sort_key(value: str) -> str:
    """ "Écrin" beside "Ecrin", between "Diamond" and "Fitting"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _haystack(reply: CannedReply) -> str:
    return "\n".join((reply.title, reply.shortcut or "", reply.text)).casefold()


async def usable(session: AsyncSession, caller: Principal, reply_id: object) -> Usable:
    """A reply the caller may use; any other is not found."""
    reply = await session.get(CannedReply, reply_id) if _plausible(reply_id) else None
    if reply is None or not (
        reply.owner_staff_id == caller.id or reply.store_id in caller.store_ids
    ):
        raise NotFound("canned reply not found", code="unknown_canned_reply")
    return Usable(reply, await _code_of(session, reply))


async def changeable(session: AsyncSession, caller: Principal, reply_id: object) -> Usable:
    """A reply the caller may change: their own, or their store's when they manage it.
    A store reply they may only use is not found either (its id says nothing)."""
    found = await usable(session, caller, reply_id)
    if not may_change(caller, found.reply):
        raise NotFound("canned reply not found", code="unknown_canned_reply")
    return found


def _plausible(value: object) -> bool:
    """An id as the hub writes them (UUIDs): anything else names nothing, unqueried."""
    return isinstance(value, str) and ID.fullmatch(value) is not None


async def _code_of(session: AsyncSession, reply: CannedReply) -> str | None:
    if reply.store_id is None:
        return None
    return await session.scalar(select(Store.code).where(Store.id == reply.store_id))


async def _shortcut_free(session: AsyncSession, reply: CannedReply) -> None:
    if reply.shortcut is None:
        return
    owner = (
        CannedReply.owner_staff_id == reply.owner_staff_id
        if reply.scope == "personal"
        else CannedReply.store_id == reply.store_id
    )
    clash = await session.scalar(
        select(CannedReply.id).where(
            owner,
            CannedReply.language == reply.language,
            CannedReply.shortcut == reply.shortcut,
            CannedReply.id != reply.id,
        )
    )
    if clash is not None:
        raise Conflict(
            f"the shortcut /{reply.shortcut} is used already in this language",
            code="shortcut_taken",
            field="shortcut",
        )


async def create(
    session: AsyncSession, caller: Principal, body: dict[str, Any], now: datetime
) -> Usable:
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidInput(unknown[0], f"a canned reply takes {', '.join(FIELDS)}")
    scope = body.get("scope")
    if scope not in SCOPES:
        raise InvalidInput("scope", "scope must be personal or store")
    store: Store | None = None
    if scope == "store":
        store = await _caller_store(session, caller, body.get("store"))
        if not caller.is_manager:
            raise Forbidden("store replies are written by the store's managers", code="not_manager")
    elif body.get("store") not in (None, ""):
        raise InvalidInput("store", "a personal reply belongs to no store")
    reply = CannedReply(
        scope=scope,
        owner_staff_id=caller.id if scope == "personal" else None,
        store_id=store.id if store is not None else None,
        language=language(body.get("language")),
        title=title(body.get("title")),
        shortcut=shortcut(body.get("shortcut")),
        text=canned_text.check(body.get("text")),
        created_by=caller.id,
        created_at=now,
        updated_at=now,
    )
    await _shortcut_free(session, reply)
    session.add(reply)
    await session.flush()
    found = Usable(reply, store.code if store is not None else None)
    _audit(session, caller, found, "canned_reply.created", now, language=reply.language)
    return found


async def update(
    session: AsyncSession, caller: Principal, reply_id: object, body: dict[str, Any], now: datetime
) -> Usable:
    """``PATCH``: language, title, shortcut or text; the scope and store stay."""
    unknown = sorted(set(body) - set(EDITABLE))
    if unknown:
        raise InvalidInput(unknown[0], f"only {', '.join(EDITABLE)} can be changed")
    found = await changeable(session, caller, reply_id)
    reply = found.reply
    new = {
        "language": language(body["language"]) if "language" in body else reply.language,
        "title": title(body["title"]) if "title" in body else reply.title,
        "shortcut": shortcut(body["shortcut"]) if "shortcut" in body else reply.shortcut,
        "text": canned_text.check(body["text"]) if "text" in body else reply.text,
    }
    changes = {
        key: {"from": getattr(reply, key), "to": value}
        for key, value in new.items()
        if getattr(reply, key) != value and key != "text"
    }
    text_changed = new["text"] != reply.text
    for key, value in new.items():
        setattr(reply, key, value)
    if not changes and not text_changed:
        return found
    reply.updated_at = now
    await _shortcut_free(session, reply)
    await session.flush()
    _audit(session, caller, found, "canned_reply.updated", now, changes=changes, text=text_changed)
    return found


async def delete(session: AsyncSession, caller: Principal, reply_id: object, now: datetime) -> None:
    found = await changeable(session, caller, reply_id)
    _audit(session, caller, found, "canned_reply.deleted", now, title=found.reply.title)
    await session.delete(found.reply)


def _audit(
    session: AsyncSession,
    caller: Principal,
    found: Usable,
    action: str,
    now: datetime,
    **data: Any,
) -> None:
    reply = found.reply
    extra: dict[str, Any] = {"scope": reply.scope, **data}
    if found.store_code is not None:
        extra["store"] = found.store_code
    audit.by_staff(session, caller.id, now, action, "canned_reply", reply.id, **extra)


async def render(
    session: AsyncSession, caller: Principal, reply_id: object, conversation_id: object
) -> canned_text.Rendered:
    """The reply filled in for a conversation the caller can see, as the caller."""
    if not isinstance(conversation_id, str) or not conversation_id:
        raise InvalidInput("conversation_id", "conversation_id is required")
    if not _plausible(conversation_id):
        raise NotFound("conversation not found")
    found = await usable(session, caller, reply_id)
    conversation = await visible_conversation(session, caller, conversation_id)
    customer = await session.get(Customer, conversation.customer_id)
    name = customer.name if customer is not None and customer.erased_at is None else None
    store = await session.get(Store, conversation.store_id)
    values = {
        "customer.name": name,
        "customer.first_name": canned_text.first_name(name),
        "store.name": store.name if store is not None else None,
        "ambassador.name": caller.name,
        "ambassador.first_name": canned_text.first_name(caller.name),
    }
    return canned_text.render(found.reply.text, values)
