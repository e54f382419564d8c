"""Web chat attachments: files uploaded by shoppers and ambassadors."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    del app
