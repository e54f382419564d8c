"""``hub wechat add|template|list``: the Official Accounts the hub answers for.

The app secret is read from stdin, never from the command line (where ``ps`` and shell
history would keep it); no command prints a secret back.
"""

from __future__ import annotations

import argparse

from sqlalchemy import select

from adapters.wechat.accounts import (
    MODES,
    PURPOSES,
    NewWechatAccount,
    account_row,
    add_account,
    parse_template,
)
from hub import audit
from hub.clock import system_clock
from hub.commands.admin import require_schema, say
from hub.db.channel_models import WechatAccountRow
from hub.db.engine import Database
from hub.db.models import Store
from hub.errors import InvalidInput
from hub.settings import Settings

CLI = ("cli", None)


def add_parsers(commands: argparse._SubParsersAction, parser_class: type) -> None:  # type: ignore[type-arg]
    wechat = commands.add_parser("wechat", help="manage WeChat Official Accounts")
    actions = wechat.add_subparsers(dest="action", required=True, parser_class=parser_class)
    add = actions.add_parser("add", help="answer an Official Account's callbacks")
    add.add_argument("account", help="the name in its callback URL: /wechat/ACCOUNT")
    add.add_argument("--app-id", required=True)
    add.add_argument("--token", required=True, help="the server configuration's Token")
    add.add_argument("--aes-key", required=True, help="the EncodingAESKey (43 characters)")
    add.add_argument("--store", help="the store its conversations open in")
    add.add_argument("--welcome", help="sent to a user who follows the account")
    add.add_argument(
        "--mode",
        choices=MODES,
        default="safe",
        help="message encryption set in WeChat's server configuration (default: safe)",
    )
    add.add_argument("--app-secret-stdin", action="store_true", required=True)

    template = actions.add_parser("template", help="a template message for appointments")
    template.add_argument("account")
    template.add_argument("purpose", choices=PURPOSES)
    template.add_argument("--template-id", required=True)
    template.add_argument(
        "--field",
        action="append",
        default=[],
        help='key=text, e.g. keyword1="{start}" (repeat); placeholders: {name} {type} '
        "{start} {store} {address} {video_url} {manage_url}",
    )
    template.add_argument("--url", help="opened when the message is tapped, e.g. {manage_url}")

    actions.add_parser("list", help="the configured accounts (no secrets)")


async def run(settings: Settings, args: argparse.Namespace, stdin_line: str) -> None:
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        if args.action == "add":
            await _add(db, args, stdin_line)
        elif args.action == "template":
            await _template(db, args)
        else:
            await _list(db)
    finally:
        await db.close()


async def _add(db: Database, args: argparse.Namespace, secret: str) -> None:
    if not secret.strip():
        raise InvalidInput("app-secret", "give the app secret on stdin (--app-secret-stdin)")
    new = NewWechatAccount.parse(
        name=args.account,
        app_id=args.app_id,
        app_secret=secret,
        token=args.token,
        aes_key=args.aes_key,
        store_code=args.store,
        welcome_text=args.welcome,
        mode=args.mode,
    )
    async with db.transaction() as session:
        await add_account(session, new, now=system_clock(), actor=CLI)
    say(f"WeChat account {new.name} ({new.app_id}) added: callback URL /wechat/{new.name}")


async def _template(db: Database, args: argparse.Namespace) -> None:
    config = parse_template(args.purpose, args.template_id, args.field, args.url)
    now = system_clock()
    async with db.transaction() as session:
        row = await account_row(session, args.account.strip().lower())
        row.templates = {**(row.templates or {}), args.purpose: config}
        row.updated_at = now
        audit.record(
            session,
            at=now,
            actor_kind=CLI[0],
            actor_id=CLI[1],
            action="wechat_account.template",
            subject_type="wechat_account",
            subject_id=row.id,
            purpose=args.purpose,
            template_id=args.template_id,
        )
    say(f"{args.account}: {args.purpose} uses template {args.template_id}")


async def _list(db: Database) -> None:
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(WechatAccountRow, Store.code)
                .outerjoin(Store, Store.id == WechatAccountRow.store_id)
                .order_by(WechatAccountRow.name)
            )
        ).all()
    if not rows:
        say("no WeChat accounts yet: hub wechat add ACCOUNT ...")
    for row, store in rows:
        purposes = ",".join(sorted(row.templates or {})) or "none"
        say(f"{row.name:<16} {row.app_id}  store {store or '-'}  templates {purposes}")
