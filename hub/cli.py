"""The ``hub`` command: serve, worker, migrate, seed-demo, stores, staff and their calendars,
import-pos.

Every failure prints one line to stderr and exits non-zero; writes happen in a single
transaction, so a failed command leaves nothing behind.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from typing import Any, NoReturn

from hub import validation
from hub.commands import calendar_admin, mailbox_admin, voice_admin, wechat_admin
from hub.errors import ConfigError, HubError
from hub.logs import configure_logging
from hub.settings import Settings

log = logging.getLogger("hub.cli")


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hub", description="Concierge service hub")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="serve HTTP and websockets")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)

    commands.add_parser("worker", help="run background jobs from Redis (production mode)")
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("seed-demo", help="add demo stores and ambassadors (idempotent)")

    store = commands.add_parser("store", help="manage stores")
    store_cmds = store.add_subparsers(dest="action", required=True, parser_class=_Parser)
    store_add = store_cmds.add_parser("add", help="add a store")
    store_add.add_argument("code")
    store_add.add_argument("--name", required=True)
    store_add.add_argument("--timezone", required=True)
    store_add.add_argument("--country", required=True)
    store_add.add_argument("--languages", required=True)
    store_add.add_argument("--hours", help='e.g. "Mon-Sat 10:00-19:00"; omitted: always open')
    store_add.add_argument("--address", help="shown on in-store appointments")

    staff = commands.add_parser("staff", help="manage staff")
    staff_cmds = staff.add_subparsers(dest="action", required=True, parser_class=_Parser)
    staff_add = staff_cmds.add_parser("add", help="add a staff member")
    staff_add.add_argument("--email", required=True)
    staff_add.add_argument("--name", required=True)
    staff_add.add_argument("--store", required=True)
    staff_add.add_argument("--role", default="ambassador", choices=validation.ROLES)
    staff_add.add_argument("--languages", help="default: the store's languages")
    staff_add.add_argument("--capacity", type=int, default=3)
    staff_add.add_argument("--skills", help="e.g. bridal,high-jewellery (routing and booking)")
    staff_add.add_argument("--phone", help="where their phone calls ring, e.g. +33612345678")
    staff_add.add_argument("--password-stdin", action="store_true", required=True)

    calendar_admin.add_parsers(store_cmds, staff_cmds)
    wechat_admin.add_parsers(commands, _Parser)
    mailbox_admin.add_parsers(commands, _Parser)
    voice_admin.add_parsers(commands, _Parser)

    pos = commands.add_parser("import-pos", help="import a store's daily point-of-sale export")
    pos.add_argument("file", metavar="FILE", help="CSV export: one row per purchase line")
    pos.add_argument(
        "--dry-run", action="store_true", help="check and count everything, write nothing"
    )
    pos.add_argument(
        "--errors", metavar="REPORT.csv", help="error report path (default: FILE.errors.csv)"
    )
    pos.add_argument(
        "--attribution-days",
        type=_positive_int,
        default=14,
        help="credit a sale to a conversation up to this many days before it (default 14)",
    )
    return parser


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_format, settings.log_level)
        _run(args, settings)
    except (CliError, HubError) as exc:
        message = exc.message if isinstance(exc, HubError) else str(exc)
        print(f"hub: {message}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


def _run(args: argparse.Namespace, settings: Settings) -> None:
    """Commands that serve or migrate run blocking; the rest are one coroutine each."""
    if args.command == "serve":
        from hub.commands.serve import serve

        serve(settings, args.host, args.port)
    elif args.command == "worker":
        from hub.commands.worker import work

        work(settings)
    elif args.command == "migrate":
        from hub.commands.admin import migrate

        migrate(settings)
    else:
        asyncio.run(_command(args, settings))


def _command(args: argparse.Namespace, settings: Settings) -> Coroutine[Any, Any, None]:
    from hub.commands import admin, pos

    key = (args.command, getattr(args, "action", None))
    if key == ("seed-demo", None):
        return admin.seed(settings)
    if key == ("import-pos", None):
        return pos.import_pos(settings, args)
    if key == ("store", "add"):
        return admin.store_add(settings, args)
    if key == ("staff", "add"):
        return admin.staff_add(settings, args, sys.stdin.readline().rstrip("\n"))
    if args.command == "wechat":
        line = sys.stdin.readline().rstrip("\n") if args.action == "add" else ""
        return wechat_admin.run(settings, args, line)
    if args.command == "mailbox":
        return mailbox_admin.run(settings, args)
    if args.command == "voice":
        line = sys.stdin.readline().rstrip("\n") if args.action == "add" else ""
        return voice_admin.run(settings, args, line)
    calendar = {
        ("store", "type"): calendar_admin.appointment_type,
        ("store", "special-hours"): calendar_admin.special_hours,
        ("staff", "schedule"): calendar_admin.schedule,
        ("staff", "time-off"): calendar_admin.time_off,
    }
    if key in calendar:
        return calendar[key](settings, args)
    raise ConfigError(f"unknown command {args.command}")  # argparse rejects these first


if __name__ == "__main__":
    main()
