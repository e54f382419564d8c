"""Demo data for a first run: three boutiques and their ambassadors. Idempotent: what
exists is left as it is, so running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.hours import parse_hours
from hub import canned_text
from hub.clock import Clock
from hub.db.canned_models import CannedReply
from hub.db.channel_models import Mailbox
from hub.db.engine import Database
from hub.db.models import AppointmentType, Staff, StaffStore, Store
from hub.schedules import set_schedule
from hub.seed_clients import seed_clients
from hub.seed_history import HistorySummary, seed_history
from hub.staff import NewStaff, add_staff
from hub.stores import NewStore, add_store, store_by_code

DEMO_PASSWORD = "concierge-demo"  # noqa: S105 - demo data only, printed at seeding

DEMO_STORES = (
    dict(
        code="PARIS01",
        name="Maison Lumière Paris · Place Vendôme",
        timezone="Europe/Paris",
        country="FR",
        languages="fr,en",
        hours=None,
        address="12 Place Vendôme, 75001 Paris, France",
    ),
    dict(
        code="LONDON01",
        name="Maison Lumière London · New Bond Street",
        timezone="Europe/London",
        country="GB",
        languages="en",
        hours=None,
        address="160 New Bond Street, London W1S 2UE, United Kingdom",
    ),
    dict(
        code="SHANGHAI01",
        name="Maison Lumière Shanghai · Plaza 66",
        timezone="Asia/Shanghai",
        country="CN",
        languages="zh-Hans,en",
        hours=None,
        address="1266 Nanjing West Road, Jing'an, Shanghai 200040, China",
    ),
    dict(
        code="TOKYO01",
        name="Maison Lumière Tokyo · Ginza",
        timezone="Asia/Tokyo",
        country="JP",
        languages="ja,en",
        hours=None,
        address="4-6-16 Ginza, Chuo-ku, Tokyo 104-0061, Japan",
    ),
    dict(
        code="DUBAI01",
        name="Maison Lumière Dubai · The Dubai Mall",
        timezone="Asia/Dubai",
        country="AE",
        languages="ar,en",
        hours=None,
        address="Fashion Avenue, The Dubai Mall, Dubai, United Arab Emirates",
    ),
)

DEMO_STAFF = tuple(
    NewStaff(
        email=email,
        name=name,
        store_code=store,
        role=role,
        languages=languages,
        capacity=capacity,
        password=DEMO_PASSWORD,
    )
    for email, name, store, role, languages, capacity in (
        ("amelie@demo.concierge", "Amélie Laurent", "PARIS01", "ambassador", ["fr", "en"], 3),
        ("hugo@demo.concierge", "Hugo Martin", "PARIS01", "ambassador", ["fr", "en"], 3),
        ("claire@demo.concierge", "Claire Dubois", "PARIS01", "manager", ["fr", "en"], 2),
        ("james@demo.concierge", "James Whitfield", "LONDON01", "ambassador", ["en"], 3),
        ("liwei@demo.concierge", "Li Wei", "SHANGHAI01", "ambassador", ["zh-Hans", "en"], 3),
        ("yuki@demo.concierge", "Yuki Tanaka", "TOKYO01", "ambassador", ["ja", "en"], 3),
        ("layla@demo.concierge", "Layla Haddad", "DUBAI01", "ambassador", ["ar", "en"], 3),
    )
)


# When each demo ambassador takes appointments (the stores themselves take chats around the
# clock in the demo, so a first visitor always finds someone).
DEMO_SCHEDULES = {
    "amelie@demo.concierge": "Mon-Fri 10:00-18:00",
    "hugo@demo.concierge": "Tue-Sat 11:00-19:00",
    "claire@demo.concierge": "Mon-Fri 09:30-17:30",
    "james@demo.concierge": "Mon-Sat 10:00-18:00",
    "liwei@demo.concierge": "Mon-Sun 10:00-20:00",
    "yuki@demo.concierge": "Mon-Sun 11:00-20:00",
    "layla@demo.concierge": "Mon-Sun 10:00-22:00",
}
REGIONAL_MANAGER = "claire@demo.concierge"
# An in-store viewing needs the salon prepared and cleared.
IN_STORE_BUFFER_MINUTES = 15


@dataclass
class SeedSummary:
    stores_created: int = 0
    stores_existing: int = 0
    staff_created: int = 0
    staff_existing: int = 0
    canned_replies_created: int = 0
    clients_created: int = 0
    history: HistorySummary | None = None


async def seed_demo(db: Database, clock: Clock, progress: Callable[[str], None]) -> SeedSummary:
    summary = SeedSummary()
    total = len(DEMO_STORES) + len(DEMO_STAFF)
    step = 0
    async with db.transaction() as session:
        for spec in DEMO_STORES:
            step += 1
            if await session.scalar(select(Store.id).where(Store.code == spec["code"])):
                summary.stores_existing += 1
                progress(f"[{step}/{total}] store {spec['code']}: already there")
                continue
            store = await add_store(session, NewStore.parse(**spec), now=clock(), actor="seed-demo")
            await session.execute(
                update(AppointmentType)
                .where(AppointmentType.store_id == store.id, AppointmentType.kind == "in_store")
                .values(
                    buffer_before_minutes=IN_STORE_BUFFER_MINUTES,
                    buffer_after_minutes=IN_STORE_BUFFER_MINUTES,
                )
            )
            # Each boutique answers mail from its own address (receiving it needs
            # HUB_SMTP_PORT or the webhook; replies need HUB_SMTP_RELAY).
            session.add(
                Mailbox(
                    address=f"{store.code.lower()}@demo.concierge",
                    store_id=store.id,
                    display_name=store.name,
                    signature=store.name,
                    created_at=clock(),
                )
            )
            summary.stores_created += 1
            progress(f"[{step}/{total}] store {spec['code']}: created")
        for person in DEMO_STAFF:
            step += 1
            if await session.scalar(select(Staff.id).where(Staff.email == person.email)):
                summary.staff_existing += 1
                progress(f"[{step}/{total}] staff {person.email}: already there")
                continue
            staff = await add_staff(session, person, now=clock(), actor="seed-demo")
            store = await store_by_code(session, person.store_code)
            await set_schedule(
                session,
                staff,
                store,
                parse_hours(DEMO_SCHEDULES[person.email]),
                now=clock(),
                actor=("cli", "seed-demo"),
            )
            summary.staff_created += 1
            progress(f"[{step}/{total}] staff {person.email}: created")
        await _regional_manager(session)
        summary.canned_replies_created = await _demo_canned_replies(session, clock)
        summary.clients_created = await seed_clients(session, clock())
        summary.history = await seed_history(session, clock(), progress)
    return summary


async def _regional_manager(session: AsyncSession) -> None:
    """The demo's manager looks after every demo boutique, so the dashboard compares them."""
    manager = await session.scalar(select(Staff).where(Staff.email == REGIONAL_MANAGER))
    if manager is None:
        return
    linked = {link.store_id for link in manager.store_links}
    codes = [spec["code"] for spec in DEMO_STORES]
    for store in await session.scalars(select(Store).where(Store.code.in_(codes))):
        if store.id not in linked:
            manager.store_links.append(StaffStore(store_id=store.id))


# Store replies PARIS01 shares (hub.canned_replies), by (language, shortcut).
DEMO_CANNED = (
    (
        "en",
        "resize",
        "Resize ready",
        "Dear {customer.first_name}, your ring has been resized and is waiting for you at "
        "{store.name}. We look forward to seeing you. {ambassador.name}",
    ),
    (
        "fr",
        "mise-a-taille",
        "Mise à taille prête",
        "Bonjour {customer.first_name}, votre bague a été mise à taille et vous attend à "
        "{store.name}. Au plaisir de vous accueillir. {ambassador.name}",
    ),
    (
        "en",
        "welcome",
        "Welcome",
        "Good day {customer.first_name}, this is {ambassador.first_name} from {store.name}. "
        "How may I help you?",
    ),
    (
        "fr",
        "bienvenue",
        "Bienvenue",
        "Bonjour {customer.first_name}, ici {ambassador.first_name} de {store.name}. "
        "Comment puis-je vous aider ?",
    ),
)


async def _demo_canned_replies(session: AsyncSession, clock: Clock) -> int:
    """The Paris boutique's shared canned replies, written by its manager; kept as they are
    when they exist (a manager may have edited them). The number created this time."""
    store = await session.scalar(select(Store).where(Store.code == "PARIS01"))
    author = await session.scalar(select(Staff.id).where(Staff.email == REGIONAL_MANAGER))
    if store is None:
        return 0
    created = 0
    for language, shortcut, title, text in DEMO_CANNED:
        exists = await session.scalar(
            select(CannedReply.id).where(
                CannedReply.store_id == store.id,
                CannedReply.language == language,
                CannedReply.shortcut == shortcut,
            )
        )
        if exists is None:
            session.add(
                CannedReply(
                    scope="store",
                    store_id=store.id,
                    language=language,
                    title=title,
                    shortcut=shortcut,
                    text=canned_text.check(text),
                    created_by=author,
                    created_at=clock(),
                    updated_at=clock(),
                )
            )
            created += 1
    return created
