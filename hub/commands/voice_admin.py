"""``hub voice add|list``: the stores' numbers at a voice provider."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from adapters.voice.accounts import PROVIDERS, NewVoiceAccount, add_voice_account
from hub.clock import system_clock
from hub.commands.admin import require_schema, say
from hub.db.channel_models import VoiceAccount
from hub.db.engine import Database
from hub.db.models import Store
from hub.settings import Settings

CLI = ("cli", None)


def add_parsers(commands: argparse._SubParsersAction, parser_class: type) -> None:  # type: ignore[type-arg]
    voice = commands.add_parser("voice", help="manage the stores' phone numbers")
    actions = voice.add_subparsers(dest="action", required=True, parser_class=parser_class)
    add = actions.add_parser("add", help="a store's number at a voice provider")
    add.add_argument("provider", choices=PROVIDERS)
    add.add_argument("--number", required=True, help="E.164, e.g. +33142965000")
    add.add_argument("--store", required=True)
    add.add_argument("--account-sid", required=True)
    add.add_argument("--auth-token-stdin", action="store_true", required=True)
    actions.add_parser("list", help="the configured numbers (no tokens)")


async def run(settings: Settings, args: argparse.Namespace, stdin_line: str) -> None:
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        if args.action == "add":
            new = NewVoiceAccount.parse(
                provider=args.provider,
                number=args.number,
                store_code=args.store,
                account_sid=args.account_sid,
                auth_token=stdin_line,
            )
            async with db.transaction() as session:
                await add_voice_account(session, new, now=system_clock(), actor=CLI)
            say(f"{new.provider} number {new.number} added for {new.store_code}")
            return
        async with db.reading() as session:
            rows = (
                await session.execute(
                    select(VoiceAccount.number, VoiceAccount.provider, Store.code)
                    .join(Store, Store.id == VoiceAccount.store_id)
                    .order_by(VoiceAccount.number)
                )
            ).all()
        if not rows:
            say("no numbers yet: hub voice add twilio --number +… --store CODE …")
        for number, provider, code in rows:
            say(f"{number:<18} {provider:<8} {code}")
    finally:
        await db.close()
