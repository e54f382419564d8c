"""Operator commands that change the database: migrate, seed-demo, store add, staff add."""

from __future__ import annotations

import argparse

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from hub import validation
from hub.clock import system_clock
from hub.db import migrate as migrations
from hub.db.engine import Database, normalise_url
from hub.db.models import Store
from hub.errors import HubError
from hub.seed import DEMO_PASSWORD, DEMO_STAFF, REGIONAL_MANAGER, seed_demo
from hub.settings import Settings
from hub.staff import NewStaff, add_staff, phone_number, skill_list
from hub.stores import NewStore, add_store, store_by_code


def say(line: str) -> None:
    print(line, flush=True)


def migrate(settings: Settings) -> None:
    target = make_url(normalise_url(settings.database_url)).render_as_string(hide_password=True)
    say(f"migrating {target}")
    before, after = migrations.upgrade_blocking(settings.database_url)
    if before == after:
        say(f"database already at revision {after}; nothing to do")
    else:
        say(f"database migrated from {before or 'empty'} to revision {after}")


async def require_schema(db: Database) -> None:
    try:
        await db.ping()
        async with db.reading() as session:
            await session.execute(select(Store.id).limit(1))
    except (OperationalError, ProgrammingError):
        raise HubError("the database has no schema yet: run `hub migrate` first") from None


async def seed(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        summary = await seed_demo(db, system_clock, say)
    finally:
        await db.close()
    say(
        f"seeded demo data: stores {summary.stores_created} new, "
        f"{summary.stores_existing} existing; "
        f"staff {summary.staff_created} new, {summary.staff_existing} existing; "
        f"canned replies {summary.canned_replies_created} new; "
        f"Amélie's clients {summary.clients_created} new"
    )
    history = summary.history
    if history is not None and not history.existing:
        say(
            f"demo history: {history.conversations} conversations, "
            f"{history.appointments} appointments, {history.purchases} attributed sales"
        )
    say(f"demo logins (password {DEMO_PASSWORD!r}):")
    for person in DEMO_STAFF:
        where = "every demo boutique" if person.email == REGIONAL_MANAGER else person.store_code
        say(f"  {person.email:<28} {person.role:<10} {where}")


async def store_add(settings: Settings, args: argparse.Namespace) -> None:
    new = NewStore.parse(
        code=args.code,
        name=args.name,
        timezone=args.timezone,
        country=args.country,
        languages=args.languages,
        hours=args.hours,
        address=args.address,
    )
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        async with db.transaction() as session:
            store = await add_store(session, new, now=system_clock(), actor="cli")
            code = store.code
    finally:
        await db.close()
    say(f"store {code} added with appointment types virtual (30 min) and in-store (60 min)")


async def staff_add(settings: Settings, args: argparse.Namespace, password: str) -> None:
    email = validation.staff_email(args.email)
    name = validation.name(args.name)
    capacity = validation.capacity(args.capacity)
    validation.password(password)
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        async with db.transaction() as session:
            store = await store_by_code(session, validation.store_code(args.store))
            languages = (
                validation.languages(args.languages) if args.languages else list(store.languages)
            )
            await add_staff(
                session,
                NewStaff(
                    email=email,
                    name=name,
                    store_code=store.code,
                    role=args.role,
                    languages=languages,
                    capacity=capacity,
                    password=password,
                    skills=skill_list(args.skills, "--skills"),
                    phone=phone_number(args.phone, store.country, "--phone"),
                ),
                now=system_clock(),
                actor="cli",
            )
    finally:
        await db.close()
    say(f"{args.role} {email} added to {store.code}")
