"""Times an ambassador proposes in the chat, booked with one click in the widget, in Debian's
chromium on a small phone set to New York time while the boutique keeps Paris time: the
booking is real, a proposal replayed after a reload is not offered again, and a time taken
meanwhile is told clearly. Screenshots: test-output/browser/."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, Page, Route, ViewportSize, expect

from tests.e2e.conftest import Client, HubProcess, Session
from tests.e2e.test_browser import (  # noqa: F401 (browser and database_url are fixtures)
    OUTPUT,
    browser,
    database_url,
    pytestmark,
    watch_errors,
)

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
SHOPPER_ZONE = "America/New_York"
TIME = "[data-testid=chat-proposal-time]"
VISITOR_TOKEN_KEY = "concierge.visitor_token"  # hub/web/static/widget/storage.js


@asynccontextmanager
async def shop_phone(
    chromium: Browser, errors: list[str], provoked: tuple[int, ...] = ()
) -> AsyncIterator[Page]:
    """The shop page on a small phone whose clock is New York's; closed before the hub stops."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = await chromium.new_context(
        viewport=SMALL_PHONE, timezone_id=SHOPPER_ZONE, locale="en-US"
    )
    try:
        page = await context.new_page()
        watch_errors(page, errors, provoked)
        yield page
    finally:
        await context.close()


def proposed_starts() -> list[str]:
    """10:00 and 12:00 in Paris on the day after the minimum notice: always bookable, and an
    hour-long appointment never runs past midnight (a day's hours end there)."""
    paris = ZoneInfo("Europe/Paris")
    day = (datetime.now(UTC) + timedelta(hours=3)).astimezone(paris).date() + timedelta(days=1)
    return [datetime.combine(day, time(hour), paris).isoformat() for hour in (10, 12)]


def new_york_clock(start: str) -> re.Pattern[str]:
    """How chromium's Intl ("en-US") reads a start on the shopper's clock."""
    local = datetime.fromisoformat(start).astimezone(ZoneInfo(SHOPPER_ZONE))
    hour = local.hour % 12 or 12
    noon = "AM" if local.hour < 12 else "PM"
    return re.compile(rf"\b{hour}:{local.minute:02d}\s{noon} your time")


async def chat_accepted_by_ambassador(shop: Page, server: HubProcess, session: Session) -> str:
    """The shopper writes from the widget and Amélie accepts; the conversation's id."""
    ambassador: Client = await session.ambassador(await session.staff_token())
    await shop.goto(f"{server.base}/chat?store=PARIS01")
    await shop.get_by_test_id("chat-open").click()
    await shop.get_by_test_id("chat-input").fill("Could I see the Étoile ring in the boutique?")
    await shop.get_by_test_id("chat-send").click()
    mine = shop.locator("[data-testid=chat-message][data-author=customer]")
    await expect(mine).to_have_attribute("data-seq", "1")
    offer = await ambassador.next("offer")
    accepted = await ambassador.call("accept", {"offer_id": offer["offer_id"]})
    assert accepted["conversation"]["status"] == "assigned"
    return str(offer["conversation"]["id"])


async def propose(session: Session, conversation_id: str, starts: list[str]) -> dict[str, Any]:
    async with session.http.post(
        f"{session.base}/api/conversations/{conversation_id}/proposals",
        json={"client_id": "proposal-1", "type": "in-store", "starts": starts},
        headers={"Authorization": f"Bearer {await session.staff_token()}"},
    ) as response:
        assert response.status == 201, await response.text()
        return dict((await response.json())["data"]["proposal"])


async def calendar(session: Session, around: str) -> list[dict[str, Any]]:
    """The ambassador's calendar for the day around a start."""
    start = datetime.fromisoformat(around)
    query = {
        "from": (start - timedelta(days=1)).isoformat(),
        "to": (start + timedelta(days=1)).isoformat(),
    }
    async with session.http.get(
        f"{session.base}/api/calendar",
        params=query,
        headers={"Authorization": f"Bearer {await session.staff_token()}"},
    ) as response:
        assert response.status == 200, await response.text()
        return list((await response.json())["appointments"])


async def test_a_proposed_time_is_booked_with_one_click_in_the_widget(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    errors: list[str] = []
    async with shop_phone(browser, errors) as shop:
        conversation_id = await chat_accepted_by_ambassador(shop, server, session)
        proposal = await propose(session, conversation_id, proposed_starts())
        first, second = (slot["start"] for slot in proposal["slots"])

        card = shop.get_by_test_id("chat-proposal")
        await expect(card).to_be_visible()
        await expect(card).to_have_attribute("role", "group")
        lead = shop.locator("[data-testid=chat-message][data-author=ambassador]")
        await expect(lead).to_have_text(
            "In-store appointment: I can see you at these times (Paris time):"
        )
        times = card.locator(TIME)
        await expect(times).to_have_count(2)
        await expect(times.nth(0)).to_have_attribute("data-start", first)
        await expect(times.nth(1)).to_have_attribute("data-start", second)
        await expect(times.nth(0)).to_contain_text("Paris time")
        # The shopper's own clock beneath the boutique's.
        await expect(times.nth(0).get_by_test_id("chat-proposal-yours")).to_have_text(
            new_york_clock(first)
        )
        other = card.get_by_test_id("chat-proposal-other")
        await expect(other).to_have_text("Other times")
        await expect(other).to_have_attribute("href", proposal["book_url"])
        await expect(other).to_have_attribute("target", "_blank")
        await expect(other).to_have_attribute("rel", "noopener")
        # Nothing spills sideways on the narrowest phone.
        box = await times.nth(0).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        await shop.screenshot(path=OUTPUT / "shop-proposal.png")

        # The booking request is held back to see the widget while it runs.
        held: asyncio.Future[Route] = asyncio.get_running_loop().create_future()

        def hold(route: Route) -> None:
            held.set_result(route)

        await shop.route("**/api/appointments", hold)
        status = card.get_by_test_id("chat-proposal-status")
        await expect(status).to_have_attribute("role", "status")  # in place before it speaks
        await expect(status).to_have_text("")

        # From the keyboard: the focus stays on the time while it is booked.
        await times.nth(0).focus()
        await shop.keyboard.press("Enter")
        request = await asyncio.wait_for(held, 10)
        token = await shop.evaluate(f"localStorage.getItem('{VISITOR_TOKEN_KEY}')")
        assert request.request.post_data_json == {
            "store": "PARIS01",
            "type": "in-store",
            "start": first,
            "conversation_id": conversation_id,
            "visitor_token": token,
            "language": "en",  # the language the hub chose for the widget (/api/language)
        }
        await expect(status).to_have_text("Booking\u2026")
        await expect(times.nth(0)).to_be_disabled()
        await expect(times.nth(1)).to_be_disabled()
        await request.continue_()
        await shop.unroute("**/api/appointments")

        await expect(times.nth(0)).to_have_attribute("data-state", "booked")
        await expect(times.nth(0)).to_be_focused()
        await expect(status).to_contain_text("Booked \u2014 ")
        await expect(status).to_contain_text("Paris time")
        await expect(times.nth(1)).to_be_disabled()
        await expect(times.nth(1)).to_have_attribute("data-state", "gone")
        await expect(times.nth(1)).to_contain_text("No longer available")
        manage = card.get_by_test_id("chat-proposal-manage")
        await expect(manage).to_have_text("Manage or cancel")
        await expect(manage).to_have_attribute("rel", "noopener noreferrer")
        await expect(manage).to_have_attribute("target", "_blank")
        await expect(manage).to_have_attribute("href", re.compile(r"/book#manage=.+\..+"))
        await expect(other).to_be_hidden()
        notice = shop.locator("[data-testid=chat-message][data-author=system]")
        await expect(notice).to_contain_text("Appointment booked: In-store appointment")
        await shop.screenshot(path=OUTPUT / "shop-proposal-booked.png")

        # The booking is real, with the ambassador, in this conversation.
        booked = [a for a in await calendar(session, first) if a["status"] == "booked"]
        assert [(a["start"], a["conversation_id"]) for a in booked] == [(first, conversation_id)]
        assert booked[0]["ambassador"]["name"] == "Amélie Laurent"

        # History replays the proposal after a reload: shown booked, not offered again.
        await shop.reload()
        await shop.get_by_test_id("chat-open").click()
        await expect(times.nth(0)).to_have_attribute("data-state", "booked")
        await expect(times.nth(0)).to_be_disabled()
        await expect(times.nth(1)).to_be_disabled()
        await expect(status).to_contain_text("Booked \u2014 ")
        await expect(other).to_be_hidden()
    assert errors == []


async def test_a_time_taken_meanwhile_is_told_and_another_can_be_booked(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    errors: list[str] = []
    async with shop_phone(browser, errors, provoked=(409,)) as shop:
        conversation_id = await chat_accepted_by_ambassador(shop, server, session)
        proposal = await propose(session, conversation_id, proposed_starts())
        first, second = (slot["start"] for slot in proposal["slots"])
        times = shop.get_by_test_id("chat-proposal").locator(TIME)
        await expect(times).to_have_count(2)

        # Someone on the booking page takes the boutique's only ambassador at the second time.
        await session.book(second, "Léa Petit", "lea@example.com")

        await times.nth(1).click()
        status = shop.get_by_test_id("chat-proposal-status")
        await expect(status).to_have_text(
            "That time was just taken \u2014 choose another or see other times."
        )
        await expect(times.nth(1)).to_have_attribute("data-state", "taken")
        await expect(times.nth(1)).to_be_disabled()
        await expect(times.nth(0)).to_be_enabled()
        await expect(shop.get_by_test_id("chat-proposal-other")).to_be_visible()
        await shop.screenshot(path=OUTPUT / "shop-proposal-taken.png")

        await times.nth(0).click()
        await expect(times.nth(0)).to_have_attribute("data-state", "booked")
        await expect(status).to_contain_text("Booked \u2014 ")
        await expect(shop.get_by_test_id("chat-proposal-manage")).to_be_visible()
    starts = {a["start"] for a in await calendar(session, first) if a["status"] == "booked"}
    assert starts == {first, second}
    assert errors == []
