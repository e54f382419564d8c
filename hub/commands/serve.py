"""``hub serve``: the web process (HTTP + websockets), with a graceful SIGTERM.

It runs on uvloop (libuv) unless ``HUB_EVENT_LOOP=asyncio``: measured with
``bench.relay``, uvloop gave the hub about 7% more throughput at saturation and the same
delivery p99 at 1,000 messages/s, and the bare relay a much shorter tail (11 ms p99
against 36). Where uvloop is not installed (Windows), asyncio's loop is used.
SIGTERM drains the process (``hub.app._finish_in_flight``) and exits 0.
"""

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


def event_loop(name: str) -> asyncio.AbstractEventLoop:
    """A new loop of the kind asked for; asyncio's own when uvloop is not installed."""
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.warning("HUB_EVENT_LOOP=uvloop but uvloop is not installed: using asyncio's loop")
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


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
    loop = event_loop(settings.event_loop)
    log.info("event loop", extra={"fields": {"loop": type(loop).__module__.split(".")[0]}})
    web.run_app(
        create_app(settings),
        host=host,
        port=port,
        print=None,
        access_log=None,
        # Acknowledged writes are awaited before this, in on_shutdown (the drain).
        shutdown_timeout=5,
        handle_signals=True,
        loop=loop,
    )
