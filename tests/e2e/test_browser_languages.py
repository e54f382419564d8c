"""The shopper's language in Debian's chromium: the widget on the demo shop page speaks
Arabic right to left for an Arabic browser and Japanese for a page that asks for it, and the
conversation it starts records that language; the booking page writes its days in Japanese.
Every text compared comes from the catalogue itself (hub/web/static/i18n/LANG.json).
Screenshots: test-output/browser/widget-ar.png, widget-ja.png, book-ja.png."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from hub.db.engine import Database
from hub.db.models import Conversation
from tests.e2e.conftest import HubProcess
from tests.e2e.test_browser import (  # noqa: F401 (browser and database_url are fixtures)
    OUTPUT,
    PHONE,
    browser,
    database_url,
    pytestmark,
    watch_errors,
)
from tests.unit.test_shopper_catalogues import catalogue


@asynccontextmanager
async def shopper(
    chromium: Browser, errors: list[str], locale: str, zone: str = "Europe/Paris"
) -> AsyncIterator[Page]:
    """A phone whose browser prefers `locale`; closed before the hub stops."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = await chromium.new_context(viewport=PHONE, locale=locale, timezone_id=zone)
    try:
        page = await context.new_page()
        watch_errors(page, errors)
        yield page
    finally:
        await context.close()


async def conversation_languages(url: str) -> list[str | None]:
    db = Database(url)
    try:
        async with db.reading() as session:
            return list(await session.scalars(select(Conversation.language)))
    finally:
        await db.close()


async def send_from_widget(page: Page, text: str) -> None:
    await page.get_by_test_id("chat-input").fill(text)
    await page.get_by_test_id("chat-send").click()
    mine = page.locator("[data-testid=chat-message][data-author=customer]")
    await expect(mine).to_have_text(text)
    await expect(mine).to_have_attribute("data-seq", "1")  # acknowledged: stored by the hub


async def test_the_widget_speaks_arabic_right_to_left_for_an_arabic_browser(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    database_url: str,  # noqa: F811
) -> None:
    errors: list[str] = []
    ar: dict[str, Any] = catalogue("ar")
    async with shopper(browser, errors, "ar") as page:
        # No lang on the page, no profile yet: the browser's Accept-Language decides.
        await page.goto(f"{server.base}/chat?store=PARIS01")
        document = page.locator("html")
        await expect(document).to_have_attribute("lang", "ar")
        await expect(document).to_have_attribute("dir", "rtl")
        await expect(page.locator("#hero-title")).to_have_text(ar["chat.heroTitle"])

        widget = page.locator("#concierge-widget")
        await expect(widget).to_have_attribute("lang", "ar")
        await expect(widget).to_have_attribute("dir", "rtl")
        # A right-to-left page keeps its launcher in its own corner: bottom left.
        await expect(widget).to_have_attribute("data-corner", "left")
        launcher = page.get_by_test_id("chat-open")
        await expect(launcher).to_have_text(re.compile(re.escape(ar["widget.launcher"])))
        box = await launcher.bounding_box()
        assert box is not None and box["x"] + box["width"] < PHONE["width"] / 2

        await launcher.click()
        panel = page.locator("#cw-panel")
        assert await panel.evaluate("(el) => getComputedStyle(el).direction") == "rtl"
        await expect(page.get_by_test_id("chat-send")).to_have_text(ar["widget.send"])
        await expect(page.get_by_test_id("chat-input")).to_have_attribute(
            "placeholder", ar["widget.placeholder"]
        )
        await expect(page.get_by_test_id("chat-about")).to_contain_text(ar["widget.about.title"])
        # The shopper's own message sits at the end of the line, as in any chat: on the left.
        await send_from_widget(page, "مرحبًا، هل هذا الخاتم متوفر بالذهب الأبيض؟")
        bubble = await page.locator("[data-testid=chat-message]").bounding_box()
        messages = await page.locator(".cw-messages").bounding_box()
        assert bubble is not None and messages is not None
        assert bubble["x"] - messages["x"] < messages["x"] + messages["width"] - (
            bubble["x"] + bubble["width"]
        )
        # Nobody is on duty: the way to book opens the booking page in Arabic too.
        await expect(page.get_by_test_id("chat-option-appointment")).to_have_attribute(
            "href", re.compile(r"/book\?store=PARIS01&lang=ar$")
        )
        await page.screenshot(path=OUTPUT / "widget-ar.png", animations="disabled")

    assert await conversation_languages(database_url) == ["ar"]
    assert errors == []


async def test_the_widget_speaks_the_language_the_shop_page_asks_for(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    database_url: str,  # noqa: F811
) -> None:
    errors: list[str] = []
    ja: dict[str, Any] = catalogue("ja")
    async with shopper(browser, errors, "en-US") as page:
        # The page's own language (?lang= on the demo page, <html lang> on a shop's) comes
        # before the browser's English.
        await page.goto(f"{server.base}/chat?store=PARIS01&lang=ja")
        widget = page.locator("#concierge-widget")
        await expect(widget).to_have_attribute("lang", "ja")
        await expect(widget).to_have_attribute("dir", "ltr")
        await expect(widget).to_have_attribute("data-corner", "right")
        await expect(page.locator("html")).to_have_attribute("lang", "ja")
        prices = page.locator(".product-price")
        await expect(prices.first).to_have_text(re.compile(r"^€14,800から$"))

        await page.get_by_test_id("chat-open").click()
        await expect(page.get_by_test_id("chat-send")).to_have_text(ja["widget.send"])
        await expect(page.locator(".cw-title")).to_have_text(ja["widget.title"])
        await send_from_widget(page, "こんにちは。ホワイトゴールドのリングはありますか")
        await page.screenshot(path=OUTPUT / "widget-ja.png", animations="disabled")

    assert await conversation_languages(database_url) == ["ja"]
    assert errors == []


async def test_the_booking_page_writes_its_days_in_japanese(
    browser: Browser,  # noqa: F811
    server: HubProcess,
) -> None:
    errors: list[str] = []
    ja: dict[str, Any] = catalogue("ja")
    async with shopper(browser, errors, "ja-JP") as page:
        await page.goto(f"{server.base}/book?store=PARIS01&type=virtual")
        await expect(page.locator("html")).to_have_attribute("lang", "ja")
        await expect(page.locator("#step-time-title")).to_have_text(ja["book.timeTitle"])
        day_title = page.locator("#book-day-title")
        # "11月26日木曜日": the month, the day and the weekday, written the Japanese way.
        await expect(day_title).to_have_text(
            re.compile(r"^(\d{4}年)?\d{1,2}月\d{1,2}日[月火水木金土日]曜日$")
        )
        note = ja["book.zoneNote"].replace(
            "{zone}", ja["common.zoneTime"].replace("{city}", "Paris")
        )
        await expect(page.get_by_test_id("book-zone-note")).to_have_text(note)
        await expect(page.get_by_test_id("book-days").locator("button").first).to_contain_text("月")
        parts = await page.locator(".time-group-title").all_text_contents()
        assert parts and set(parts) <= {
            ja[f"book.dayPart.{p}"] for p in ("night", "morning", "afternoon", "evening")
        }
        await page.screenshot(path=OUTPUT / "book-ja.png", animations="disabled")
    assert errors == []
