"""Hand-built histories for the insights tests: conversations with their messages, offers,
callbacks, appointments, feedback and purchases, written straight into the tables so
each test states exactly the events its expected figures are computed from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db.booking_models import Appointment
from hub.db.engine import Database
from hub.db.feedback_models import Feedback
from hub.db.models import (
    AppointmentType,
    Conversation,
    Customer,
    Message,
    Offer,
    StaffStore,
    new_id,
)
from hub.db.profile_models import Purchase
from hub.db.voice_models import Callback
from hub.services import SERVICES
from hub.staff import Principal
from tests.factories import PASSWORD, make_staff, make_store

# The tests' "now": after November 2026, the month most of them report on.
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


class History:
    """Writes one kind of event per call, each in its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def customer(self, at: datetime, name: str = "Ada") -> str:
        async with self.db.transaction() as session:
            customer = Customer(name=name, created_at=at)
            session.add(customer)
            await session.flush()
            return customer.id

    async def conversation(
        self,
        store_id: str,
        at: datetime,
        *,
        channel: str = "webchat",
        staff_id: str | None = None,
        status: str = "closed",
        customer_id: str | None = None,
        messages: Sequence[tuple[str, float]] = (),
        outcome: str | None = None,
    ) -> str:
        """A conversation created at ``at``; ``messages`` are (author kind, seconds after
        ``at``) in order; ``outcome`` as a close stored it."""
        customer_id = customer_id or await self.customer(at)
        async with self.db.transaction() as session:
            conversation = Conversation(
                id=new_id(),
                store_id=store_id,
                customer_id=customer_id,
                channel=channel,
                contact=f"contact-{new_id()[:8]}",
                status=status,
                assigned_staff_id=staff_id,
                last_seq=len(messages),
                created_at=at,
                updated_at=at,
                queued_at=at,
                closed_at=at if status == "closed" else None,
                outcome=outcome,
            )
            session.add(conversation)
            await session.flush()
            for seq, (kind, seconds) in enumerate(messages, 1):
                session.add(
                    Message(
                        conversation_id=conversation.id,
                        seq=seq,
                        direction="in" if kind == "customer" else "out",
                        channel=channel,
                        author_kind=kind,
                        author_staff_id=staff_id if kind == "ambassador" else None,
                        text="…",
                        created_at=at + timedelta(seconds=seconds),
                    )
                )
            return conversation.id

    async def offer(
        self, conversation_id: str, staff_id: str, status: str, at: datetime, resolved: datetime
    ) -> None:
        async with self.db.transaction() as session:
            session.add(
                Offer(
                    conversation_id=conversation_id,
                    staff_id=staff_id,
                    status=status,
                    created_at=at,
                    expires_at=at + timedelta(seconds=30),
                    resolved_at=resolved,
                )
            )

    async def callback(self, conversation_id: str, due: datetime, at: datetime) -> None:
        async with self.db.transaction() as session:
            session.add(
                Callback(
                    conversation_id=conversation_id,
                    phone="+33142000000",
                    due_at=due,
                    attempts=0,
                    max_attempts=3,
                    status="queued",
                    source="form",
                    created_at=at,
                    updated_at=at,
                )
            )

    async def appointment(
        self,
        store_id: str,
        staff_id: str,
        start: datetime,
        status: str = "booked",
        *,
        conversation_id: str | None = None,
        customer_id: str | None = None,
    ) -> str:
        async with self.db.transaction() as session:
            type_id = await session.scalar(
                select(AppointmentType.id).where(
                    AppointmentType.store_id == store_id, AppointmentType.code == "in-store"
                )
            )
            end = start + timedelta(hours=1)
            appointment = Appointment(
                store_id=store_id,
                type_id=type_id,
                ambassador_id=staff_id,
                customer_id=customer_id,
                conversation_id=conversation_id,
                status=status,
                kind="in_store",
                starts_at=start,
                ends_at=end,
                block_start=start,
                block_end=end,
                created_at=start - timedelta(days=3),
                updated_at=start - timedelta(days=3),
                cancelled_at=start if status == "cancelled" else None,
            )
            session.add(appointment)
            await session.flush()
            return appointment.id

    async def feedback(
        self,
        kind: str,
        store_id: str,
        score: int | None,
        at: datetime,
        *,
        conversation_id: str | None = None,
        appointment_id: str | None = None,
    ) -> None:
        async with self.db.transaction() as session:
            session.add(
                Feedback(
                    kind=kind,
                    conversation_id=conversation_id,
                    appointment_id=appointment_id,
                    store_id=store_id,
                    channel="webchat",
                    asked_at=at,
                    answered_at=at + timedelta(minutes=5) if score is not None else None,
                    score=score,
                )
            )

    async def purchase(
        self,
        store_id: str,
        at: datetime,
        unit_price: str,
        currency: str,
        *,
        staff_id: str | None,
        quantity: int = 1,
        customer_id: str | None = None,
        conversation_id: str | None = None,
        appointment_id: str | None = None,
    ) -> None:
        async with self.db.transaction() as session:
            session.add(
                Purchase(
                    store_id=store_id,
                    transaction_id=new_id()[:12],
                    line_no=1,
                    customer_id=customer_id,
                    purchased_at=at,
                    quantity=quantity,
                    unit_price=Decimal(unit_price),
                    currency=currency,
                    staff_id=staff_id,
                    conversation_id=conversation_id,
                    appointment_id=appointment_id,
                )
            )


@dataclass
class World:
    """Paris and Tokyo (Claire manages both), London (James); Paris's ambassadors Amélie
    and Bruno, Tokyo's Hiro; ``headers`` sign each of them in."""

    history: History
    stores: dict[str, str]
    staff: dict[str, Principal]
    headers: dict[str, dict[str, str]]


async def insights_world(client: TestClient, now: datetime) -> World:
    db: Database = client.app[SERVICES].db
    stores = {
        "PARIS01": await make_store(db, now, "PARIS01"),
        "TOKYO01": await make_store(
            db, now, "TOKYO01", timezone="Asia/Tokyo", country="JP", languages="ja,en"
        ),
        "LONDON01": await make_store(
            db, now, "LONDON01", timezone="Europe/London", country="GB", languages="en"
        ),
    }
    people = {
        "amelie": ("PARIS01", "ambassador", "Amélie Durand"),
        "bruno": ("PARIS01", "ambassador", "Bruno Martin"),
        "hiro": ("TOKYO01", "ambassador", "Hiro Tanaka"),
        "claire": ("PARIS01", "manager", "Claire Petit"),
        "james": ("LONDON01", "manager", "James Smith"),
    }
    staff = {
        key: await make_staff(db, now, store, role=role, name=name, email=f"{key}@test.concierge")
        for key, (store, role, name) in people.items()
    }
    async with db.transaction() as session:
        session.add(StaffStore(staff_id=staff["claire"].id, store_id=stores["TOKYO01"]))
    headers = {key: await sign_in(client, f"{key}@test.concierge") for key in people}
    return World(History(db), stores, staff, headers)


async def sign_in(client: TestClient, email: str) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status == 200
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def ask(client: TestClient, headers: dict[str, str], status: int = 200, **params: str) -> Any:
    """GET /api/insights with ``params`` (November by default); the JSON body."""
    query = {**NOVEMBER, **params}
    response = await client.get("/api/insights", params=query, headers=headers)
    assert response.status == status, await response.text()
    return await response.json()


def group(report: dict[str, Any], key: Any) -> dict[str, Any]:
    [found] = [g for g in report["groups"] if g["key"] == key]
    return found
