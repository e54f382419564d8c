"""``hub serve``: the web process (HTTP + websockets), with a graceful SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from hub.app import create_app
from hub.db import migrate as migrations
from hub.errors import HubError
from hub.settings import Settings

log = logging.getLogger("hub.serve")


def _check_schema(settings: Settings) -> None:
    current = asyncio.run(migrations.current_revision(settings.database_url))
    head = migrations.head_revision(settings.database_url)
    if current != head:
        raise HubError(
            f"database is at revision {current or 'none'} but this hub needs {head}: "
            "run `hub migrate` first"
        )


def serve(settings: Settings, host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise HubError(f"--port must be between 1 and 65535, not {port}")
    _check_schema(settings)
    if settings.secret_key_is_ephemeral:
        log.warning(
            "HUB_SECRET_KEY is not set: using a random key, so visitor tokens end with this process"
        )
    base = f"http://{host}:{port}"
    print(f"Concierge hub on {base}", flush=True)
    print(f"  demo shop page: {base}/chat?store=PARIS01", flush=True)
    print(f"  ambassador console: {base}/console", flush=True)
    print(f"  health: {base}/healthz", flush=True)
    web.run_app(
        create_app(settings),
        host=host,
        port=port,
        print=None,
        access_log=None,
        shutdown_timeout=5,  # acknowledged writes are awaited before this, in on_shutdown
        handle_signals=True,
    )
