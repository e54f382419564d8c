"""The hub's realtime path against a bare python-socketio relay, on the same machine.

    .venv/bin/python -m bench.relay                      # the whole suite, a few minutes
    .venv/bin/python -m bench.relay --smoke              # small and quick
    .venv/bin/python -m bench.relay --only rate --targets bare,postgresql --seconds 20
    .venv/bin/python -m bench.relay --targets bare:uvloop,postgresql:uvloop
    .venv/bin/python -m bench.relay --serve-bare 8099 --loop uvloop   # just the relay

Targets: ``bare`` (``bench.relay.bare``), ``sqlite`` and ``postgresql`` (a real ``hub
serve`` on a fresh database), ``postgresql+redis`` (the same with ``HUB_REDIS_URL``), each
with an optional ``:asyncio``/``:uvloop`` suffix (default: ``--loop``). Parts:
``saturation`` (closed loop), ``rate`` (open loop at ``--rate`` msg/s in total), ``idle``
(``--idle`` idle shoppers on a fresh server, RSS per connection). Prints a table per run
and a summary with the issue's targets; see docs/bench-relay.md.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.relay import bare, loops
from bench.relay.load import raise_fd_limit
from bench.relay.suite import Options, run_session
from bench.relay.targets import Target

PARTS = ("saturation", "rate", "idle")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.relay", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help="only run the bare relay")
    parser.add_argument(
        "--loop", default=None, help="servers' default event loop (the hub's: uvloop)"
    )
    parser.add_argument(
        "--client-loop", default=loops.default_client_loop(), help="the load client's loop"
    )
    parser.add_argument(
        "--targets",
        default="bare,sqlite,postgresql",
        help="bare, sqlite, postgresql, postgresql+redis, each with :asyncio or :uvloop",
    )
    parser.add_argument("--only", default=",".join(PARTS), help="saturation,rate,idle")
    parser.add_argument("--conversations", type=int, help="shoppers, one conversation each")
    parser.add_argument("--ambassadors", type=int, help="ambassadors sharing the shoppers")
    parser.add_argument("--seconds", type=float, help="length of each load run")
    parser.add_argument("--rate", type=float, help="open loop: messages per second in total")
    parser.add_argument("--idle", type=int, help="idle shoppers per server")
    parser.add_argument("--workers", type=int, default=2, help="load client processes")
    parser.add_argument("--repeat", type=int, default=1, help="load runs per target")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each run, wait up to this long for the machine to be idle (shared hosts)",
    )
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="one server at a time (default: all up, their runs interleaved)",
    )
    parser.add_argument(
        "--reply-every", type=int, default=0, help="ambassadors answer every n-th message"
    )
    parser.add_argument(
        "--stock-limits",
        action="store_true",
        help="keep the hub's per-visitor message limit (60/min, burst 30)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="one more run per part and target under py-spy"
    )
    parser.add_argument("--keep", type=Path, help="keep logs and profiles in this folder")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="quick defaults: 100 conversations, 10 ambassadors, 3 s, 200 msg/s, 500 idle",
    )
    return parser


def options_from(args: argparse.Namespace, folder: Path) -> Options:
    smoke = args.smoke
    parts = frozenset(p.strip() for p in args.only.split(",") if p.strip())
    if unknown := parts - set(PARTS):
        raise SystemExit(f"--only: unknown part(s) {', '.join(sorted(unknown))}")
    conversations = args.conversations or (100 if smoke else 1000)
    ambassadors = args.ambassadors or (10 if smoke else 100)
    if ambassadors > conversations:
        raise SystemExit("--ambassadors must not exceed --conversations")
    loop = loops.check(args.loop or loops.default())
    return Options(
        targets=tuple(Target.parse(t, loop) for t in args.targets.split(",")),
        parts=parts,
        conversations=conversations,
        ambassadors=ambassadors,
        seconds=args.seconds or (3.0 if smoke else 10.0),
        rate=args.rate or (200.0 if smoke else 1000.0),
        idle=args.idle if args.idle is not None else (500 if smoke else 10_000),
        workers=args.workers,
        client_loop=loops.check(args.client_loop),
        reply_every=args.reply_every,
        lift_visitor_limit=not args.stock_limits,
        profile=args.profile,
        folder=folder,
        repeat=args.repeat,
        interleave=not args.sequential,
        quiet_wait=args.quiet_wait,
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    raise_fd_limit()
    if args.serve_bare is not None:
        bare.serve(args.serve_bare, loops.check(args.loop or loops.default()))
        return
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        asyncio.run(run_session(options_from(args, args.keep.resolve())))
        return
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as folder:
        asyncio.run(run_session(options_from(args, Path(folder))))


if __name__ == "__main__":
    main()
