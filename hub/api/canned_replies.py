"""Canned replies: personal and store-shared answers, per language, with placeholders."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    del app
