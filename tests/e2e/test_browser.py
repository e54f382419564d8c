"""The shop page and the console in Debian's chromium, driven by Playwright."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.conftest import HubProcess
from tests.factories import PASSWORD

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


def watch_errors(page: Page, sink: list[str]) -> None:
    """Script errors fail the test; the console's signed-out probe of /api/me (401) does not."""

    def on_console(msg) -> None:  # type: ignore[no-untyped-def]
        if msg.type == "error" and "status of 401" not in msg.text:
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
