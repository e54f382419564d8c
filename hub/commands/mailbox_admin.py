"""``hub mailbox add|list``: the addresses the hub receives mail for and answers from."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from adapters.email.mailboxes import add_mailbox
from hub.clock import system_clock
from hub.commands.admin import require_schema, say
from hub.db.channel_models import Mailbox
from hub.db.engine import Database
from hub.db.models import Store
from hub.settings import Settings

CLI = ("cli", None)


def add_parsers(commands: argparse._SubParsersAction, parser_class: type) -> None:  # type: ignore[type-arg]
    mailbox = commands.add_parser("mailbox", help="manage the mailboxes the hub answers")
    actions = mailbox.add_subparsers(dest="action", required=True, parser_class=parser_class)
    add = actions.add_parser("add", help="receive mail for ADDRESS in a store's queue")
    add.add_argument("address", help="e.g. paris@boutique.example.com")
    add.add_argument("--store", required=True)
    add.add_argument("--name", help="the sender name on replies (default: the store's name)")
    add.add_argument("--signature", help="appended to every reply from this address")
    actions.add_parser("list", help="the configured mailboxes")


async def run(settings: Settings, args: argparse.Namespace) -> None:
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        if args.action == "add":
            async with db.transaction() as session:
                row = await add_mailbox(
                    session,
                    args.address,
                    args.store,
                    display_name=args.name,
                    signature=args.signature,
                    now=system_clock(),
                    actor=CLI,
                )
                address = row.address
            say(f"mailbox {address} added for {args.store.upper()}")
            if settings.smtp_port is None and settings.email_webhook_secret is None:
                say("note: set HUB_SMTP_PORT or HUB_EMAIL_WEBHOOK_SECRET to receive its mail")
        else:
            async with db.reading() as session:
                rows = (
                    await session.execute(
                        select(Mailbox.address, Store.code)
                        .join(Store, Store.id == Mailbox.store_id)
                        .order_by(Mailbox.address)
                    )
                ).all()
            if not rows:
                say("no mailboxes yet: hub mailbox add ADDRESS --store CODE")
            for address, code in rows:
                say(f"{address:<40} {code}")
    finally:
        await db.close()
