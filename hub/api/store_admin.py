"""Store administration: stores, channel accounts and routing settings."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    del app
