"""Feedback in chromium: the widget asks for a rating once the ambassador closes the chat,
the shopper answers with buttons and a comment, and the console shows the rating in the
conversation as it arrives; the rating page answers a link in the shopper's language."""

from __future__ import annotations

import re

import aiohttp
from playwright.async_api import Browser, expect

from tests.e2e.conftest import HubProcess, Session
from tests.e2e.test_browser import (
    DESKTOP,
    OUTPUT,
    PHONE,
    browser,  # noqa: F401  (fixture)
    database_url,  # noqa: F401  (fixture)
    manager,  # noqa: F401  (fixture)
    open_pages,
    pytestmark,  # noqa: F401  (browser marks: skipped without chromium)
    sign_in,
)
from tests.fakes.smtp import FakeSmtpServer

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/rate#[A-Za-z0-9_-]+)")


async def test_the_shopper_rates_the_chat_and_the_console_sees_it(
    browser: Browser,  # noqa: F811
    server: HubProcess,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, PHONE, DESKTOP) as (shop, console):
        await shop.goto(f"{server.base}/chat?store=PARIS01")
        await shop.get_by_test_id("chat-open").click()
        await shop.get_by_test_id("chat-input").fill("Could you resize my ring?")
        await shop.get_by_test_id("chat-send").click()

        await sign_in(console, server.base, "amelie@test.concierge")
        await console.get_by_test_id("presence-toggle").select_option("available")
        await console.get_by_test_id("offer").get_by_test_id("offer-accept").click()
        await console.get_by_test_id("reply-input").fill("Of course, it takes a week.")
        await console.get_by_test_id("reply-send").click()
        await expect(
            shop.locator("[data-testid=chat-message][data-author=ambassador]")
        ).to_have_text("Of course, it takes a week.")
        await console.get_by_test_id("close-conversation").click()
        # Closing asks how it ended (console/attention-close.js); staff only.
        await console.get_by_test_id("close-outcome-information").click()
        await expect(console.get_by_test_id("conversation-outcome")).to_have_text(
            "Outcome: Information"
        )

        # The widget asks: five buttons, none chosen, named for screen readers.
        card = shop.get_by_test_id("chat-feedback")
        await expect(card).to_be_visible()
        scores = card.get_by_test_id("chat-feedback-score")
        await expect(scores).to_have_count(5)
        four = card.locator("[data-testid=chat-feedback-score][data-score='4']")
        await expect(four).to_have_attribute("aria-pressed", "false")
        await expect(four).to_have_attribute("aria-label", "4 \u2013 Very good")
        await four.click()
        await expect(four).to_have_attribute("aria-pressed", "true")
        await card.get_by_test_id("chat-feedback-comment").fill("Very kind <b>and</b> quick")
        await card.get_by_test_id("chat-feedback-send").click()
        thanks = shop.locator("[data-testid=chat-message][data-feedback=answered]")
        await expect(thanks).to_have_text("Thank you for your feedback.")
        await expect(four).to_have_attribute("aria-disabled", "true")
        await shop.screenshot(path=OUTPUT / "widget-feedback.png")

        # The console shows the rating in the header and the answer in the timeline, live.
        await expect(console.get_by_test_id("conversation-csat")).to_have_text("CSAT 4/5")
        score = console.get_by_test_id("timeline-feedback-score")
        await expect(score).to_have_text("Rated 4/5")
        comment = console.locator(".fb-comment")
        await expect(comment).to_have_text("\u201cVery kind <b>and</b> quick\u201d")
        assert await console.locator("b").count() == 0  # the shopper's words stay text
        await console.screenshot(path=OUTPUT / "console-feedback.png")

        # After a reload the question stays answered and the badge comes from the API.
        await shop.reload()
        await shop.get_by_test_id("chat-open").click()
        await expect(
            shop.locator("[data-testid=chat-feedback-score][data-score='4']")
        ).to_have_attribute("aria-pressed", "true")
        await console.reload()
    assert errors == []


async def rating_link(server: HubProcess, smtp: FakeSmtpServer, email: str) -> str:
    """An Arabic-speaking client writes through the contact form; a store manager answers by
    e-mail and closes (no ambassador speaks Arabic to be offered it): the rating mail's link."""
    async with aiohttp.ClientSession() as http:
        form = {
            "name": "Layla Haddad",
            "email": "layla@client.example",
            "message": "هل يمكن تعديل مقاس الخاتم؟",
            "store": "PARIS01",
            "language": "ar",
        }
        async with http.post(f"{server.base}/api/contact", json=form) as response:
            assert response.status == 201, await response.text()
            conversation_id = (await response.json())["conversation_id"]
        session = Session(server.base, http)
        manager = await session.ambassador(await session.staff_token(email), available=False)
        reply = {"conversation_id": conversation_id, "client_id": "r-1", "text": "Bien sûr."}
        assert "id" in await manager.call("reply", reply)
        await manager.call("close", {"conversation_id": conversation_id})
        await manager.close()
    while True:
        found = LINK.search((await smtp.next_message()).text)
        if found:
            return found.group(1)


async def test_the_rating_page_answers_a_mailed_link_in_arabic(
    browser: Browser,  # noqa: F811
    mail_server: HubProcess,
    smtp: FakeSmtpServer,
    manager: str,  # noqa: F811
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    link = await rating_link(mail_server, smtp, manager)
    errors: list[str] = []
    async with open_pages(browser, errors, PHONE) as (page,):
        await page.goto(link)
        html = page.locator("html")
        await expect(html).to_have_attribute("lang", "ar")
        await expect(html).to_have_attribute("dir", "rtl")
        assert "#" not in page.url  # the token left the address bar
        await expect(page.get_by_test_id("rate-question")).to_have_text(
            "كيف تقيّمون محادثتكم مع Boutique PARIS01؟"
        )
        scores = page.get_by_test_id("rate-score")
        await expect(scores).to_have_count(5)
        five = page.locator("[data-testid=rate-score][data-score='5']")
        await expect(five).to_have_attribute("aria-label", "5 \u2013 ممتاز")
        await five.click()
        await expect(five).to_have_attribute("aria-pressed", "true")
        await page.get_by_test_id("rate-comment").fill("خدمة رائعة")
        await page.screenshot(path=OUTPUT / "rate-page-ar.png")
        await page.get_by_test_id("rate-send").click()
        await expect(page.get_by_test_id("rate-status")).to_have_text(
            "شكرًا لمشاركتنا رأيكم. يمكنكم الآن إغلاق هذه الصفحة."
        )

        await page.goto(link)  # the same link again: answered already
        await expect(page.get_by_test_id("rate-status")).to_have_text(
            "شكرًا لكم، لقد تلقّينا إجابتكم بالفعل."
        )
        await expect(page.get_by_test_id("rate-score")).to_have_count(0)
    assert errors == []
