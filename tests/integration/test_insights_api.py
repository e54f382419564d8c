"""/api/insights as a manager meets it, on both databases: only their own stores, refusals
that name the wrong parameter, and CSV files that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from tests.conftest import FakeClock, make_settings
from tests.factories import make_staff
from tests.integration.insights_support import (
    NOVEMBER,
    NOW,
    World,
    ask,
    insights_world,
)

NOV = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def client(aiohttp_client: Any, database_url: str, clock: FakeClock) -> TestClient:
    clock.now = NOW
    return await aiohttp_client(create_app(make_settings(database_url), clock=clock))


@pytest.fixture
async def world(client: TestClient) -> World:
    world = await insights_world(client, NOW)
    paris, tokyo = world.stores["PARIS01"], world.stores["TOKYO01"]
    amelie = world.staff["amelie"].id
    chat = await world.history.conversation(
        paris, NOV, staff_id=amelie, messages=[("customer", 0), ("ambassador", 90)]
    )
    await world.history.purchase(
        paris, NOV, "-50.00", "EUR", staff_id=amelie, conversation_id=chat
    )  # a return
    await world.history.purchase(
        paris, NOV, "1250.00", "EUR", staff_id=amelie, conversation_id=chat
    )
    await world.history.conversation(tokyo, NOV + timedelta(days=1), channel="wechat")
    return world


async def test_a_manager_reads_only_their_own_stores(client: TestClient, world: World) -> None:
    claire = await ask(client, world.headers["claire"])
    assert claire["totals"]["conversations"] == 2
    assert claire["period"]["timezone"] == "Europe/Paris"  # the first of her stores
    assert claire["attribution_days"] == 14
    james = await ask(client, world.headers["james"])
    assert [(g["key"], g["conversations"]) for g in james["groups"]] == [("LONDON01", 0)]
    assert james["totals"]["conversations"] == 0 and james["totals"]["sales"] == []
    assert james["period"]["timezone"] == "Europe/London"
    missing = await ask(client, world.headers["james"], 404, store="PARIS01")
    assert missing["error"]["code"] == "not_found"
    await ask(client, world.headers["claire"], 404, store="NOWHERE")

    tokyo = await ask(client, world.headers["claire"], store="tokyo01", by="country")
    assert tokyo["period"]["timezone"] == "Asia/Tokyo"
    assert [(g["key"], g["conversations"]) for g in tokyo["groups"]] == [("JP", 1)]
    french = await ask(client, world.headers["claire"], country="FR", by="store")
    assert [g["key"] for g in french["groups"]] == ["PARIS01"]


async def test_ambassadors_and_strangers_are_refused(client: TestClient, world: World) -> None:
    refused = await ask(client, world.headers["amelie"], 403)
    assert refused["error"]["code"] == "forbidden"
    response = await client.get(
        "/api/insights.csv", params=NOVEMBER, headers=world.headers["amelie"]
    )
    assert response.status == 403
    client.session.cookie_jar.clear()  # signing in left the last session's cookie
    assert (await client.get("/api/insights", params=NOVEMBER)).status == 401


BAD = [
    ({"from": "2026-13-01"}, "from"),
    ({"from": "01/11/2026"}, "from"),
    ({"from": ""}, "from"),
    ({"to": "2026-10-31"}, "to"),  # before from
    ({"from": "2025-11-29"}, "to"),  # 367 days
    ({"by": "weekday"}, "by"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "/etc/passwd"}, "timezone"),
    ({"channel": "fax"}, "channel"),
    ({"country": "FRA"}, "country"),
]


async def test_bad_parameters_are_refused_by_name(client: TestClient, world: World) -> None:
    for params, field in BAD:
        body = await ask(client, world.headers["claire"], 400, **params)
        assert (params, body["error"]["field"]) == (params, field)


async def test_a_whole_year_is_accepted(client: TestClient, world: World) -> None:
    year = await ask(client, world.headers["claire"], **{"from": "2025-12-01"}, to="2026-11-30")
    assert len(year["daily"]) == 365 and year["totals"]["conversations"] == 2


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # Excel's cue for UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


async def _csv(client: TestClient, headers: dict[str, str], chart: str, **params: str) -> Any:
    response = await client.get(
        "/api/insights.csv", params={**NOVEMBER, "chart": chart, **params}, headers=headers
    )
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="insights-{chart}-2026-11-01-2026-11-30.csv"'
    )
    return _rows(await response.text())


async def test_csv_files_flatten_the_figures_and_neutralise_names(
    client: TestClient, world: World
) -> None:
    db = world.history.db
    mallory = await make_staff(
        db, NOW, "PARIS01", name='=HYPERLINK("https://evil.example","Mallory")'
    )
    await world.history.conversation(world.stores["PARIS01"], NOV, staff_id=mallory.id)
    claire = world.headers["claire"]

    header, *rows = await _csv(client, claire, "groups", by="ambassador")
    assert header[:5] == [
        "key",
        "label",
        "conversations",
        "first_response_seconds_median",
        "first_response_seconds_p90",
    ]
    assert header[-15:] == [
        "appointments_from_conversations",
        "appointments_conversion_rate",
        "appointments_booked",
        "appointments_completed",
        "appointments_no_show",
        "appointments_show_rate",
        "outcomes_closed",
        "outcomes_purchase",
        "outcomes_appointment",
        "outcomes_information",
        "outcomes_after_sales",
        "outcomes_no_action",
        "outcomes_other",
        "outcomes_not_recorded",
        "sales_EUR",
    ]
    by_label = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_label) == {
        "Amélie Durand",
        '\'=HYPERLINK("https://evil.example","Mallory")',
        "Unassigned",
    }
    amelie = by_label["Amélie Durand"]
    assert (amelie["first_response_seconds_median"], amelie["sales_EUR"]) == ("90.0", "1200.00")
    assert by_label["Unassigned"]["key"] == "" and by_label["Unassigned"]["sales_EUR"] == "0.00"

    sales = await _csv(client, claire, "sales", by="store")
    assert sales == [
        ["group", "label", "currency", "amount", "lines"],
        ["PARIS01", "Boutique PARIS01", "EUR", "1200.00", "2"],
    ]
    daily = await _csv(client, claire, "daily")
    assert daily[0] == ["day", "conversations", "abandoned", "appointments", "csat_responses"]
    assert len(daily) == 31 and daily[2][:2] == ["2026-11-02", "2"]

    unknown = await client.get(
        "/api/insights.csv", params={**NOVEMBER, "chart": "pie"}, headers=claire
    )
    assert unknown.status == 400 and (await unknown.json())["error"]["field"] == "chart"
