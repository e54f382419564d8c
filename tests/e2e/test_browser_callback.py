"""Callback requests in Debian's chromium: the demo shop's form and the widget's ask the hub to
call the shopper back; the ambassador gets the offer, the call card with the number to dial and
records how the try went."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.conftest import HubProcess, Session
from tests.e2e.test_browser import (  # noqa: F401 (browser and database_url are fixtures)
    DESKTOP,
    OUTPUT,
    PHONE,
    browser,
    database_url,
    pytestmark,
    sign_in,
    watch_errors,
)

TOPIC = "Resizing my grandmother's Étoile ring"
NATIONAL = "06 12 34 56 78"  # typed as the French do; the store is in France
E164 = "+33612345678"
SPOKEN = "+33 6 12 34 56 78"


@pytest.fixture
def hub_env(hub_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A try nobody answered comes back after three seconds, not half an hour."""
    yield {**hub_env, "HUB_CALLBACK_RETRY_MINUTES": "0.05"}


@asynccontextmanager
async def pages(
    browser: Browser,  # noqa: F811
    errors: list[str],
    *specs: tuple[ViewportSize, str],
    provoked: tuple[int, ...] = (),
) -> AsyncIterator[list[Page]]:
    """A page per (viewport, time zone), each in its own context; script errors go to errors."""
    contexts = [
        await browser.new_context(viewport=viewport, timezone_id=zone, locale="en-GB")
        for viewport, zone in specs
    ]
    try:
        opened = [await context.new_page() for context in contexts]
        for page in opened:
            watch_errors(page, errors, provoked)
        yield opened
    finally:
        for context in contexts:
            await context.close()


async def _available(console: Page, base: str) -> None:
    await sign_in(console, base, "amelie@test.concierge")
    await console.get_by_test_id("presence-toggle").select_option("available")


async def test_a_callback_from_the_shop_page_is_offered_rescheduled_and_reached(
    browser: Browser,  # noqa: F811
    server: HubProcess,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    specs = ((PHONE, "Europe/Paris"), (DESKTOP, "Europe/Paris"))
    async with pages(browser, errors, *specs) as (shop, console):
        await _available(console, server.base)

        await shop.goto(f"{server.base}/chat?store=PARIS01#callback")
        form = shop.get_by_test_id("callback-form")
        await form.get_by_label("Name").fill("Camille Durand")
        await form.get_by_label("Phone number").fill(NATIONAL)
        await expect(form.get_by_test_id("callback-when-asap")).to_be_checked()
        await expect(form.get_by_test_id("callback-hour")).to_be_hidden()
        await form.get_by_label("What would you like to talk about?").fill(TOPIC)
        await form.get_by_test_id("callback-consent").check()
        await shop.screenshot(path=OUTPUT / "shop-callback-form.png", animations="disabled")
        await form.get_by_test_id("callback-submit").click()
        done = shop.get_by_test_id("callback-done")
        await expect(done).to_have_text(
            f"Thank you \u2014 we will call you at {NATIONAL} as soon as possible."
        )
        await expect(done).to_be_focused()
        await expect(form).to_be_hidden()

        # The ambassador is offered a callback, not a chat: its topic and the number to call.
        offer = console.get_by_test_id("offer")
        await expect(offer).to_have_count(1)
        await expect(offer).to_have_attribute("data-voice", "callback")
        await expect(offer.get_by_test_id("offer-voice-kind")).to_have_text("Callback request")
        await expect(offer.get_by_test_id("offer-voice-topic")).to_contain_text(TOPIC)
        await expect(offer.get_by_test_id("offer-voice-number")).to_contain_text(SPOKEN)
        await expect(offer.get_by_test_id("offer-voice-window")).to_have_text("As soon as possible")
        await console.screenshot(path=OUTPUT / "console-callback-offer.png", animations="disabled")
        await offer.get_by_test_id("offer-accept").click()

        card = console.get_by_test_id("call-card")
        await expect(card).to_be_visible()
        await expect(card.get_by_test_id("call-card-kind")).to_have_text("Callback request")
        await expect(card.get_by_test_id("call-card-name")).to_have_text("Camille Durand")
        await expect(card.get_by_test_id("call-card-topic")).to_contain_text(TOPIC)
        tel = card.get_by_test_id("call-card-tel")
        await expect(tel).to_have_attribute("href", f"tel:{E164}")
        await expect(tel).to_have_text(f"Call {SPOKEN}")
        await expect(card.get_by_test_id("call-card-attempts")).to_have_text("Try 1 of 3")
        await expect(console.get_by_test_id("conversation-channel")).to_have_text("Phone")
        # The topic is the conversation's first message; no provider here, so no texting.
        first = console.locator("[data-testid=timeline-message][data-author=customer]")
        await expect(first).to_have_text(TOPIC)
        await expect(card.get_by_test_id("call-card-bridge")).to_be_hidden()
        await expect(console.get_by_test_id("reply-input")).to_be_disabled()
        await expect(console.get_by_test_id("reply-via")).to_contain_text("cannot send text")
        await console.screenshot(path=OUTPUT / "console-call-card.png", animations="disabled")

        # "No answer": confirmed inline, with a note; the callback goes until its next try.
        await card.get_by_test_id("call-outcome-no-answer").click()
        await expect(card.get_by_test_id("call-outcome-message")).to_contain_text("try 2 of 3")
        await card.get_by_test_id("call-outcome-note").fill("Voicemail full; will try later.")
        await console.screenshot(path=OUTPUT / "console-call-outcome.png", animations="disabled")
        await card.get_by_test_id("call-outcome-confirm").click()
        await expect(console.get_by_test_id("conversation-item")).to_have_count(0)
        await expect(card).to_be_hidden()
        notice = console.get_by_test_id("conversations-notice")
        await expect(notice).to_contain_text("Callback rescheduled for")
        await expect(notice).to_contain_text("Camille Durand")
        await console.screenshot(
            path=OUTPUT / "console-callback-rescheduled.png", animations="disabled"
        )
        await notice.get_by_test_id("conversations-notice-dismiss").click()
        await expect(notice).to_be_hidden()

        # Its next try comes back as an offer saying which try it is; this time she answers.
        again = console.get_by_test_id("offer")
        await expect(again.get_by_test_id("offer-voice-kind")).to_have_text(
            "Callback request \u00b7 Try 2 of 3", timeout=15_000
        )
        await again.get_by_test_id("offer-accept").click()
        await expect(card.get_by_test_id("call-card-attempts")).to_have_text("Try 2 of 3")
        await expect(
            console.locator("[data-testid=timeline-message][data-author=system]").filter(
                has_text="Voicemail full; will try later."
            )
        ).to_have_count(1)
        await card.get_by_test_id("call-outcome-reached").click()
        await card.get_by_test_id("call-outcome-confirm").click()
        await expect(card.get_by_test_id("call-card-result")).to_have_text("Reached")
        await expect(card.get_by_test_id("call-card-attempts")).to_be_hidden()
        await expect(console.get_by_test_id("conversation-item")).to_have_count(1)
    assert errors == []


async def test_an_invalid_number_is_refused_beside_its_field_and_the_form_kept(
    browser: Browser,  # noqa: F811
    server: HubProcess,
) -> None:
    errors: list[str] = []
    async with pages(browser, errors, (PHONE, "Europe/Paris"), provoked=(400,)) as (shop,):
        await shop.goto(f"{server.base}/chat?store=PARIS01#callback")
        form = shop.get_by_test_id("callback-form")
        submit = form.get_by_test_id("callback-submit")

        # Nothing goes to the hub while a required field is empty.
        await submit.click()
        await expect(form.get_by_test_id("callback-name-error")).to_have_text(
            "Please give your name."
        )
        await expect(form.get_by_test_id("callback-phone-error")).to_be_visible()
        await expect(form.get_by_test_id("callback-consent-error")).to_be_visible()
        await expect(form.get_by_label("Name")).to_be_focused()

        await form.get_by_label("Name").fill("Camille Durand")
        phone = form.get_by_label("Phone number")
        await phone.fill("12 34")
        await form.get_by_label("What would you like to talk about?").fill(TOPIC)
        await form.get_by_test_id("callback-consent").check()
        await expect(form.get_by_test_id("callback-consent-error")).to_be_hidden()
        await submit.click()
        error = form.get_by_test_id("callback-phone-error")
        await expect(error).to_be_visible()
        await expect(error).not_to_have_text("")
        await expect(phone).to_have_attribute("aria-invalid", "true")
        await expect(phone).to_be_focused()
        await expect(phone).to_have_value("12 34")
        await expect(form.get_by_label("Name")).to_have_value("Camille Durand")
        await expect(form.get_by_label("What would you like to talk about?")).to_have_value(TOPIC)
        await expect(form.get_by_test_id("callback-consent")).to_be_checked()
        await expect(shop.get_by_test_id("callback-done")).to_be_hidden()
        await shop.screenshot(path=OUTPUT / "shop-callback-error.png", animations="disabled")

        # Fixed, it goes through.
        await phone.fill(NATIONAL)
        await expect(error).to_be_hidden()
        await submit.click()
        await expect(shop.get_by_test_id("callback-done")).to_contain_text(NATIONAL)
    assert errors == []


async def _customers(session: Session, query: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {await session.staff_token()}"}
    async with session.http.get(
        f"{session.base}/api/customers", params={"q": query}, headers=headers
    ) as response:
        assert response.status == 200
        return list((await response.json())["customers"])


async def _request_window(session: Session, zone: str, topic: str) -> None:
    """Another shopper, through the API: a window that began five minutes ago in their zone,
    so the callback is due at once."""
    start = datetime.now(ZoneInfo(zone)).replace(second=0, microsecond=0) - timedelta(minutes=5)
    end = start + timedelta(hours=1)
    body = {
        "name": "Jun Tanaka",
        "phone": "+81 90 1234 5678",
        "store": "PARIS01",
        "topic": topic,
        "consent": True,
        "preferred_time": {
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": end.strftime("%Y-%m-%dT%H:%M"),
            "timezone": zone,
        },
    }
    async with session.http.post(f"{session.base}/api/callbacks", json=body) as response:
        assert response.status == 201, await response.text()
        assert (await response.json())["status"] == "queued"


async def test_the_widget_asks_for_a_callback_in_the_shoppers_own_time(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    # The shopper is in Tokyo; the ambassador's console is in New York, neither in Paris.
    specs = ((PHONE, "Asia/Tokyo"), (DESKTOP, "America/New_York"))
    async with pages(browser, errors, *specs) as (shop, console):
        # Nobody is available: the widget offers other ways, among them a callback.
        await shop.goto(f"{server.base}/chat?store=PARIS01")
        await shop.get_by_test_id("chat-open").click()
        await shop.get_by_test_id("chat-input").fill("Could someone call me about a bracelet?")
        await shop.get_by_test_id("chat-send").click()
        offline = shop.get_by_test_id("chat-offline")
        await offline.get_by_test_id("chat-option-callback").click()

        form = shop.get_by_test_id("chat-callback")
        await expect(form).to_be_visible()
        await expect(shop.get_by_test_id("chat-input")).to_be_hidden()  # the form takes its place
        await expect(form.get_by_label("Name")).to_be_focused()
        await form.get_by_label("Name").fill("Aiko Sato")
        await form.get_by_label("Phone").fill("+33 6 98 76 54 32")
        await form.get_by_text("At a time that suits me").click()
        await form.get_by_test_id("chat-callback-day").select_option("tomorrow")
        await form.get_by_test_id("chat-callback-hour").select_option("9")
        await expect(form.get_by_text("Between (Tokyo time)")).to_be_visible()
        await form.get_by_label("Topic (optional)").fill("A ring for my husband")
        await shop.screenshot(path=OUTPUT / "widget-callback-form.png", animations="disabled")
        submit = form.get_by_test_id("chat-callback-submit")
        await submit.click()
        consent_error = form.get_by_test_id("chat-callback-consent-error")
        await expect(consent_error).to_have_text("Please agree to be called at this number.")
        await form.get_by_test_id("chat-callback-consent").check()
        await expect(consent_error).to_be_hidden()
        await submit.click()
        done = form.get_by_test_id("chat-callback-done")
        await expect(done).to_have_text(
            "We will call you at +33 6 98 76 54 32 between 09:00 and 10:00 tomorrow."
        )
        await shop.screenshot(path=OUTPUT / "widget-callback-done.png", animations="disabled")
        await form.get_by_test_id("chat-callback-back").click()
        await expect(form).to_be_hidden()
        await expect(shop.get_by_test_id("chat-input")).to_be_visible()

        # Tomorrow's callback waits for its time; another shopper's window has begun, so that
        # one is offered at once, with their hour in their zone and in the ambassador's.
        await _request_window(session, "Asia/Tokyo", "A bracelet for my wife")
        await _available(console, server.base)
        callback = console.locator("[data-testid=offer][data-voice=callback]")
        await expect(callback).to_have_count(1)
        await expect(callback.get_by_test_id("offer-voice-topic")).to_contain_text("bracelet")
        await expect(callback.get_by_test_id("offer-voice-number")).to_contain_text(
            "+81 90 1234 5678"
        )
        window = callback.get_by_test_id("offer-voice-window").locator("li")
        await expect(window).to_have_count(2)
        await expect(window.nth(0)).to_contain_text("Tokyo time")
        await expect(window.nth(1)).to_contain_text("your time")
        await console.screenshot(
            path=OUTPUT / "console-callback-window-offer.png", animations="disabled"
        )

    # The widget's request joined the visitor's profile: their number is on it.
    found = await _customers(session, "+33698765432")
    assert len(found) == 1, found
    assert errors == []
