"""The shop page and the console in Debian's chromium, driven by Playwright."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from hub.db.engine import Database
from tests.e2e.conftest import HubProcess
from tests.factories import PASSWORD, make_staff

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\"> is this ring available?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test installs it)"
    ),
]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """One backend is enough here: the socket tests already cover PostgreSQL."""
    return sqlite_url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-gpu",
            ],
        )
        yield browser
        await browser.close()


async def _seed_manager(database_url: str, email: str, name: str = "Manon Girard") -> None:
    db = Database(database_url)
    try:
        await make_staff(db, datetime.now(UTC), role="manager", name=name, email=email)
    finally:
        await db.close()


@pytest.fixture
def manager(hub_env: dict[str, str], database_url: str) -> str:
    """A store manager of PARIS01 (hub_env has seeded the store and Amélie); their e-mail."""
    email = "manon@test.concierge"
    asyncio.run(_seed_manager(database_url, email))
    return email


@pytest.fixture
def claire(hub_env: dict[str, str], database_url: str) -> str:
    """Another store manager of PARIS01, for a second console; her e-mail."""
    email = "claire@test.concierge"
    asyncio.run(_seed_manager(database_url, email, "Claire Moreau"))
    return email


PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@asynccontextmanager
async def open_pages(
    browser: Browser, errors: list[str], *viewports: ViewportSize, provoked: tuple[int, ...] = ()
) -> AsyncIterator[list[Page]]:
    """A page per viewport, each in a context of its own (its own cookies), with script errors
    going to errors; the contexts close before the hub stops, so it need not hang up on them."""
    contexts = [await browser.new_context(viewport=viewport) for viewport in viewports]
    try:
        pages = [await context.new_page() for context in contexts]
        for page in pages:
            watch_errors(page, errors, provoked)
        yield pages
    finally:
        for context in contexts:
            await context.close()


async def sign_in(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/console")
    await page.get_by_test_id("login-email").fill(email)
    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    connection = page.get_by_test_id("connection-state")
    await expect(connection).to_have_attribute("data-state", "connected")


def watch_errors(page: Page, sink: list[str], provoked: tuple[int, ...] = ()) -> None:
    """Script errors fail the test; the console's signed-out probe of /api/me (401) does not,
    nor do the HTTP statuses a test provokes on purpose (e.g. 400 for a bad value)."""
    allowed = [f"status of {status}" for status in (401, *provoked)]

    def on_console(msg) -> None:  # type: ignore[no-untyped-def]
        if msg.type == "error" and not any(text in msg.text for text in allowed):
            sink.append(f"console: {msg.text}")

    page.on("pageerror", lambda exc: sink.append(f"pageerror: {exc}"))
    page.on("console", on_console)


async def test_shopper_and_ambassador_chat_in_real_browsers(
    browser: Browser, server: HubProcess
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []

    # The shopper is on a phone-sized screen.
    shop_context = await browser.new_context(viewport={"width": 390, "height": 844})
    shop = await shop_context.new_page()
    watch_errors(shop, errors)
    await shop.goto(f"{server.base}/chat?store=PARIS01")
    await shop.get_by_test_id("chat-open").click()
    await shop.get_by_test_id("chat-input").fill(HOSTILE)
    await shop.get_by_test_id("chat-send").click()
    mine = shop.locator("[data-testid=chat-message][data-author=customer]")
    await expect(mine).to_have_text(HOSTILE)
    await expect(mine).to_have_attribute("data-seq", "1")

    console_context = await browser.new_context(viewport={"width": 1280, "height": 800})
    console = await console_context.new_page()
    watch_errors(console, errors)
    await console.goto(f"{server.base}/console")
    await console.get_by_test_id("login-email").fill("amelie@test.concierge")
    await console.get_by_test_id("login-password").fill(PASSWORD)
    await console.get_by_test_id("login-submit").click()
    await console.get_by_test_id("presence-toggle").select_option("available")
    offer = console.get_by_test_id("offer")
    await expect(offer).to_have_count(1)
    await offer.get_by_test_id("offer-accept").click()

    timeline = console.locator("[data-testid=timeline-message][data-author=customer]")
    await expect(timeline).to_have_text(HOSTILE)  # shown as text, never as markup
    assert await console.locator("img[src=x]").count() == 0
    await console.get_by_test_id("reply-input").fill("Bonjour ! Yes, in white gold.")
    await console.get_by_test_id("reply-send").click()
    await expect(
        console.locator("[data-testid=timeline-message][data-author=ambassador]")
    ).to_have_text("Bonjour ! Yes, in white gold.")

    reply = shop.locator("[data-testid=chat-message][data-author=ambassador]")
    await expect(reply).to_have_text("Bonjour ! Yes, in white gold.")
    await expect(shop.get_by_test_id("chat-status")).to_contain_text("Amélie")
    assert await shop.locator("img[src=x]").count() == 0 and await shop.title() != "pwned"
    await shop.screenshot(path=OUTPUT / "shop-page.png")
    await console.screenshot(path=OUTPUT / "console.png", full_page=True)

    # A reload brings the whole conversation back, in order.
    await shop.reload()
    await shop.get_by_test_id("chat-open").click()
    messages = shop.get_by_test_id("chat-message")
    await expect(messages).to_have_count(2)
    await expect(messages.nth(0)).to_have_attribute("data-author", "customer")
    await expect(messages.nth(1)).to_have_text(re.compile("white gold"))

    await shop_context.close()
    await console_context.close()
    assert errors == []


async def test_offline_store_shows_options_and_manager_assigns_by_hand(
    browser: Browser, manager: str, server: HubProcess
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    # The shopper's phone, the manager's console and Amélie's.
    async with open_pages(browser, errors, PHONE, DESKTOP, DESKTOP) as (shop, board_page, amelie):
        # Nobody is available at PARIS01: the shopper is offered other ways to reach the boutique.
        await shop.goto(f"{server.base}/chat?store=PARIS01")
        await shop.get_by_test_id("chat-open").click()
        await shop.get_by_test_id("chat-input").fill("Could I see the Étoile necklace on Saturday?")
        await shop.get_by_test_id("chat-send").click()
        offline = shop.get_by_test_id("chat-offline")
        await expect(offline).to_be_visible()
        await expect(shop.get_by_test_id("chat-status")).to_contain_text("not available")
        for option in ("leave_message", "callback", "appointment"):
            await expect(offline.get_by_test_id(f"chat-option-{option}")).to_be_visible()
        await expect(offline.get_by_test_id("chat-option-appointment")).to_have_attribute(
            "href", re.compile(r"/book\?store=PARIS01&lang=en$")
        )
        await offline.get_by_test_id("chat-option-leave_message").click()
        await expect(offline).to_contain_text("an ambassador will answer as soon as possible")
        await expect(shop.get_by_test_id("chat-input")).to_be_focused()
        await shop.screenshot(path=OUTPUT / "shop-offline.png")

        # The manager sees the conversation waiting on the live queue.
        await sign_in(board_page, server.base, manager)
        await board_page.get_by_test_id("queue-board-open").click()
        board = board_page.get_by_test_id("queue-board")
        await expect(board).to_be_visible()
        waiting = board.get_by_test_id("queue-waiting")
        await expect(waiting).to_have_count(1)
        await expect(waiting).to_contain_text("Web chat")

        # Amélie signs in and stays Away; the board picks her up on its next refresh (5 s).
        await sign_in(amelie, server.base, "amelie@test.concierge")
        await expect(amelie.get_by_test_id("presence-toggle")).to_have_value("away")
        await expect(amelie.get_by_test_id("queue-board-open")).to_be_hidden()  # not a manager
        on_duty = board.get_by_test_id("queue-ambassador").filter(has_text="Amélie Laurent")
        await expect(on_duty).to_contain_text("Away", timeout=15_000)
        await expect(on_duty).to_contain_text("0/3")
        await board_page.screenshot(path=OUTPUT / "console-queue-board.png", full_page=True)

        assign_to = waiting.get_by_test_id("queue-assign-to")
        amelie_option = assign_to.locator("option", has_text="Amélie Laurent")
        amelie_id = await amelie_option.get_attribute("value")
        assert amelie_id
        await assign_to.select_option(amelie_id)
        await waiting.get_by_test_id("queue-assign").click()
        await expect(waiting).to_have_count(0)
        await expect(on_duty).to_contain_text("1/3")

        # The shopper is told who is with them, the options go, and Amélie has the conversation.
        await expect(shop.get_by_test_id("chat-status")).to_contain_text("Amélie")
        await expect(offline).to_be_hidden()
        await expect(amelie.get_by_test_id("conversation-item")).to_have_count(1)
    assert errors == []


async def test_profile_panel_edits_reach_another_console_live(
    browser: Browser, claire: str, server: HubProcess
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    # The shopper's phone, Amélie's console (A) and Claire's (B); A provokes a 400 on purpose.
    pages = open_pages(browser, errors, PHONE, DESKTOP, DESKTOP, provoked=(400,))
    async with pages as (shop, console_a, console_b):
        await shop.goto(f"{server.base}/chat?store=PARIS01")
        await shop.get_by_test_id("chat-open").click()
        await shop.get_by_test_id("chat-input").fill("Is the Étoile solitaire made in platinum?")
        await shop.get_by_test_id("chat-send").click()

        # Amélie accepts: the profile comes up beside the conversation, the web visitor verified.
        await sign_in(console_a, server.base, "amelie@test.concierge")
        await console_a.get_by_test_id("presence-toggle").select_option("available")
        await console_a.get_by_test_id("offer-accept").click()
        panel_a = console_a.get_by_test_id("profile-panel")
        await expect(panel_a).to_be_visible()
        visitor = panel_a.get_by_test_id("profile-identity").filter(has_text="Web visitor")
        await expect(visitor).to_have_attribute("data-verified", "true")
        await expect(visitor).to_contain_text("verified")
        await expect(panel_a.get_by_test_id("profile-tier")).to_have_text("standard")
        await expect(panel_a.get_by_test_id("profile-conversation")).to_have_count(1)

        # The e-mail the shopper gives is recorded as a claim; a bad one gets the hub's reason.
        value = panel_a.get_by_test_id("profile-identity-value")
        await value.fill("not an address")
        await panel_a.get_by_test_id("profile-identity-add").click()
        await expect(panel_a.get_by_test_id("profile-identity-error")).to_contain_text(
            "is not an e-mail address"
        )
        await value.fill("lea.shopper@example.com")
        await panel_a.get_by_test_id("profile-identity-add").click()
        claimed = panel_a.get_by_test_id("profile-identity").filter(has_text="lea.shopper@")
        await expect(claimed).to_have_attribute("data-verified", "false")
        await expect(claimed).to_contain_text("claimed, not verified")
        name = await panel_a.locator("#profile-name").inner_text()

        # Claire finds the same customer by that e-mail and opens the profile (read only).
        await sign_in(console_b, server.base, claire)
        await console_b.get_by_test_id("customer-search").fill("lea.shopper")
        result = console_b.get_by_test_id("customer-search-result")
        await expect(result).to_have_count(1)
        await result.click()
        panel_b = console_b.get_by_test_id("profile-panel")
        await expect(panel_b.locator("#profile-name")).to_have_text(name)
        metals_b = panel_b.get_by_test_id("profile-pref-metals")
        await expect(metals_b).to_have_value("")
        await expect(panel_b.get_by_test_id("profile-export")).to_be_visible()  # a manager
        await console_b.evaluate("window.notReloaded = true")

        # Amélie saves a preference and writes a note; both reach Claire's panel live.
        await panel_a.get_by_test_id("profile-pref-metals").fill("platinum")
        await panel_a.get_by_test_id("profile-preferences-save").click()
        await expect(metals_b).to_have_value("platinum")
        note = "Proposal in June: a solitaire of about 1 ct, size 52."
        await panel_a.get_by_test_id("profile-note-input").fill(note)
        await panel_a.get_by_test_id("profile-note-add").click()
        await expect(panel_a.get_by_test_id("profile-note")).to_contain_text(note)
        await expect(panel_b.get_by_test_id("profile-note")).to_contain_text(note)
        assert await console_b.evaluate("window.notReloaded") is True
        await panel_a.get_by_test_id("profile-identities").scroll_into_view_if_needed()
        await console_a.screenshot(path=OUTPUT / "console-profile.png", full_page=True)
    assert errors == []


async def test_a_manager_imports_the_daily_pos_file_from_the_console(
    browser: Browser, server: HubProcess, manager: str
) -> None:
    errors: list[str] = []
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "pos" / "messy.csv"
    async with open_pages(browser, errors, DESKTOP) as (console,):
        await sign_in(console, server.base, manager)
        await console.get_by_test_id("queue-board-open").click()
        await console.get_by_test_id("pos-file").set_input_files(str(fixture))
        await console.get_by_test_id("pos-import").click()
        status = console.get_by_test_id("pos-status")
        await expect(status).to_contain_text("Imported messy.csv")
        await expect(status).to_contain_text("with errors")
        await console.screenshot(path=OUTPUT / "console-pos-import.png")
    assert errors == []
