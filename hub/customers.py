"""Customer profiles as the console sees them: access, search, the profile view, notes,
export and erasure. Every read goes through ``visible_customer``: outside the caller's
stores a customer does not exist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, calendar, feedback_records
from hub.db.booking_models import Appointment
from hub.db.channel_models import Attachment, WechatUser
from hub.db.models import Conversation, Customer, CustomerIdentity, Message, Staff
from hub.db.profile_models import ConsentEvent, CustomerNote, Purchase
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.messages import customer_display_name, iso, message_payload, staff_summary
from hub.profiles import merge, tier
from hub.profiles.consent import ConsentEntry, ConsentMap, current_state
from hub.profiles.identity import POS_CUSTOMER_NO, Identity
from hub.profiles.merge import ProfileFacts
from hub.profiles.resolve import attach, survivor
from hub.staff import Principal

RECENT_PURCHASES = 50
RECENT_CONVERSATIONS = 20
SEARCH_LIMIT = 25
ERASED = "[erased]"
MERGE_KINDS = ("email", "phone", "pos_customer_no")


def visible_clause(principal: Principal) -> Any:
    """Customers within the caller's stores: their home store, or a conversation or a
    purchase there (``visible_customer``, and clienteling's lists)."""
    stores = list(principal.store_ids)
    return or_(
        Customer.home_store_id.in_(stores),
        exists().where(Conversation.customer_id == Customer.id, Conversation.store_id.in_(stores)),
        exists().where(Purchase.customer_id == Customer.id, Purchase.store_id.in_(stores)),
    )


async def visible_customer(
    session: AsyncSession, principal: Principal, customer_id: object
) -> Customer:
    """The customer (following merges) if the caller may see them; NotFound otherwise."""
    if not isinstance(customer_id, str) or len(customer_id) > 64:
        raise NotFound("customer not found")
    found = await session.scalar(
        select(Customer).where(Customer.id == customer_id, visible_clause(principal))
    )
    if found is None:
        raise NotFound("customer not found")
    return await survivor(session, found)


def _search_query(principal: Principal, q: str) -> Select[Any]:
    text = q.strip()
    needle = f"%{text.lower()}%"
    by_identity = exists().where(
        CustomerIdentity.customer_id == Customer.id,
        func.lower(CustomerIdentity.value).like(needle),
        CustomerIdentity.kind.in_(("email", "phone", "pos_customer_no", "wechat_openid")),
    )
    return (
        select(Customer)
        .where(
            visible_clause(principal),
            Customer.merged_into_id.is_(None),
            Customer.erased_at.is_(None),
            or_(func.lower(Customer.name).like(needle), by_identity),
        )
        .order_by(Customer.name)
        .limit(SEARCH_LIMIT)
    )


async def search(session: AsyncSession, principal: Principal, q: str) -> list[dict[str, Any]]:
    if len(q.strip()) < 2:
        return []
    found = (await session.scalars(_search_query(principal, q))).all()
    return [summary(c) for c in found if isinstance(c, Customer)]


def summary(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer_display_name(customer),
        "tier": customer.tier,
        "identities": [identity_payload(i) for i in customer.identities],
    }


def identity_payload(identity: CustomerIdentity) -> dict[str, Any]:
    return {
        "id": identity.id,
        "kind": identity.kind,
        "value": identity.value,
        "verified": identity.verified,
    }


def purchase_payload(p: Purchase) -> dict[str, Any]:
    return {
        "id": p.id,
        "store_id": p.store_id,
        "transaction_id": p.transaction_id,
        "line_no": p.line_no,
        "purchased_at": iso(p.purchased_at),
        "sku": p.sku,
        "description": p.description,
        "category": p.category,
        "stone": {"carat": _num(p.carat), "colour": p.colour, "clarity": p.clarity, "cut": p.cut},
        "metal": p.metal,
        "quantity": p.quantity,
        "unit_price": _num(p.unit_price),
        "currency": p.currency,
        "ambassador_id": p.staff_id,
        "conversation_id": p.conversation_id,
    }


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


async def consent_ledger(session: AsyncSession, customer_id: str) -> Sequence[ConsentEvent]:
    """The ledger in the order it was written (insertion order breaks same-instant ties)."""
    return (
        await session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id == customer_id)
            .order_by(ConsentEvent.at, ConsentEvent.id)
        )
    ).all()


def ledger_entry(event: ConsentEvent) -> ConsentEntry:
    return ConsentEntry(
        channel=event.channel,
        purpose=event.purpose,
        granted=event.granted,
        source=event.source,
        policy_version=event.policy_version,
        actor_kind=event.actor_kind,
        actor_id=event.actor_id,
        at=event.at,
    )


async def consent_state(session: AsyncSession, customer_id: str) -> ConsentMap:
    """What the customer currently allows, per (channel, purpose), from the ledger."""
    ledger = await consent_ledger(session, customer_id)
    return current_state(ledger_entry(event) for event in ledger)


async def lifetime_value(session: AsyncSession, customer_id: str) -> dict[str, str]:
    rows = await session.execute(
        select(Purchase.currency, func.sum(Purchase.quantity * Purchase.unit_price))
        .where(Purchase.customer_id == customer_id)
        .group_by(Purchase.currency)
    )
    return {
        currency: format(Decimal(total).quantize(Decimal("0.01")), "f") for currency, total in rows
    }


async def notes_of(session: AsyncSession, customer_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(CustomerNote, Staff.name)
        .outerjoin(Staff, Staff.id == CustomerNote.staff_id)
        .where(CustomerNote.customer_id == customer_id)
        .order_by(CustomerNote.created_at.desc())
    )
    return [note_payload(note, author) for note, author in rows]


def note_payload(note: CustomerNote, author: str | None) -> dict[str, Any]:
    return {
        "id": note.id,
        "text": note.text,
        "staff_id": note.staff_id,
        "author": author,
        "created_at": iso(note.created_at),
    }


async def conversations_of(
    session: AsyncSession, customer_id: str, limit: int | None
) -> Sequence[Conversation]:
    query = (
        select(Conversation)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.created_at.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return (await session.scalars(query)).unique().all()


def conversation_line(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id,
        "channel": c.channel,
        "store": c.store.code,
        "status": c.status,
        "ambassador": staff_summary(c.assigned_staff),
        "created_at": iso(c.created_at),
        "closed_at": iso(c.closed_at),
    }


async def add_note(
    session: AsyncSession, principal: Principal, customer_id: object, text: str, now: datetime
) -> CustomerNote:
    customer = await visible_customer(session, principal, customer_id)
    note = CustomerNote(customer_id=customer.id, staff_id=principal.id, text=text, created_at=now)
    session.add(note)
    await session.flush()
    return note


async def export(
    session: AsyncSession, principal: Principal, customer_id: object, now: datetime
) -> dict[str, Any]:
    """Everything the hub holds about one person, for a data-subject access request."""
    customer = await visible_customer(session, principal, customer_id)
    conversations = await conversations_of(session, customer.id, None)
    timelines = []
    for conversation in conversations:
        messages = (
            await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation.id)
                .order_by(Message.seq)
            )
        ).all()
        timelines.append(
            {**conversation_line(conversation), "messages": [message_payload(m) for m in messages]}
        )
    consents = await consent_ledger(session, customer.id)
    purchases = (
        await session.scalars(select(Purchase).where(Purchase.customer_id == customer.id))
    ).all()
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=principal.id,
        action="customer.exported",
        subject_type="customer",
        subject_id=customer.id,
    )
    return {
        "exported_at": iso(now),
        "customer": {
            "id": customer.id,
            "name": customer.name,
            "tier": customer.tier,
            "preferences": customer.preferences,
            "created_at": iso(customer.created_at),
        },
        "identities": [identity_payload(i) for i in customer.identities],
        "consent_ledger": [
            {
                "channel": c.channel,
                "purpose": c.purpose,
                "granted": c.granted,
                "source": c.source,
                "policy_version": c.policy_version,
                "at": iso(c.at),
            }
            for c in consents
        ],
        "purchases": [purchase_payload(p) for p in purchases],
        "conversations": timelines,
        "appointments": await calendar.of_customer(session, principal, customer.id, None),
        "notes": await notes_of(session, customer.id),
        "feedback": await feedback_records.of_customer(session, customer.id),
    }


async def erase(
    session: AsyncSession, principal: Principal, customer_id: object, now: datetime
) -> Customer:
    """Right to erasure: the person goes, the sales figures stay (without the person)."""
    if not principal.is_manager:
        raise Forbidden("only a store manager can erase a customer", code="not_manager")
    customer = await visible_customer(session, principal, customer_id)
    conversation_ids = [c.id for c in await conversations_of(session, customer.id, None)]
    if conversation_ids:
        await session.execute(
            update(Message)
            .where(Message.conversation_id.in_(conversation_ids))
            .values(text=ERASED, author_name=None, data=None)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            delete(Attachment).where(
                Attachment.message_id.in_(
                    select(Message.id).where(Message.conversation_id.in_(conversation_ids))
                )
            )
        )
        await session.execute(
            update(Conversation)
            .where(Conversation.id.in_(conversation_ids))
            .values(contact=f"erased:{customer.id}", transfer_note=None)
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        update(Purchase)
        .where(Purchase.customer_id == customer.id)
        .values(customer_id=None, customer_no=None, attributes=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(CustomerNote).where(CustomerNote.customer_id == customer.id))
    await feedback_records.erase_for(session, customer.id)
    # The WeChat follower (openid, nickname) is personal data too; writing again re-creates it.
    await session.execute(delete(WechatUser).where(WechatUser.customer_id == customer.id))
    # Appointments stay in the calendars (the time was taken) without who it was.
    await session.execute(
        update(Appointment)
        .where(Appointment.customer_id == customer.id)
        .values(contact_name=None, contact_email=None, contact_phone=None)
        .execution_options(synchronize_session=False)
    )
    # The till's customer number stays on the anonymous record as a suppression key: it names
    # nobody by itself, and without it the next daily POS file would re-create the person.
    await session.execute(
        delete(CustomerIdentity).where(
            CustomerIdentity.customer_id == customer.id,
            CustomerIdentity.kind != POS_CUSTOMER_NO,
        )
    )
    customer.name = None
    customer.preferences = {}
    customer.preferred_staff_id = None
    customer.erased_at = now
    customer.updated_at = now
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=principal.id,
        action="customer.erased",
        subject_type="customer",
        subject_id=customer.id,
    )
    return customer


def ledger_row(customer_id: str, entry: ConsentEntry) -> ConsentEvent:
    """The ledger row for a validated entry (``consent.validate_entry``)."""
    return ConsentEvent(
        customer_id=customer_id,
        channel=entry.channel,
        purpose=entry.purpose,
        granted=entry.granted,
        source=entry.source,
        policy_version=entry.policy_version,
        actor_kind=entry.actor_kind,
        actor_id=entry.actor_id,
        at=entry.at,
    )


def record_change(
    session: AsyncSession,
    principal: Principal,
    customer: Customer,
    fields: list[str],
    now: datetime,
) -> None:
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=principal.id,
        action="customer.updated",
        subject_type="customer",
        subject_id=customer.id,
        fields=fields,
    )


async def add_identity(
    session: AsyncSession, principal: Principal, customer: Customer, new: Identity, now: datetime
) -> None:
    """A verified identity already on someone else is a merge to decide, not a silent move."""
    if new.verified:
        owner = await session.scalar(
            select(CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == new.kind,
                CustomerIdentity.value == new.value,
                CustomerIdentity.verified.is_(True),
            )
        )
        if owner is not None and owner != customer.id:
            raise Conflict(
                "another profile already holds this verified identity: merge them instead",
                code="identity_taken",
                other_customer_id=owner,
            )
    await attach(session, customer, [new], now)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=principal.id,
        action="customer.identity_added",
        subject_type="customer",
        subject_id=customer.id,
        kind=new.kind,
        verified=new.verified,
    )


def facts(customer: Customer) -> ProfileFacts:
    return ProfileFacts(
        id=customer.id,
        name=customer.name,
        tier=customer.tier,
        tier_source=customer.tier_source,
        created_at=customer.created_at,
        preferences=customer.preferences or {},
        identities=tuple(Identity(i.kind, i.value, i.verified) for i in customer.identities),
        preferred_staff_id=customer.preferred_staff_id,
    )


async def merge_candidates(session: AsyncSession, customer: Customer) -> list[dict[str, Any]]:
    """Other live profiles sharing an e-mail, phone or POS number, with the reason."""
    shared = [(i.kind, i.value) for i in customer.identities if i.kind in MERGE_KINDS]
    if not shared:
        return []
    others = (
        await session.scalars(
            select(Customer)
            .join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)
            .where(
                Customer.id != customer.id,
                Customer.merged_into_id.is_(None),
                Customer.erased_at.is_(None),
                or_(
                    *[
                        (CustomerIdentity.kind == k) & (CustomerIdentity.value == v)
                        for k, v in shared
                    ]
                ),
            )
            .distinct()
        )
    ).all()
    mine = facts(customer)
    result = []
    for other in others:
        reason = merge.suggest(mine, facts(other))
        if reason:
            result.append({"customer": summary(other), "reason": reason})
    return result


async def merge_profiles(
    session: AsyncSession,
    actor: tuple[str, str | None],
    keep: Customer,
    other: Customer,
    reason: object,
    now: datetime,
) -> Customer:
    """Absorb ``other`` into ``keep``: everything moves, the old id stays resolvable."""
    if keep.id == other.id:
        raise InvalidInput("other_id", "a profile cannot be merged with itself")
    why = merge.merge_reason(facts(keep), facts(other)) or merge.suggest(facts(keep), facts(other))
    if why is None and not (isinstance(reason, str) and reason.strip()):
        raise InvalidInput(
            "reason", "these profiles share no identity: say why they are one person"
        )
    plan = merge.plan(facts(keep), facts(other), survivor_id=keep.id)
    for table in (Conversation, Purchase, CustomerNote, ConsentEvent, Appointment, WechatUser):
        await session.execute(
            update(table)
            .where(table.customer_id == other.id)  # type: ignore[attr-defined]
            .values(customer_id=keep.id)
            .execution_options(synchronize_session=False)
        )
    held = {(i.kind, i.value): i for i in keep.identities}
    proven = []
    for item in list(other.identities):
        mine = held.get((item.kind, item.value))
        if mine is not None:
            if item.verified and not mine.verified:
                proven.append(mine)
            await session.delete(item)
        else:
            item.customer_id = keep.id
    # The absorbed copies go first: a verified value may be held only once at any time.
    await session.flush()
    for mine in proven:
        mine.verified = True
    await session.flush()
    keep.name = plan.name
    keep.tier, keep.tier_source = plan.tier, plan.tier_source
    keep.created_at = plan.created_at
    keep.preferences = dict(plan.preferences)
    keep.preferred_staff_id = plan.preferred_staff_id
    keep.updated_at = now
    other.merged_into_id = keep.id
    other.updated_at = now
    if keep.tier_source == "derived":  # the combined purchases may reach a higher tier
        await session.flush()
        keep.tier = tier.derive_tier(
            {c: Decimal(v) for c, v in (await lifetime_value(session, keep.id)).items()}
        )
    audit.record(
        session,
        at=now,
        actor_kind=actor[0],
        actor_id=actor[1],
        action="customer.merged",
        subject_type="customer",
        subject_id=keep.id,
        absorbed=other.id,
        reason=why or str(reason).strip(),
        superseded=plan.superseded or None,
    )
    await session.flush()
    await session.refresh(keep, ["identities"])
    return keep
