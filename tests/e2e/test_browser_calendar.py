"""Appointments from the console in Debian's chromium: an ambassador proposes times from a
conversation and the shopper's socket receives them as a proposal (a time taken meanwhile is
told and dropped); a booking reaches the ambassador's calendar live, a manager's calendar
(filters, and the hub's refusal to record an outcome before the start) and the customer's
profile; an appointment that has started is marked completed. The seeded PARIS01 has no
opening hours (always open); types: virtual 30 min, in-store 60 min, two hours' notice.
Screenshots: test-output/browser/."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, Page, ViewportSize, expect
from sqlalchemy import update

from hub.db.booking_models import Appointment
from hub.db.engine import Database
from tests.e2e.conftest import Client, HubProcess, Session
from tests.e2e.test_browser import (  # noqa: F401 (browser, database_url, manager: fixtures)
    DESKTOP,
    OUTPUT,
    browser,
    database_url,
    manager,
    open_pages,
    pytestmark,
    sign_in,
)

PARIS = ZoneInfo("Europe/Paris")
TABLET: ViewportSize = {"width": 820, "height": 1180}
AMELIE = "amelie@test.concierge"


def tomorrow() -> date:
    return (datetime.now(PARIS) + timedelta(days=1)).date()


def paris(day: date, hour: int, minute: int = 0) -> str:
    """A start as the hub writes it: ISO 8601 with the boutique's offset on that day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).isoformat()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def shopper_writes(session: Session, text: str) -> tuple[Client, str, str]:
    """A web shopper at PARIS01 writes; returns their socket, visitor token, conversation."""
    visitor = await session.visitor_token()
    shopper = await session.shopper(visitor, store="PARIS01", language="fr")
    ack = await shopper.call("message", {"client_id": "first", "text": text})
    assert ack["conversation_id"], ack
    return shopper, visitor, str(ack["conversation_id"])


async def accept_offer(console: Page) -> None:
    await console.get_by_test_id("presence-toggle").select_option("available")
    await console.get_by_test_id("offer-accept").click()
    await expect(console.get_by_test_id("proposal-open")).to_be_enabled()


async def staff_id(session: Session, email: str) -> str:
    token = await session.staff_token(email)
    async with session.http.get(
        f"{session.base}/api/me", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        return str((await response.json())["staff"]["id"])


async def book(session: Session, **body: Any) -> dict[str, Any]:
    async with session.http.post(
        f"{session.base}/api/appointments", json={"store": "PARIS01", **body}
    ) as response:
        assert response.status == 201, await response.text()
        return dict(await response.json())


async def next_proposal(shopper: Client) -> dict[str, Any]:
    """The next message the shopper receives that carries a proposal."""
    while True:
        message = await shopper.next("message")
        if (message.get("data") or {}).get("proposal"):
            return dict(message)


def entry(page: Page, appointment_id: str) -> Any:
    return page.locator(
        f'[data-testid=calendar-appointment][data-appointment-id="{appointment_id}"]'
    )


async def open_week_of(page: Page, day: date, today: date) -> None:
    """Opens the calendar (this week) and steps to the week holding day."""
    await page.get_by_test_id("calendar-open").click()
    calendar = page.get_by_test_id("calendar")
    await expect(calendar).to_be_visible()
    await expect(page.get_by_test_id("calendar-zone")).to_contain_text("Paris time (Europe/Paris)")
    await expect(page.get_by_test_id("calendar-mode-week")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(page.get_by_test_id("calendar-day")).to_have_count(7)
    if monday(day) != monday(today):
        await page.get_by_test_id("calendar-next").click()
    await expect(page.locator(f'[data-testid=calendar-day][data-date="{day}"]')).to_have_count(1)


async def test_an_ambassador_proposes_times_and_the_shopper_receives_them(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    day = tomorrow()
    ten, eleven, three = paris(day, 10), paris(day, 11), paris(day, 15)
    shopper, _, _ = await shopper_writes(session, "Could I see the Étoile ring in the boutique?")
    async with open_pages(browser, errors, DESKTOP, provoked=(409,)) as (console,):
        await sign_in(console, server.base, AMELIE)
        await accept_offer(console)

        await console.get_by_test_id("proposal-open").click()
        dialog = console.get_by_test_id("proposal-dialog")
        await expect(dialog).to_be_visible()
        await expect(dialog.get_by_test_id("proposal-zone")).to_contain_text("Paris time")
        await dialog.locator("[data-testid=proposal-type][value=in-store]").check()
        await dialog.get_by_test_id("proposal-day").fill(day.isoformat())
        for start in (ten, eleven, three):
            await dialog.locator(f'[data-testid=proposal-time][data-start="{start}"]').check()
        await expect(dialog.get_by_test_id("proposal-chosen")).to_have_count(3)
        # Three is the most: the other times cannot be ticked now.
        await expect(
            dialog.locator("[data-testid=proposal-time]:not(:checked)").first
        ).to_be_disabled()
        await console.screenshot(path=OUTPUT / "console-proposal-dialog.png")

        # Amélie is the boutique's only ambassador: someone else books 15:00 meanwhile.
        await book(
            session,
            type="in-store",
            start=three,
            customer={"name": "Anne Martin", "email": "anne@example.com"},
        )
        await dialog.get_by_test_id("proposal-send").click()
        await expect(dialog.get_by_test_id("proposal-error")).to_contain_text("just taken")
        await expect(dialog.get_by_test_id("proposal-chosen")).to_have_count(2)
        await expect(
            dialog.locator(f'[data-testid=proposal-time][data-start="{three}"]')
        ).to_have_count(0)
        await dialog.get_by_test_id("proposal-send").click()
        await expect(dialog).to_be_hidden()

        # The console shows the proposal as a card; the shopper's socket gets both times.
        card = console.get_by_test_id("proposal-card")
        await expect(card).to_have_count(1)
        await expect(card).to_contain_text("In-store")
        await expect(card).to_contain_text("Paris time")
        slots = card.get_by_test_id("proposal-slot")
        await expect(slots).to_have_count(2)
        await expect(slots.nth(0)).to_have_attribute("data-start", ten)
        await expect(slots.nth(1)).to_have_attribute("data-start", eleven)
        message = await next_proposal(shopper)
        proposal = message["data"]["proposal"]
        assert [slot["start"] for slot in proposal["slots"]] == [ten, eleven]
        assert proposal["type"]["code"] == "in-store" and proposal["store"]["code"] == "PARIS01"
        # The text every channel gets is in the shopper's language (fr, from the widget).
        assert message["author"]["kind"] == "ambassador" and "heure de Paris" in message["text"]
        await console.screenshot(path=OUTPUT / "console-proposal-sent.png")
    assert errors == []


async def test_a_booking_reaches_the_calendars_and_the_customer_profile(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
    manager: str,  # noqa: F811
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    day = tomorrow()
    start = paris(day, 10)
    amelie_id = await staff_id(session, AMELIE)
    _, visitor, conversation_id = await shopper_writes(session, "A video call about a ring?")
    async with open_pages(browser, errors, DESKTOP, TABLET, provoked=(409,)) as pages:
        amelie, manon = pages
        await sign_in(amelie, server.base, AMELIE)
        await accept_offer(amelie)
        customer = await amelie.get_by_test_id("conversation-customer").inner_text()
        await open_week_of(amelie, day, datetime.now(PARIS).date())
        await amelie.evaluate("window.notReloaded = true")

        # The shopper books from the chat: Amélie's calendar shows it without a reload.
        booked = await book(
            session,
            type="virtual",
            start=start,
            conversation_id=conversation_id,
            visitor_token=visitor,
            ambassador=amelie_id,
        )
        mine = entry(amelie, booked["id"])
        await expect(mine).to_be_visible()
        await expect(mine).to_contain_text(customer)
        await expect(mine).to_contain_text("Virtual")
        await expect(mine.get_by_test_id("calendar-status")).to_have_text("Booked")
        video = mine.get_by_test_id("calendar-video")
        await expect(video).to_have_attribute("href", booked["video_url"])
        await expect(video).to_have_attribute("rel", "noopener")
        await expect(mine.get_by_test_id("calendar-completed")).to_have_count(0)  # not yet begun
        assert await amelie.evaluate("window.notReloaded") is True
        await amelie.screenshot(path=OUTPUT / "console-calendar-week.png")

        # The manager, on a tablet whose clock reads 10:15 that day, sees it among the
        # boutique's appointments; recording it early gets the hub's refusal, in its words.
        await manon.clock.set_fixed_time(
            datetime(day.year, day.month, day.day, 10, 15, tzinfo=PARIS)
        )
        await sign_in(manon, server.base, manager)
        await manon.get_by_test_id("calendar-open").click()
        theirs = entry(manon, booked["id"])
        await expect(theirs).to_contain_text("with Amélie Laurent")
        ambassador = manon.get_by_test_id("calendar-ambassador")
        await expect(ambassador.locator(f'option[value="{amelie_id}"]')).to_have_count(1)
        await ambassador.select_option(label="You (Manon Girard)")
        await expect(theirs).to_have_count(0)
        await ambassador.select_option(amelie_id)
        await theirs.get_by_test_id("calendar-completed").click()
        await expect(theirs.get_by_test_id("calendar-outcome-error")).to_contain_text("not started")
        await manon.get_by_test_id("calendar-mode-day").click()
        await expect(manon.get_by_test_id("calendar-day")).to_have_count(1)
        await expect(theirs).to_be_visible()
        # Its clock stands still, and CSS transitions with it: screenshot them finished.
        await manon.screenshot(
            path=OUTPUT / "console-calendar-manager-tablet.png",
            full_page=True,
            animations="disabled",
        )

        # From the calendar to the conversation: the profile lists the appointment.
        await mine.get_by_test_id("calendar-open-conversation").click()
        await expect(amelie.get_by_test_id("calendar")).to_be_hidden()
        listed = amelie.get_by_test_id("profile-appointment")
        await expect(listed).to_have_count(1)
        await expect(listed).to_have_attribute("data-appointment-id", booked["id"])
        await expect(listed).to_contain_text("Booked")
        await expect(listed).to_contain_text("with you")
        await listed.scroll_into_view_if_needed()
        await amelie.screenshot(path=OUTPUT / "console-profile-appointments.png")
    assert errors == []


async def move_into_the_past(url: str, appointment_id: str) -> date:
    """The hub's clock is real: to record how an appointment went, it must have begun, so
    it is moved to have started ten minutes ago. Returns its Paris day."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    end = start + timedelta(minutes=30)
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(
                update(Appointment)
                .where(Appointment.id == appointment_id)
                .values(starts_at=start, ends_at=end, block_start=start, block_end=end)
            )
    finally:
        await db.close()
    return start.astimezone(PARIS).date()


async def test_an_appointment_that_has_begun_is_marked_completed(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
    database_url: str,  # noqa: F811
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    booked = await book(
        session,
        type="virtual",
        start=paris(tomorrow(), 15),
        customer={"name": "Anne Martin", "email": "anne@example.com"},
    )
    day = await move_into_the_past(database_url, booked["id"])
    async with open_pages(browser, errors, DESKTOP) as (console,):
        await sign_in(console, server.base, AMELIE)
        await console.get_by_test_id("calendar-open").click()
        await console.get_by_test_id("calendar-mode-day").click()
        if day != datetime.now(PARIS).date():  # just after midnight: it began yesterday
            await console.get_by_test_id("calendar-previous").click()
        found = entry(console, booked["id"])
        await expect(found).to_contain_text("Anne Martin")
        await found.get_by_test_id("calendar-completed").click()
        await expect(found.get_by_test_id("calendar-status")).to_have_text("Completed")
        await expect(found).to_have_attribute("data-status", "completed")
        await expect(found.get_by_test_id("calendar-completed")).to_have_attribute(
            "aria-pressed", "true"
        )
        await expect(found.get_by_test_id("calendar-video")).to_have_count(0)
        await console.screenshot(path=OUTPUT / "console-calendar-completed.png")
    assert errors == []
