"""A month of demo history, so the managers' dashboard and the profiles have something
to show on a first run: conversations in each boutique's languages and channels, offers
taken, declined and lapsed, answers, ratings, appointments kept and missed, and sales
credited to the ambassadors who led to them.

Deterministic (a seeded generator, times relative to the clock) and written once: the
history's customers carry a ``demo-history`` identity, and finding one means it is there.
The rows are the same kinds the live hub writes, so every number on the dashboard comes
from the same SQL as in production.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.booking_models import Appointment
from hub.db.feedback_models import Feedback
from hub.db.models import (
    AppointmentType,
    Conversation,
    Customer,
    CustomerIdentity,
    Message,
    Offer,
    Staff,
    StaffStore,
    Store,
)
from hub.db.profile_models import Purchase

MARKER = "demo-history"
DAYS = 28
PER_STORE = 14
CURRENCY = {"FR": "EUR", "GB": "GBP", "CN": "CNY", "JP": "JPY", "AE": "AED"}
# What a piece costs in each currency, roughly: the demo's sales stay plausible per market.
PRICE_SCALE = {
    "EUR": Decimal(1),
    "GBP": Decimal("0.85"),
    "CNY": Decimal(8),
    "JPY": Decimal(170),
    "AED": Decimal(4),
}
PIECES = (
    ("Solitaire ring, 1.02 ct", "rings", 14500),
    ("Rivière necklace", "necklaces", 32000),
    ("Pearl drop earrings", "earrings", 4800),
    ("Eternity band", "rings", 6900),
    ("Tennis bracelet", "bracelets", 11800),
)
# Demo data in the boutiques' languages (what shoppers wrote, their names) lives beside
# this module as data, not as texts of the hub.
DEMO_DATA = json.loads((Path(__file__).parent / "demo" / "history.json").read_text("utf-8"))
LINES: dict[str, list[str]] = DEMO_DATA["lines"]
NAMES: dict[str, list[str]] = DEMO_DATA["names"]
CHANNELS = {"CN": ("wechat", "webchat", "wechat"), None: ("webchat", "webchat", "email", "voice")}


@dataclass
class HistorySummary:
    conversations: int = 0
    appointments: int = 0
    purchases: int = 0
    existing: bool = False


async def seed_history(
    session: AsyncSession, now: datetime, progress: Callable[[str], None]
) -> HistorySummary:
    summary = HistorySummary()
    if await session.scalar(select(CustomerIdentity.id).where(CustomerIdentity.kind == MARKER)):
        summary.existing = True
        progress("history: already there")
        return summary
    stores = (await session.scalars(select(Store).order_by(Store.code))).all()
    rng = random.Random(11)  # noqa: S311 - reproducible demo data, not a secret
    for index, store in enumerate(stores, 1):
        staff = await _ambassadors(session, store.id)
        types = {
            t.kind: t
            for t in await session.scalars(
                select(AppointmentType).where(AppointmentType.store_id == store.id)
            )
        }
        if not staff or not types:
            continue
        for n in range(PER_STORE):
            await _conversation(session, rng, store, staff, types, now, n, summary)
        progress(f"history [{index}/{len(stores)}] {store.code}: {PER_STORE} conversations")
    return summary


async def _ambassadors(session: AsyncSession, store_id: str) -> Sequence[Staff]:
    return (
        await session.scalars(
            select(Staff)
            .join(StaffStore, StaffStore.staff_id == Staff.id)
            .where(StaffStore.store_id == store_id, Staff.role == "ambassador")
            .order_by(Staff.email)
        )
    ).all()


async def _conversation(
    session: AsyncSession,
    rng: random.Random,
    store: Store,
    staff: Sequence[Staff],
    types: dict[str, AppointmentType],
    now: datetime,
    n: int,
    summary: HistorySummary,
) -> None:
    # Mostly the boutique's own language; now and then a visitor from elsewhere.
    language = store.languages[0] if rng.random() < 0.75 else rng.choice(list(LINES))
    language = language if language in LINES else "en"
    channel = rng.choice(CHANNELS.get(store.country) or CHANNELS[None])
    started = now - timedelta(days=rng.uniform(1, DAYS), minutes=rng.uniform(0, 600))
    name = NAMES[language][n % len(NAMES[language])]
    customer = Customer(name=name, home_store_id=store.id, created_at=started)
    customer.identities = [
        CustomerIdentity(kind=MARKER, value=f"{store.code}-{n}", created_at=started),
        CustomerIdentity(
            kind="email", value=f"{store.code.lower()}.{n}@client.example", created_at=started
        ),
    ]
    session.add(customer)
    await session.flush()
    ambassador = rng.choice(staff)
    abandoned = rng.random() < 0.15
    conversation = Conversation(
        store_id=store.id,
        customer_id=customer.id,
        channel=channel,
        contact=f"{store.code.lower()}.{n}@client.example" if channel == "email" else f"demo:{n}",
        language=language,
        status="closed",
        priority=1,
        last_seq=0,
        created_at=started,
        updated_at=started,
        queued_at=started,
    )
    session.add(conversation)
    await session.flush()
    ask, answer = LINES[language]
    _message(session, conversation, started, "in", "customer", None, name, ask)
    if rng.random() < 0.2:
        _offer(session, conversation, rng.choice(staff), started, "declined", 20)
    if abandoned:
        _offer(session, conversation, ambassador, started, "expired", 60)
        conversation.closed_at = started + timedelta(minutes=40)
    else:
        wait = rng.uniform(15, 240)
        accepted = _offer(session, conversation, ambassador, started, "accepted", wait)
        replied = accepted + timedelta(seconds=rng.uniform(20, 300))
        conversation.assigned_staff_id = ambassador.id
        conversation.assigned_at = accepted
        _message(session, conversation, replied, "out", "ambassador", ambassador, None, answer)
        conversation.closed_at = replied + timedelta(minutes=rng.uniform(5, 90))
        if rng.random() < 0.7:
            session.add(_feedback(conversation, ambassador, rng.choice((5, 5, 5, 4, 4, 3, 2))))
        if rng.random() < 0.35:
            await _appointment(session, rng, conversation, ambassador, types, now, summary)
        if rng.random() < 0.35 and _purchase(
            session, rng, store, conversation, ambassador, customer.id, n, now
        ):
            summary.purchases += 1
    conversation.updated_at = conversation.closed_at or started
    summary.conversations += 1


def _message(
    session: AsyncSession,
    conversation: Conversation,
    at: datetime,
    direction: str,
    kind: str,
    staff: Staff | None,
    name: str | None,
    text: str,
) -> None:
    conversation.last_seq += 1
    session.add(
        Message(
            conversation_id=conversation.id,
            seq=conversation.last_seq,
            direction=direction,
            channel=conversation.channel,
            author_kind=kind,
            author_staff_id=staff.id if staff else None,
            author_name=staff.name if staff else name,
            text=text,
            created_at=at,
            delivery_status="sent" if direction == "out" else None,
        )
    )


def _offer(
    session: AsyncSession,
    conversation: Conversation,
    staff: Staff,
    started: datetime,
    status: str,
    after_seconds: float,
) -> datetime:
    resolved = started + timedelta(seconds=after_seconds)
    session.add(
        Offer(
            conversation_id=conversation.id,
            staff_id=staff.id,
            status=status,
            created_at=resolved - timedelta(seconds=min(after_seconds, 30)),
            expires_at=resolved,
            resolved_at=resolved,
        )
    )
    return resolved


def _feedback(conversation: Conversation, staff: Staff, score: int) -> Feedback:
    assert conversation.closed_at is not None
    return Feedback(
        kind="csat",
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        store_id=conversation.store_id,
        staff_id=staff.id,
        channel=conversation.channel,
        language=conversation.language,
        asked_at=conversation.closed_at,
        answered_at=conversation.closed_at + timedelta(minutes=3),
        score=score,
    )


async def _appointment(
    session: AsyncSession,
    rng: random.Random,
    conversation: Conversation,
    staff: Staff,
    types: dict[str, AppointmentType],
    now: datetime,
    summary: HistorySummary,
) -> None:
    kind = rng.choice(sorted(types))
    type_row = types[kind]
    start = (conversation.created_at + timedelta(days=rng.randint(1, 6))).replace(
        minute=0, second=0, microsecond=0
    )
    if start >= now - timedelta(hours=2):
        return
    status = "completed" if rng.random() < 0.8 else "no_show"
    end = start + timedelta(minutes=type_row.duration_minutes)
    appointment = Appointment(
        store_id=conversation.store_id,
        type_id=type_row.id,
        ambassador_id=staff.id,
        customer_id=conversation.customer_id,
        conversation_id=conversation.id,
        status=status,
        kind=type_row.kind,
        starts_at=start,
        ends_at=end,
        block_start=start,
        block_end=end,
        language=conversation.language,
        created_at=conversation.created_at,
        updated_at=end,
    )
    session.add(appointment)
    await session.flush()
    if status == "completed" and rng.random() < 0.6:
        session.add(
            Feedback(
                kind="nps",
                appointment_id=appointment.id,
                customer_id=conversation.customer_id,
                store_id=conversation.store_id,
                staff_id=staff.id,
                channel="email",
                language=conversation.language,
                asked_at=end,
                answered_at=end + timedelta(hours=2),
                score=rng.choice((10, 10, 9, 9, 8, 7, 6)),
            )
        )
    summary.appointments += 1


def _purchase(
    session: AsyncSession,
    rng: random.Random,
    store: Store,
    conversation: Conversation,
    staff: Staff,
    customer_id: str,
    n: int,
    now: datetime,
) -> bool:
    description, category, price = rng.choice(PIECES)
    currency = CURRENCY.get(store.country, "EUR")
    assert conversation.closed_at is not None
    purchased_at = conversation.closed_at + timedelta(days=rng.uniform(0.5, 10))
    if purchased_at >= now:
        return False
    session.add(
        Purchase(
            store_id=store.id,
            transaction_id=f"DEMO-{store.code}-{n:03d}",
            line_no=1,
            customer_id=customer_id,
            purchased_at=purchased_at,
            description=description,
            category=category,
            quantity=1,
            unit_price=(Decimal(price) * PRICE_SCALE[currency]).quantize(Decimal("1")),
            currency=currency,
            staff_id=staff.id,
            conversation_id=conversation.id,
        )
    )
    return True
