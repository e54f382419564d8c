"""The managers' figures on both databases, each from a small hand-built history whose
expected values are worked out by hand in the test: response and wait times (nearest-rank
median and 90th percentile), abandonment on the fake clock, offers, CSAT and NPS,
conversions and show rate, local days across time zones and DST, and attributed sales
per currency."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.messages import Inbound
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.integration.insights_support import (
    NOVEMBER,
    NOW,
    World,
    ask,
    group,
    insights_world,
)

NOV = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def client(aiohttp_client: Any, database_url: str, clock: FakeClock) -> TestClient:
    clock.now = NOW
    return await aiohttp_client(create_app(make_settings(database_url), clock=clock))


@pytest.fixture
async def world(client: TestClient) -> World:
    return await insights_world(client, NOW)


async def test_first_response_median_and_p90_are_nearest_rank(
    client: TestClient, world: World
) -> None:
    paris, h = world.stores["PARIS01"], world.history
    amelie, bruno = world.staff["amelie"].id, world.staff["bruno"].id
    for minutes in range(1, 11):  # answered after 1..10 minutes; odd ones by Amélie
        await h.conversation(
            paris,
            NOV + timedelta(days=minutes),  # one a day: the ranks span day rows
            staff_id=amelie if minutes % 2 else bruno,
            messages=[("customer", 0), ("customer", 20), ("ambassador", 60 * minutes)],
        )
    # The ambassador wrote first: no response time. Nobody answered: none either.
    await h.conversation(paris, NOV, messages=[("ambassador", 0), ("customer", 30)])
    await h.conversation(paris, NOV, messages=[("customer", 0)])

    totals = (await ask(client, world.headers["claire"]))["totals"]
    assert totals["conversations"] == 12
    # ranks ceil(0.5 * 10) = 5 and ceil(0.9 * 10) = 9 of 1..10 minutes
    assert totals["first_response_seconds"] == {"median": 300.0, "p90": 540.0, "count": 10}

    report = await ask(client, world.headers["claire"], by="ambassador")
    # of 5 values, ranks ceil(2.5) = 3 and ceil(4.5) = 5: 1,3,5,7,9 and 2,4,6,8,10 minutes
    assert group(report, amelie)["first_response_seconds"] == {
        "median": 300.0,
        "p90": 540.0,
        "count": 5,
    }
    assert group(report, bruno)["first_response_seconds"] == {
        "median": 360.0,
        "p90": 600.0,
        "count": 5,
    }
    unassigned = group(report, None)
    assert (unassigned["label"], unassigned["conversations"]) == ("Unassigned", 2)
    assert [g["label"] for g in report["groups"]] == ["Amélie Durand", "Bruno Martin", "Unassigned"]
    assert sum(g["conversations"] for g in report["groups"]) == 12
    assert report["totals"]["first_response_seconds"]["median"] == 300.0


async def test_wait_runs_to_the_first_accepted_offer_and_offers_are_counted(
    client: TestClient, world: World
) -> None:
    paris, h = world.stores["PARIS01"], world.history
    amelie, bruno = world.staff["amelie"].id, world.staff["bruno"].id
    chat = await h.conversation(
        paris, NOV, staff_id=amelie, messages=[("customer", 0), ("ambassador", 50)]
    )
    await h.offer(chat, amelie, "declined", NOV, NOV + timedelta(seconds=10))
    await h.offer(chat, bruno, "expired", NOV + timedelta(seconds=10), NOV + timedelta(seconds=40))
    await h.offer(
        chat, amelie, "accepted", NOV + timedelta(seconds=40), NOV + timedelta(seconds=45)
    )
    # A callback waits from its due time, not from when it was asked for; the call itself
    # leaves no ambassador message, and the accepted offer keeps it from being abandoned.
    call = await h.conversation(paris, NOV, channel="voice", staff_id=bruno)
    due = NOV + timedelta(hours=2)
    await h.callback(call, due, NOV)
    await h.offer(call, bruno, "accepted", due, due + timedelta(seconds=30))
    await h.conversation(paris, NOV, messages=[("customer", 0)])  # never taken

    totals = (await ask(client, world.headers["claire"]))["totals"]
    # 30 and 45 seconds: ranks ceil(1) = 1 and ceil(1.8) = 2
    assert totals["wait_seconds"] == {"median": 30.0, "p90": 45.0, "count": 2}
    assert totals["offers"] == {"made": 4, "declined": 1, "expired": 1}
    assert (totals["abandoned"], totals["abandonment_rate"]) == (1, 0.3333)

    report = await ask(client, world.headers["claire"], by="ambassador")
    assert group(report, amelie)["offers"] == {"made": 2, "declined": 1, "expired": 0}
    assert group(report, bruno)["offers"] == {"made": 2, "declined": 0, "expired": 1}
    assert group(report, bruno)["wait_seconds"] == {"median": 30.0, "p90": 30.0, "count": 1}
    by_channel = await ask(client, world.headers["claire"], by="channel")
    assert group(by_channel, "voice")["wait_seconds"]["count"] == 1
    assert [g["key"] for g in by_channel["groups"]] == ["webchat", "wechat", "email", "voice"]


async def test_silence_becomes_abandonment_after_the_configured_minutes(
    client: TestClient, world: World, clock: FakeClock, aiohttp_client: Any, database_url: str
) -> None:
    paris, h = world.stores["PARIS01"], world.history
    opened = NOW - timedelta(minutes=40)
    # the customer wrote again 11 minutes in: silent for 29 minutes now
    await h.conversation(
        paris, opened, status="queued", messages=[("customer", 0), ("customer", 660)]
    )
    await h.conversation(paris, opened, status="closed", messages=[("customer", 0)])
    await h.conversation(
        paris, opened, status="assigned", messages=[("customer", 0), ("ambassador", 30)]
    )
    # waiting for the callback the customer asked for is not abandonment
    await h.conversation(paris, opened, status="scheduled", messages=[("customer", 0)])
    await h.conversation(paris, opened, status="queued", messages=[("customer", 0)])
    today = {"from": "2026-12-10", "to": "2026-12-10"}

    totals = (await ask(client, world.headers["claire"], **today))["totals"]
    assert (totals["conversations"], totals["abandoned"], totals["abandonment_rate"]) == (5, 2, 0.4)
    clock.advance(minutes=2)
    report = await ask(client, world.headers["claire"], **today)
    assert (report["totals"]["abandoned"], report["totals"]["abandonment_rate"]) == (3, 0.6)
    assert report["daily"] == [
        {
            "day": "2026-12-10",
            "conversations": 5,
            "abandoned": 3,
            "appointments": 0,
            "csat_responses": 0,
        }
    ]
    # HUB_ABANDON_MINUTES=60: only the closed one, 42 minutes on
    settings = make_settings(database_url, abandon_minutes=60.0)
    patient = await aiohttp_client(create_app(settings, clock=clock))
    assert (await ask(patient, world.headers["claire"], **today))["totals"]["abandoned"] == 1


async def test_csat_and_nps(client: TestClient, world: World) -> None:
    paris, h = world.stores["PARIS01"], world.history
    amelie = world.staff["amelie"].id
    for score in (5, 4, 3, None):
        chat = await h.conversation(paris, NOV, staff_id=amelie, messages=[("customer", 0)])
        await h.feedback("csat", paris, score, NOV, conversation_id=chat)
    october = await h.conversation(paris, NOV - timedelta(days=30), staff_id=amelie)
    await h.feedback("csat", paris, 1, NOV - timedelta(days=30), conversation_id=october)
    for hour, score in enumerate((10, 9, 8, 6, None)):
        visit = await h.appointment(paris, amelie, NOV + timedelta(hours=hour), "completed")
        await h.feedback("nps", paris, score, NOV + timedelta(hours=hour), appointment_id=visit)
    december = await h.appointment(paris, amelie, NOW + timedelta(days=1), "completed")
    await h.feedback("nps", paris, 0, NOW, appointment_id=december)

    totals = (await ask(client, world.headers["claire"]))["totals"]
    # (5 + 4 + 3) / 3; 4 and 5 are satisfied: 2 of 3
    assert totals["csat"] == {"asked": 4, "responses": 3, "average": 4.0, "satisfied_rate": 0.6667}
    # promoters 10 and 9, detractor 6: (2 - 1) / 4 = 25 points
    assert totals["nps"] == {"asked": 5, "responses": 4, "score": 25.0}
    report = await ask(client, world.headers["claire"])
    assert sum(day["csat_responses"] for day in report["daily"]) == 3
    assert report["daily"][1]["csat_responses"] == 3  # 2 November


async def test_conversions_and_show_rate(client: TestClient, world: World) -> None:
    paris, h = world.stores["PARIS01"], world.history
    amelie, bruno = world.staff["amelie"].id, world.staff["bruno"].id
    booked = await h.conversation(paris, NOV, staff_id=amelie)
    cancelled = await h.conversation(paris, NOV, staff_id=amelie)
    completed = await h.conversation(paris, NOV, staff_id=bruno)
    await h.conversation(paris, NOV, staff_id=bruno)
    # booked in November for January: a conversion of November, not an appointment of it
    await h.appointment(paris, amelie, datetime(2027, 1, 5, 10, tzinfo=UTC), conversation_id=booked)
    await h.appointment(paris, amelie, NOV, "cancelled", conversation_id=cancelled)
    await h.appointment(paris, bruno, NOV, "completed", conversation_id=completed)
    for day, status in enumerate(("completed", "completed", "no_show", "booked"), 1):
        await h.appointment(paris, amelie, NOV + timedelta(days=day), status)

    totals = (await ask(client, world.headers["claire"]))["totals"]
    assert totals["appointments"] == {
        "from_conversations": 2,
        "conversion_rate": 0.5,
        "booked": 1,
        "completed": 3,
        "no_show": 1,
        "show_rate": 0.75,
    }
    report = await ask(client, world.headers["claire"], by="channel")
    assert group(report, "appointment")["appointments"]["completed"] == 2
    assert group(report, "webchat")["appointments"]["from_conversations"] == 2
    assert sum(day["appointments"] for day in report["daily"]) == 5


async def test_local_days_follow_the_time_zone_and_daylight_saving(
    client: TestClient, world: World
) -> None:
    paris, h = world.stores["PARIS01"], world.history
    claire = world.headers["claire"]
    await h.conversation(paris, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    tokyo = await ask(
        client, claire, timezone="Asia/Tokyo", **{"from": "2026-12-01"}, to="2026-12-01"
    )
    assert tokyo["totals"]["conversations"] == 1
    assert tokyo["period"] == {
        "from": "2026-12-01",
        "to": "2026-12-01",
        "timezone": "Asia/Tokyo",
        "start": "2026-11-30T15:00:00Z",
        "end": "2026-12-01T15:00:00Z",
    }
    london = await ask(client, claire, timezone="Europe/London", to="2026-11-30")
    assert (london["daily"][-1]["day"], london["daily"][-1]["conversations"]) == ("2026-11-30", 1)
    # 00:30 on 1 December in Paris (UTC+1): the next day there
    in_paris = await ask(client, claire, **{"from": "2026-11-30"}, to="2026-12-01")
    assert [d["conversations"] for d in in_paris["daily"]] == [0, 1]

    # Paris leaves summer time at 03:00 on 25 October (01:00 UTC): a 25-hour day.
    for moment in ("2026-10-24T21:30", "2026-10-24T22:30", "2026-10-25T22:30", "2026-10-25T23:30"):
        await h.conversation(paris, datetime.fromisoformat(moment).replace(tzinfo=UTC))
    autumn = await ask(client, claire, **{"from": "2026-10-24"}, to="2026-10-26")
    assert [(d["day"], d["conversations"]) for d in autumn["daily"]] == [
        ("2026-10-24", 1),  # 23:30 summer time
        ("2026-10-25", 2),  # 00:30 summer time, 23:30 winter time
        ("2026-10-26", 1),  # 00:30 winter time
    ]
    assert (autumn["period"]["start"], autumn["period"]["end"]) == (
        "2026-10-23T22:00:00Z",
        "2026-10-26T23:00:00Z",
    )


async def test_attributed_sales_per_currency_including_an_erased_customer(
    client: TestClient, world: World
) -> None:
    paris, tokyo, h = world.stores["PARIS01"], world.stores["TOKYO01"], world.history
    amelie, bruno, hiro = (world.staff[k].id for k in ("amelie", "bruno", "hiro"))
    chat = await h.conversation(paris, NOV, staff_id=amelie)
    await h.purchase(
        paris, NOV, "1200.25", "EUR", staff_id=amelie, quantity=2, conversation_id=chat
    )
    visit = await h.appointment(paris, bruno, NOV)
    await h.purchase(paris, NOV, "500", "EUR", staff_id=bruno, appointment_id=visit)
    wechat = await h.conversation(tokyo, NOV, channel="wechat", staff_id=hiro)
    await h.purchase(tokyo, NOV, "150000", "JPY", staff_id=hiro, conversation_id=wechat)
    await h.purchase(paris, NOV, "999", "EUR", staff_id=None)  # not credited to anyone
    await h.purchase(paris, NOW, "777", "EUR", staff_id=amelie, conversation_id=chat)  # December
    ada = await h.customer(NOV, "Ada Lovelace")
    hers = await h.conversation(paris, NOV, staff_id=amelie, customer_id=ada)
    await h.purchase(
        paris, NOV, "100", "EUR", staff_id=amelie, customer_id=ada, conversation_id=hers
    )
    erased = await client.delete(f"/api/customers/{ada}", headers=world.headers["claire"])
    assert erased.status == 204

    totals = (await ask(client, world.headers["claire"]))["totals"]
    assert totals["sales"] == [
        {"currency": "EUR", "amount": "3000.50", "lines": 3},
        {"currency": "JPY", "amount": "150000.00", "lines": 1},
    ]
    by_store = await ask(client, world.headers["claire"], by="store")
    assert [(g["key"], g["label"]) for g in by_store["groups"]] == [
        ("PARIS01", "Boutique PARIS01"),
        ("TOKYO01", "Boutique TOKYO01"),
    ]
    assert group(by_store, "TOKYO01")["sales"] == [
        {"currency": "JPY", "amount": "150000.00", "lines": 1}
    ]
    by_channel = await ask(client, world.headers["claire"], by="channel")
    assert group(by_channel, "webchat")["sales"] == [
        {"currency": "EUR", "amount": "2500.50", "lines": 2}
    ]
    assert group(by_channel, "appointment")["sales"] == [
        {"currency": "EUR", "amount": "500.00", "lines": 1}
    ]
    by_country = await ask(client, world.headers["claire"], by="country")
    assert [(g["key"], [s["currency"] for s in g["sales"]]) for g in by_country["groups"]] == [
        ("FR", ["EUR"]),
        ("JP", ["JPY"]),
    ]
    by_ambassador = await ask(client, world.headers["claire"], by="ambassador")
    assert group(by_ambassador, bruno)["sales"][0]["amount"] == "500.00"
    only_wechat = await ask(client, world.headers["claire"], channel="wechat")
    assert [s["currency"] for s in only_wechat["totals"]["sales"]] == ["JPY"]


async def test_closed_conversations_of_the_period_by_outcome(
    client: TestClient, world: World
) -> None:
    paris, tokyo, london = (world.stores[code] for code in ("PARIS01", "TOKYO01", "LONDON01"))
    h, claire = world.history, world.headers["claire"]
    amelie, bruno, hiro = (world.staff[k].id for k in ("amelie", "bruno", "hiro"))
    for day in (1, 2):
        await h.conversation(paris, NOV + timedelta(days=day), staff_id=amelie, outcome="purchase")
    await h.conversation(paris, NOV, staff_id=bruno, outcome="appointment")
    await h.conversation(paris, NOV, staff_id=amelie)  # closed, outcome skipped
    thread = await h.conversation(
        paris, NOV, channel="email", staff_id=bruno, outcome="purchase"
    )  # the client answers this e-mail thread below
    await h.conversation(paris, NOV, staff_id=amelie, status="assigned")  # still open
    await h.conversation(paris, NOV - timedelta(days=5), staff_id=amelie, outcome="purchase")
    await h.conversation(paris, NOW, staff_id=amelie, outcome="purchase")  # December
    await h.conversation(paris, NOV, channel="email", outcome="other")  # nobody took it
    # A value since dropped from the list still counts, as other.
    await h.conversation(paris, NOV, staff_id=bruno, outcome="retired")
    await h.conversation(tokyo, NOV, channel="wechat", staff_id=hiro, outcome="information")
    await h.conversation(london, NOV, outcome="purchase")  # James's boutique, not Claire's

    def counts(closed: int, **found: int) -> dict[str, int]:
        every = ("purchase", "appointment", "information", "after_sales", "no_action", "other")
        return {"closed": closed, **dict.fromkeys(every, 0), "not_recorded": 0, **found}

    before = await ask(client, claire)
    assert before["totals"]["outcomes"]["purchase"] == 3
    # The client writes again in the closed thread: it opens again (queued) and loses its
    # outcome and ambassador. Not closed now: it counts in no outcome.
    await client.app[SERVICES].inbox.receive(
        Inbound(
            channel="email",
            contact="ada@example.com",
            identity_kind="email",
            identity_value="ada@example.com",
            dedupe_key=f"email:{thread}:again",
            text="One more question about the ring",
            received_at=NOW,
            store_code="PARIS01",
            conversation_id=thread,
        )
    )
    report = await ask(client, claire)
    assert report["totals"]["conversations"] == 9
    assert report["totals"]["outcomes"] == counts(
        7, purchase=2, appointment=1, information=1, other=2, not_recorded=1
    )
    by_store = {g["key"]: g["outcomes"] for g in report["groups"]}
    assert by_store == {
        "PARIS01": counts(6, purchase=2, appointment=1, other=2, not_recorded=1),
        "TOKYO01": counts(1, information=1),
    }
    by_ambassador = await ask(client, claire, by="ambassador")
    assert group(by_ambassador, amelie)["outcomes"] == counts(3, purchase=2, not_recorded=1)
    assert group(by_ambassador, bruno)["outcomes"] == counts(2, appointment=1, other=1)
    assert group(by_ambassador, hiro)["outcomes"] == counts(1, information=1)
    unassigned = group(by_ambassador, None)  # the e-mail nobody took; the reopened one
    assert (unassigned["conversations"], unassigned["outcomes"]) == (2, counts(1, other=1))
    by_channel = await ask(client, claire, by="channel")
    assert group(by_channel, "email")["outcomes"] == counts(1, other=1)
    assert group(by_channel, "voice")["outcomes"] == counts(0)
    assert group(by_channel, "webchat")["outcomes"]["closed"] == 5
    by_country = await ask(client, claire, by="country")
    assert [(g["key"], g["outcomes"]["closed"]) for g in by_country["groups"]] == [
        ("FR", 6),
        ("JP", 1),
    ]
    only_wechat = await ask(client, claire, channel="wechat")
    assert only_wechat["totals"]["outcomes"] == counts(1, information=1)
    james = await ask(client, world.headers["james"])
    assert james["totals"]["outcomes"] == counts(1, purchase=1)

    response = await client.get(
        "/api/insights.csv", params={**NOVEMBER, "chart": "groups"}, headers=claire
    )
    header, *rows = list(csv.reader(io.StringIO((await response.text()).lstrip("\ufeff"))))
    outcome_columns = [column for column in header if column.startswith("outcomes_")]
    assert outcome_columns == [
        "outcomes_closed",
        "outcomes_purchase",
        "outcomes_appointment",
        "outcomes_information",
        "outcomes_after_sales",
        "outcomes_no_action",
        "outcomes_other",
        "outcomes_not_recorded",
    ]
    paris_row = dict(zip(header, rows[0], strict=True))
    assert paris_row["key"] == "PARIS01"
    assert [paris_row[c] for c in outcome_columns] == ["6", "2", "1", "0", "0", "0", "2", "1"]
