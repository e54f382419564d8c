"""Many ``hub`` commands in one process: ``python -m bench.relay.hubcli < commands.json``.

Each command goes through ``hub.cli.main`` exactly as ``hub ARGS`` would (argument
parsing, validation, its own transaction), with its ``stdin`` text as standard input; only
the interpreter start-up (about a second each, most of ``hub staff add``'s time) is
shared. Input: a JSON list of ``{"args": [...], "stdin": "..."}``. Exits 1 at the first
command that fails, naming it.
"""

from __future__ import annotations

import io
import json
import sys


def main() -> None:
    from hub.cli import main as hub_main

    commands = json.load(sys.stdin)
    for command in commands:
        args = [str(a) for a in command["args"]]
        sys.stdin = io.StringIO(command.get("stdin") or "")
        try:
            hub_main(args)
        except SystemExit as exc:
            if exc.code not in (0, None):
                print(f"hub {' '.join(args)} failed ({exc.code})", file=sys.stderr)
                sys.exit(1)


if __name__ == "__main__":
    main()
