"""Attention: conversation search, tags and read markers for the console."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    del app
