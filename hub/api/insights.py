"""Managers' insights over HTTP: ``GET /api/insights`` (JSON) and
``GET /api/insights.csv?chart=groups|daily|sales`` with the same parameters.

Thin: the caller and the query string are checked by ``hub.insights.scope``, the figures
come from ``hub.insights.report``; see docs/insights.md for what each one means.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from hub.api.requests import principal
from hub.errors import InvalidInput
from hub.insights import csv_export, report
from hub.insights.definitions import CHANNELS, GROUPINGS
from hub.insights.scope import question
from hub.openapi import Body, Param, errors, operation, ref
from hub.openapi.schemas import STRING, enum
from hub.services import services

QUERY = {
    "from": Param({"type": "string", "format": "date"}, "first day, in the period's zone"),
    "to": Param({"type": "string", "format": "date"}, "last day (included)"),
    "timezone": Param(STRING, "IANA zone of the days; the store's by default"),
    "store": Param(STRING, "one of the manager's stores, by code"),
    "country": Param(STRING, "two-letter country code"),
    "channel": Param(enum(*CHANNELS), "only this channel"),
    "by": Param(enum(*GROUPINGS), "how figures are grouped; store by default"),
}
FAILURES = errors(400, 403, 404)


async def _report(request: web.Request) -> dict[str, Any]:
    who = await principal(request)
    hub = services(request)
    abandon_after = timedelta(minutes=hub.settings.abandon_minutes)
    async with hub.db.reading() as session:
        asked = await question(
            session, who, request.query, now=hub.clock(), abandon_after=abandon_after
        )
        return await report.build(session, asked)


@operation(
    summary="Service figures of the manager's stores over a period",
    tag="insights",
    auth="staff",
    query=QUERY,
    responses={200: ref("Insights"), **FAILURES},
)
async def insights(request: web.Request) -> web.Response:
    return web.json_response(await _report(request))


@operation(
    summary="One chart of the insights as a CSV download",
    tag="insights",
    auth="staff",
    query={"chart": Param(enum(*csv_export.CHARTS), "which table; groups by default"), **QUERY},
    responses={200: Body({"type": "string"}, media_type="text/csv"), **FAILURES},
)
async def insights_csv(request: web.Request) -> web.Response:
    chart = request.query.get("chart", "groups")
    if chart not in csv_export.CHARTS:
        raise InvalidInput("chart", f"chart must be one of {', '.join(csv_export.CHARTS)}")
    found = await _report(request)
    return web.Response(
        text=csv_export.render(found, chart),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": (f'attachment; filename="{csv_export.filename(chart, found)}"'),
            "Cache-Control": "no-store",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/insights", insights)
    app.router.add_get("/api/insights.csv", insights_csv)
