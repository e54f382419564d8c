"""Clienteling: my clients, their dates, follow-up tasks and consented outreach."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    del app
