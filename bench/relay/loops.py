"""Event loop selection: the default asyncio loop or uvloop, for servers and clients."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Coroutine
from typing import Any, TypeVar

LOOPS = ("asyncio", "uvloop")
T = TypeVar("T")


def default() -> str:
    """The hub's own default (``HUB_EVENT_LOOP``): uvloop where it is installed."""
    return "uvloop" if available("uvloop") else "asyncio"


def available(name: str) -> bool:
    if name == "asyncio":
        return True
    return name == "uvloop" and importlib.util.find_spec("uvloop") is not None


def check(name: str) -> str:
    if name not in LOOPS:
        raise SystemExit(f"unknown event loop {name!r}: one of {', '.join(LOOPS)}")
    if not available(name):
        raise SystemExit(f"event loop {name!r} is not installed (.venv/bin/pip install {name})")
    return name


def install(name: str) -> None:
    """Make ``name`` the loop every later ``asyncio.run``/``new_event_loop`` creates."""
    check(name)
    if name == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    else:
        asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())


def run(coroutine: Coroutine[Any, Any, T], name: str) -> T:
    install(name)
    return asyncio.run(coroutine)


def default_client_loop() -> str:
    """The load client runs on the fastest loop installed, so it is not the bottleneck."""
    return "uvloop" if available("uvloop") else "asyncio"
