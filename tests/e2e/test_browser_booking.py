"""The booking page (/book) in Debian's chromium, on a small phone set to New York time while
the boutique keeps Paris time: book, then reschedule and cancel through the manage link; a
time taken meanwhile, a lapsed hold and a link that does not work are each told clearly; a
booking opened from the chat joins its conversation. Screenshots: test-output/browser/."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, ViewportSize, expect

from tests.e2e.conftest import HubProcess, Session, start_hub
from tests.e2e.test_browser import (  # noqa: F401 (browser and database_url are fixtures)
    OUTPUT,
    browser,
    database_url,
    pytestmark,
    watch_errors,
)

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
PARIS = ZoneInfo("Europe/Paris")
SHOPPER_ZONE = "America/New_York"
VISITOR_TOKEN_KEY = "concierge.visitor_token"  # hub/web/static/widget/storage.js


@pytest.fixture
def brief_holds(hub_env: dict[str, str], tmp_path: Path) -> Iterator[HubProcess]:
    """A hub whose holds last six seconds, to see one lapse."""
    process = start_hub({**hub_env, "HUB_HOLD_MINUTES": "0.1"}, tmp_path)
    yield process
    process.terminate()


def bookable_day(days_ahead: int) -> date:
    """A Paris day inside the first page of the strip, well past the two hours' notice."""
    return (datetime.now(PARIS) + timedelta(days=days_ahead)).date()


def paris(day: date, hour: int, minute: int = 0) -> str:
    """A start as the hub writes it: ISO 8601 with the boutique's offset on that day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).isoformat()


def clock(start: str, zone: str, *, ranged: bool = False) -> re.Pattern[str]:
    """How chromium's Intl ("en", numeric hour) reads a start in a zone: "4:00 AM"; at the
    start of a range ("4:00 to 5:00 AM") the day period may come only after the end."""
    local = datetime.fromisoformat(start).astimezone(ZoneInfo(zone))
    hour = local.hour % 12 or 12
    noon = "AM" if local.hour < 12 else "PM"
    period = rf"(\s{noon})?" if ranged else rf"\s{noon}"
    return re.compile(rf"\b{hour}:{local.minute:02d}{period}\b")


def slot(page: Page, start: str) -> Any:
    return page.locator(f'[data-testid=book-time][data-start="{start}"]')


async def choose_day(page: Page, day: date) -> None:
    button = page.locator(f'[data-testid=book-day][data-date="{day.isoformat()}"]')
    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true")


@asynccontextmanager
async def phone(chromium: Browser) -> AsyncIterator[BrowserContext]:
    """A small phone whose clock is New York's; closed before the hub stops."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = await chromium.new_context(
        viewport=SMALL_PHONE, timezone_id=SHOPPER_ZONE, locale="en-US", accept_downloads=True
    )
    try:
        yield context
    finally:
        await context.close()


async def appointment(session: Session, appointment_id: str, token: str) -> dict[str, Any]:
    async with session.http.get(
        f"{session.base}/api/appointments/{appointment_id}",
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 200, await response.text()
        return dict(await response.json())


async def fill_details(page: Page, name: str, email: str) -> None:
    await page.get_by_test_id("book-name").fill(name)
    await page.get_by_test_id("book-email").fill(email)


async def test_a_shopper_books_then_reschedules_and_cancels_through_the_manage_link(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    errors: list[str] = []
    day = bookable_day(2)
    first, moved = paris(day, 10), paris(day, 11, 30)
    async with phone(browser) as context:
        page = await context.new_page()
        watch_errors(page, errors)
        # The widget's link names the boutique: the page starts at the appointment type.
        await page.goto(f"{server.base}/book?store=PARIS01")
        await expect(page.get_by_test_id("book-step-type")).to_be_visible()
        await expect(page.get_by_test_id("book-type-virtual")).to_contain_text("30 minutes")
        await page.screenshot(path=OUTPUT / "book-1-type.png")
        await page.get_by_test_id("book-type-in-store").click()

        step = page.get_by_test_id("book-step-time")
        await expect(step).to_be_visible()
        await expect(page.locator("#step-time-title")).to_be_focused()
        zone_note = page.get_by_test_id("book-zone-note")
        await expect(zone_note).to_contain_text("Paris time")
        await expect(zone_note).to_contain_text("New York")
        await choose_day(page, day)
        await expect(slot(page, first).locator(".time-store")).to_have_text(
            clock(first, "Europe/Paris")
        )
        # The shopper's own time, beneath the boutique's.
        await expect(slot(page, first).get_by_test_id("book-time-yours")).to_contain_text(
            clock(first, SHOPPER_ZONE)
        )
        await page.screenshot(path=OUTPUT / "book-2-times.png")

        # Choosing a time holds it while the form is filled in.
        await slot(page, first).click()
        await expect(page.get_by_test_id("book-step-details")).to_be_visible()
        await expect(page.locator("#step-details-title")).to_be_focused()
        await expect(page.get_by_test_id("book-hold-countdown")).to_have_text(
            re.compile(r"^\d{1,2}:\d\d$")
        )
        held = page.get_by_test_id("book-held-time")
        await expect(held).to_contain_text("Paris time")
        await expect(held).to_contain_text(clock(first, SHOPPER_ZONE))

        # Nothing filled in: the problem is shown beside the field, which takes the focus.
        await page.get_by_test_id("book-submit").click()
        name = page.get_by_test_id("book-name")
        await expect(page.get_by_test_id("book-name-error")).to_be_visible()
        await expect(name).to_have_attribute("aria-invalid", "true")
        await expect(name).to_have_attribute("aria-describedby", "book-name-error")
        await expect(name).to_be_focused()
        await fill_details(page, "Anne Martin", "anne.martin@example.com")
        await expect(name).not_to_have_attribute("aria-invalid", "true")
        await expect(name).not_to_have_attribute("aria-describedby", "book-name-error")
        consent = page.get_by_test_id("book-consent")
        await expect(consent).to_be_hidden()
        await page.locator("label[for=book-remind-email]").click()
        await expect(consent).not_to_be_checked()  # never ticked for the shopper
        await consent.check()
        await page.screenshot(path=OUTPUT / "book-3-details.png", full_page=True)
        await page.get_by_test_id("book-submit").click()

        done = page.get_by_test_id("book-confirmation")
        await expect(done).to_be_visible()
        await expect(page.locator("#step-done-title")).to_be_focused()
        await expect(done.get_by_test_id("appointment-time")).to_contain_text("Paris time")
        await expect(done.get_by_test_id("appointment-time")).to_contain_text(
            clock(first, "Europe/Paris", ranged=True)
        )
        await expect(done.get_by_test_id("appointment-your-time")).to_contain_text(
            clock(first, SHOPPER_ZONE, ranged=True)
        )
        await expect(done.get_by_test_id("appointment-where")).to_contain_text("Boutique PARIS01")
        await expect(done.get_by_test_id("appointment-with")).to_contain_text("Amélie Laurent")
        async with page.expect_download() as downloading:
            await done.get_by_test_id("book-add-calendar").click()
        download = await downloading.value
        assert download.suggested_filename.endswith(".ics")
        ics = Path(await download.path()).read_text()
        assert "BEGIN:VCALENDAR" in ics and "METHOD:REQUEST" in ics
        await page.screenshot(path=OUTPUT / "book-4-confirmation.png", full_page=True)
        link = await done.get_by_test_id("book-manage-link").get_attribute("href")
        assert link is not None and link.startswith(f"{server.base}/book#manage=")
        appointment_id, token = link.split("#manage=", 1)[1].split(".", 1)
        booked = await appointment(session, appointment_id, token)
        assert booked["start"] == first and booked["remind_by"] == "email"

        # The manage link, opened in a new page: the token leaves the address bar at once.
        manage = await context.new_page()
        watch_errors(manage, errors)
        await manage.goto(link)
        view = manage.get_by_test_id("manage")
        await expect(view).to_be_visible()
        assert token not in manage.url and manage.url.endswith("/book#manage")
        await expect(view.get_by_test_id("manage-status")).to_have_text("Confirmed")
        await expect(view.get_by_test_id("appointment-time")).to_contain_text(
            clock(first, "Europe/Paris", ranged=True)
        )
        await manage.screenshot(path=OUTPUT / "book-5-manage.png", full_page=True)

        await view.get_by_test_id("manage-reschedule").click()
        panel = view.get_by_test_id("manage-reschedule-panel")
        await expect(panel).to_be_visible()
        await choose_day(manage, day)
        await expect(slot(manage, first)).to_have_count(0)  # her own time is not offered
        await slot(manage, moved).click()
        question = view.get_by_test_id("manage-move")
        await expect(question).to_contain_text(clock(moved, "Europe/Paris"))
        await expect(question).to_contain_text(clock(moved, SHOPPER_ZONE))
        await manage.screenshot(path=OUTPUT / "book-6-reschedule.png")
        await question.get_by_test_id("manage-move-yes").click()
        await expect(panel).to_be_hidden()
        await expect(view.get_by_test_id("appointment-time")).to_contain_text(
            clock(moved, "Europe/Paris", ranged=True)
        )
        await expect(view.get_by_test_id("appointment-your-time")).to_contain_text(
            clock(moved, SHOPPER_ZONE, ranged=True)
        )
        assert (await appointment(session, appointment_id, token))["start"] == moved

        await view.get_by_test_id("manage-cancel").click()
        await view.get_by_test_id("manage-cancel-yes").click()
        await expect(view.get_by_test_id("manage-status")).to_have_text("Cancelled")
        await expect(view.get_by_test_id("manage-actions")).to_be_hidden()
        await manage.screenshot(path=OUTPUT / "book-7-cancelled.png", full_page=True)
        cancelled = await appointment(session, appointment_id, token)
        assert cancelled["status"] == "cancelled" and cancelled["can_change"] is False

        # A reload in that tab still shows it, without the buttons.
        await manage.reload()
        await expect(view.get_by_test_id("manage-status")).to_have_text("Cancelled")
        await expect(view.get_by_test_id("manage-actions")).to_be_hidden()
    assert errors == []


async def test_a_time_taken_meanwhile_is_refused_clearly_and_the_form_is_kept(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    errors: list[str] = []
    day = bookable_day(3)
    nine, ten, eleven = paris(day, 9), paris(day, 10), paris(day, 11)
    async with phone(browser) as context:
        page = await context.new_page()
        watch_errors(page, errors, provoked=(400, 409))
        await page.goto(f"{server.base}/book?store=PARIS01&type=in-store")
        await expect(page.get_by_test_id("book-step-time")).to_be_visible()
        await choose_day(page, day)

        # A held time, an address the hub refuses (shown beside the field), then back.
        await slot(page, nine).click()
        await expect(page.get_by_test_id("book-step-details")).to_be_visible()
        await fill_details(page, "Anne Martin", "not an address")
        await page.get_by_test_id("book-submit").click()
        email = page.get_by_test_id("book-email")
        await expect(page.get_by_test_id("book-email-error")).to_contain_text("e-mail address")
        await expect(email).to_have_attribute("aria-invalid", "true")
        await expect(email).to_have_attribute(
            "aria-describedby", "book-contact-hint book-email-error"
        )
        await expect(email).to_be_focused()
        await page.get_by_test_id("book-step-details").get_by_test_id("book-back").click()
        await expect(page.get_by_test_id("book-step-time")).to_be_visible()
        await expect(slot(page, nine)).to_be_visible()  # the hold was released
        await expect(slot(page, ten)).to_be_visible()

        # Someone else books ten o'clock with the only ambassador, after the page listed it.
        await session.book(ten, "Basile Roy", "basile@example.com")
        await slot(page, ten).click()
        notice = page.get_by_test_id("book-times-notice")
        await expect(notice).to_contain_text("That time was just taken")
        await expect(page.locator("#book-day-title")).to_be_focused()  # just above the message
        await expect(slot(page, ten)).to_have_count(0)  # the times were asked for again
        await expect(slot(page, eleven)).to_be_visible()
        await expect(page.get_by_test_id("book-step-time")).to_be_visible()
        await page.screenshot(path=OUTPUT / "book-slot-taken.png")

        # Another time: what was typed is still there; fixed, the booking goes through.
        await slot(page, eleven).click()
        await expect(page.get_by_test_id("book-step-details")).to_be_visible()
        await expect(notice).to_be_hidden()
        await expect(page.get_by_test_id("book-name")).to_have_value("Anne Martin")
        await expect(email).to_have_value("not an address")
        await email.fill("anne.martin@example.com")
        await expect(email).not_to_have_attribute("aria-invalid", "true")
        await expect(email).to_have_attribute("aria-describedby", "book-contact-hint")
        await page.get_by_test_id("book-submit").click()
        done = page.get_by_test_id("book-confirmation")
        await expect(done).to_be_visible()
        await expect(done.get_by_test_id("appointment-time")).to_contain_text(
            clock(eleven, "Europe/Paris", ranged=True)
        )
    assert errors == []


async def test_a_manage_link_that_does_not_work_says_so(
    browser: Browser,  # noqa: F811
    server: HubProcess,
) -> None:
    errors: list[str] = []
    async with phone(browser) as context:
        page = await context.new_page()
        watch_errors(page, errors, provoked=(404,))
        await page.goto(f"{server.base}/book#manage=00000000-0000-0000-0000-000000000000.nope")
        await expect(page.get_by_test_id("manage-invalid")).to_contain_text(
            "This link is not valid"
        )
        # Playwright learns of history.replaceState a moment later: wait for it.
        await expect(page).to_have_url(re.compile(r"/book$"))
    assert errors == []


async def test_a_virtual_appointment_opened_from_the_chat_joins_its_conversation(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    errors: list[str] = []
    token = await session.visitor_token()
    shopper = await session.shopper(token, store="PARIS01")
    ack = await shopper.call("message", {"client_id": str(uuid.uuid4()), "text": "By video?"})
    conversation_id = ack["conversation_id"]
    day = bookable_day(4)
    start = paris(day, 15)
    async with phone(browser) as context:
        # The chat widget left its visitor token in this browser.
        await context.add_init_script(
            f"localStorage.setItem({json.dumps(VISITOR_TOKEN_KEY)}, {json.dumps(token)})"
        )
        page = await context.new_page()
        watch_errors(page, errors)
        bookings: list[Request] = []
        page.on(
            "request",
            lambda r: (
                bookings.append(r) if r.method == "POST" and "/api/appointments" in r.url else None
            ),
        )
        await page.goto(
            f"{server.base}/book?store=PARIS01&type=virtual&conversation={conversation_id}"
        )
        await choose_day(page, day)
        await slot(page, start).click()
        await page.get_by_test_id("book-name").fill("Anne Martin")
        await page.get_by_test_id("book-phone").fill("06 12 34 56 78")
        await page.locator("label[for=book-remind-phone]").click()
        await page.get_by_test_id("book-consent").check()
        await page.get_by_test_id("book-submit").click()
        done = page.get_by_test_id("book-confirmation")
        await expect(done).to_be_visible()
        video = done.get_by_test_id("appointment-video")
        await expect(video).to_have_attribute("href", re.compile(r"^https://"))
        await expect(video).to_have_attribute("rel", "noopener noreferrer")
        await page.screenshot(path=OUTPUT / "book-virtual-confirmation.png", full_page=True)
    (booking,) = bookings  # accepted at once: the visitor token proved the conversation
    body = booking.post_data_json
    assert body["conversation_id"] == conversation_id and body["visitor_token"] == token
    assert body["customer"] == {"name": "Anne Martin", "phone": "06 12 34 56 78"}
    assert body["remind_by"] == "phone" and body["consent_reminders"] is True
    assert errors == []


async def test_a_lapsed_hold_asks_for_a_time_again_and_keeps_the_details(
    browser: Browser,  # noqa: F811
    brief_holds: HubProcess,
) -> None:
    errors: list[str] = []
    day = bookable_day(2)
    start = paris(day, 16)
    async with phone(browser) as context:
        page = await context.new_page()
        watch_errors(page, errors)
        await page.goto(f"{brief_holds.base}/book?store=PARIS01&type=in-store")
        await choose_day(page, day)
        await slot(page, start).click()
        await expect(page.get_by_test_id("book-hold-countdown")).to_have_text(
            re.compile(r"^0:0\d$")
        )
        await page.get_by_test_id("book-name").fill("Anne Martin")
        await expect(page.get_by_test_id("book-alert")).to_contain_text(
            "The time we kept for you has lapsed", timeout=15_000
        )
        await expect(page.get_by_test_id("book-step-time")).to_be_visible()
        await expect(page.locator("#step-time-title")).to_be_focused()
        await page.screenshot(path=OUTPUT / "book-hold-lapsed.png")
        await slot(page, start).click()  # free again
        await expect(page.get_by_test_id("book-step-details")).to_be_visible()
        await expect(page.get_by_test_id("book-name")).to_have_value("Anne Martin")
    assert errors == []
