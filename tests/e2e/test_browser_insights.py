"""The managers' dashboard in Debian's chromium, against the real `/api/insights`: a store
manager opens Insights and reads a small history of PARIS01 (three conversations, one left
unanswered, a rating, sales in two currencies, their outcomes: a purchase, one skipped, one
without action) in the tiles, the charts (the outcomes stacked) and the table, and
downloads a chart's figures as CSV; another boutique's conversation never counts; an
ambassador has no Insights entry. The page runs under the console's CSP (no inline styles),
which Chart.js must respect. Screenshot: test-output/browser/insights.png."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect
from sqlalchemy import select

from hub.db.engine import Database
from hub.db.feedback_models import Feedback
from hub.db.models import Conversation, Customer, Message, Offer, Staff, Store
from hub.db.profile_models import Purchase
from tests.e2e.conftest import HubProcess
from tests.e2e.test_browser import (  # noqa: F401 (browser, database_url, manager: fixtures)
    OUTPUT,
    browser,
    database_url,
    manager,
    open_pages,
    pytestmark,
    sign_in,
)
from tests.factories import make_store

# Tall enough for the whole dashboard in one screenshot.
TALL: ViewportSize = {"width": 1280, "height": 2300}
AMELIE = "amelie@test.concierge"
SHOPPER = "Élise Martin"
# Records what the page's CSP refuses (Chart.js must not need inline styles).
CSP_WATCH = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


async def _conversation(
    db: Database,
    store_code: str,
    started: datetime,
    *,
    channel: str = "webchat",
    accepted_after: int | None = None,
    replied_after: int | None = None,
    rating: int | None = None,
    sales: tuple[tuple[str, str], ...] = (),
    outcome: str | None = None,
) -> None:
    """A closed conversation as the hub writes one: the shopper's message, the offer
    (accepted after some seconds, else expired), the ambassador's reply and the CSAT rating
    if any, till sales (price, currency) credited to Amélie in the days after it, and the
    outcome chosen on closing (None: skipped)."""
    async with db.transaction() as session:
        store = await session.scalar(select(Store).where(Store.code == store_code))
        amelie = await session.scalar(select(Staff).where(Staff.email == AMELIE))
        assert store is not None and amelie is not None
        customer = Customer(name=SHOPPER, home_store_id=store.id, created_at=started)
        session.add(customer)
        await session.flush()
        closed = started + timedelta(minutes=30)
        conversation = Conversation(
            store_id=store.id,
            customer_id=customer.id,
            channel=channel,
            contact=f"visitor:{started.timestamp()}",
            language="fr",
            status="closed",
            priority=1,
            last_seq=1,
            created_at=started,
            updated_at=closed,
            queued_at=started,
            closed_at=closed,
            outcome=outcome,
        )
        session.add(conversation)
        await session.flush()
        session.add(_message(conversation, 1, started, None))
        resolved = started + timedelta(seconds=accepted_after or 60)
        status = "accepted" if accepted_after is not None else "expired"
        session.add(
            Offer(
                conversation_id=conversation.id,
                staff_id=amelie.id,
                status=status,
                created_at=started,
                expires_at=resolved,
                resolved_at=resolved,
            )
        )
        if replied_after is not None:
            conversation.assigned_staff_id = amelie.id
            conversation.assigned_at = resolved
            conversation.last_seq = 2
            replied = started + timedelta(seconds=replied_after)
            session.add(_message(conversation, 2, replied, amelie))
        if rating is not None:
            session.add(
                Feedback(
                    kind="csat",
                    conversation_id=conversation.id,
                    customer_id=customer.id,
                    store_id=store.id,
                    staff_id=amelie.id,
                    channel=channel,
                    language="fr",
                    asked_at=closed,
                    answered_at=closed + timedelta(minutes=2),
                    score=rating,
                )
            )
        for days, (price, currency) in enumerate(sales, 1):
            session.add(
                Purchase(
                    store_id=store.id,
                    transaction_id=f"T-{currency}",
                    line_no=1,
                    customer_id=customer.id,
                    purchased_at=started + timedelta(days=days),
                    description="Bague Étoile",
                    quantity=1,
                    unit_price=Decimal(price),
                    currency=currency,
                    staff_id=amelie.id,
                    conversation_id=conversation.id,
                )
            )


def _message(conversation: Conversation, seq: int, at: datetime, staff: Staff | None) -> Message:
    """The shopper's question (staff None) or the ambassador's answer."""
    return Message(
        conversation_id=conversation.id,
        seq=seq,
        direction="out" if staff else "in",
        channel=conversation.channel,
        author_kind="ambassador" if staff else "customer",
        author_staff_id=staff.id if staff else None,
        author_name=staff.name if staff else SHOPPER,
        text="Bonjour, la bague Étoile existe-t-elle en or blanc ?",
        created_at=at,
        delivery_status="sent" if staff else None,
    )


async def _seed_history(url: str) -> None:
    db = Database(url)
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        day = now - timedelta(days=3)
        await make_store(db, now, "LONDON01", timezone="Europe/London", country="GB")
        # Answered after 2 min 30 s (waited 40 s for Amélie), rated 5; led to two sales.
        await _conversation(
            db,
            "PARIS01",
            day,
            accepted_after=40,
            replied_after=150,
            rating=5,
            sales=(("4800.00", "EUR"), ("1200.00", "USD")),
            outcome="purchase",
        )
        # Answered after 30 s (waited 20 s); closed without an outcome.
        await _conversation(
            db, "PARIS01", day + timedelta(hours=2), accepted_after=20, replied_after=30
        )
        # Nobody answered before it closed: abandoned.
        await _conversation(
            db, "PARIS01", day - timedelta(days=1), channel="email", outcome="no_action"
        )
        # Another boutique's: not the manager's, so never in their figures.
        await _conversation(
            db, "LONDON01", day, accepted_after=5, replied_after=10, outcome="purchase"
        )
    finally:
        await db.close()


@pytest.fixture
def history(hub_env: dict[str, str], database_url: str, manager: str) -> None:  # noqa: F811
    asyncio.run(_seed_history(database_url))


async def tile(page: Page, metric: str) -> str:
    found = page.locator(f"[data-testid=insights-tile][data-metric={metric}]")
    return await found.get_by_test_id("insights-tile-value").inner_text()


# Per chart card: the datasets Chart.js drew, and how many canvas pixels are not blank.
CHARTS_DRAWN = """
() => [...document.querySelectorAll("[data-testid=insights-chart]")].map((card) => {
  const canvas = card.querySelector("canvas");
  const chart = window.Chart.getChart(canvas);
  const context = canvas.getContext("2d");
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted += 1;
  const datasets = chart ? chart.data.datasets : [];
  return {
    id: card.dataset.chart,
    datasets: datasets.map((d) => ({ label: d.label, data: d.data })),
    painted,
  };
})
"""


async def test_a_manager_reads_the_dashboard_and_downloads_a_chart_as_csv(
    browser: Browser,  # noqa: F811
    history: None,
    manager: str,  # noqa: F811
    server: HubProcess,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, TALL) as (page,):
        await page.add_init_script(CSP_WATCH)
        await sign_in(page, server.base, manager)
        entry = page.get_by_test_id("insights-open")
        await expect(entry).to_have_text("Insights")
        await entry.click()
        dashboard = page.get_by_test_id("insights")
        await expect(dashboard).to_have_attribute("data-state", "ready")
        await expect(entry).to_have_attribute("aria-expanded", "true")
        await expect(page.locator("#workspace")).to_be_hidden()  # it took the workspace's place

        # The last 30 days, in the boutique's time zone.
        await expect(page.get_by_test_id("insights-period")).to_contain_text("Europe/Paris")
        assert await tile(page, "conversations") == "3"
        assert await tile(page, "abandonment") == "33.3%"
        assert await tile(page, "firstResponse") == "30 s"  # nearest-rank median of 30 s, 150 s
        first = page.locator("[data-testid=insights-tile][data-metric=firstResponse]")
        await expect(first).to_contain_text("90th percentile: 2 min 30 s")
        assert await tile(page, "wait") == "20 s"
        assert await tile(page, "csat") == "5 / 5"
        # One figure per currency, never added up.
        sales = page.locator("[data-testid=insights-tile][data-metric=sales] .insights-tile-line")
        await expect(sales).to_have_text(["€4,800.00", "$1,200.00"])

        rows = page.get_by_test_id("insights-row")
        await expect(rows).to_have_count(1)  # PARIS01 only: LONDON01 is not the manager's
        paris = rows.first
        await expect(paris).to_have_attribute("data-key", "PARIS01")
        await expect(paris.locator("[data-column=conversations]")).to_have_text("3")
        await expect(paris.locator("[data-column=abandoned]")).to_have_text("1 (33.3%)")
        await expect(paris.locator("[data-column=firstResponse]")).to_have_text("30 s")
        # How the three closed conversations ended, one column per outcome.
        await expect(paris.locator("[data-column=closed]")).to_have_text("3")
        await expect(paris.locator("[data-column=outcome-purchase]")).to_have_text("1")
        await expect(paris.locator("[data-column=outcome-no_action]")).to_have_text("1")
        await expect(paris.locator("[data-column=outcome-not_recorded]")).to_have_text("1")
        await expect(paris.locator("[data-column=outcome-appointment]")).to_have_text("0")
        table_head = page.get_by_test_id("insights-table").locator("thead")
        await expect(table_head.locator("[data-column=outcome-purchase]")).to_have_text(
            "Outcome: Purchase"
        )
        await expect(table_head.locator("[data-column=outcome-not_recorded]")).to_have_text(
            "Outcome: Not recorded"
        )
        total = page.get_by_test_id("insights-total-row")
        await expect(total.locator("[data-column=closed]")).to_have_text("3")

        drawn: list[dict[str, Any]] = await page.evaluate(CHARTS_DRAWN)
        charts = {chart["id"]: chart for chart in drawn}
        assert set(charts) == {
            "daily",
            "volume",
            "speed",
            "satisfaction",
            "sales",
            "rates",
            "outcomes",
        }
        assert all(chart["painted"] for chart in charts.values()), charts
        daily = charts["daily"]["datasets"]
        assert sum(daily[0]["data"]) == 3 and sum(daily[1]["data"]) == 1
        assert charts["volume"]["datasets"] == [
            {"label": "Conversations", "data": [3]},
            {"label": "Abandoned", "data": [1]},
        ]
        assert [d["label"] for d in charts["sales"]["datasets"]] == ["EUR", "USD"]
        # One stack per boutique: its closed conversations by outcome.
        assert charts["outcomes"]["datasets"] == [
            {"label": "Purchase", "data": [1]},
            {"label": "Appointment", "data": [0]},
            {"label": "Information", "data": [0]},
            {"label": "After-sales", "data": [0]},
            {"label": "No action", "data": [1]},
            {"label": "Other", "data": [0]},
            {"label": "Not recorded", "data": [1]},
        ]
        outcomes_title = page.locator("#insights-chart-outcomes-title")
        await expect(outcomes_title).to_have_text("Outcomes")

        volume = page.locator("[data-testid=insights-chart][data-chart=volume]")
        async with page.expect_download() as waiting:
            await volume.get_by_test_id("insights-download").click()
        download = await waiting.value
        assert download.suggested_filename.endswith(".csv")
        saved = await download.path()
        table = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"))))
        header, body = table[0], table[1:]
        assert header[:2] == ["key", "label"] and "conversations" in header, header
        assert len(body) == 1 and body[0][0] == "PARIS01", body
        assert body[0][header.index("conversations")] == "3"
        assert body[0][header.index("abandoned")] == "1"
        assert body[0][header.index("outcomes_closed")] == "3"
        assert body[0][header.index("outcomes_not_recorded")] == "1"

        await page.screenshot(path=OUTPUT / "insights.png")
        assert await page.evaluate("window.cspViolations") == []

        await page.get_by_test_id("insights-close").click()
        await expect(page.locator("#workspace")).to_be_visible()
        await expect(dashboard).to_be_hidden()
        await expect(entry).to_be_focused()
    assert errors == []


async def test_an_ambassador_has_no_insights(
    browser: Browser,  # noqa: F811
    server: HubProcess,
) -> None:
    errors: list[str] = []
    async with open_pages(browser, errors, TALL, provoked=(403,)) as (page,):
        await sign_in(page, server.base, AMELIE)
        await expect(page.get_by_test_id("calendar-open")).to_be_visible()
        await expect(page.get_by_test_id("insights-open")).to_be_hidden()
        # Nor do the figures answer her, cookie or not.
        today = datetime.now(UTC).date()
        query = f"from={today - timedelta(days=29)}&to={today}&by=store"
        answer = await page.request.get(f"{server.base}/api/insights?{query}")
        assert answer.status == 403
    assert errors == []
