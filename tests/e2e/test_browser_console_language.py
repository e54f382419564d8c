"""The console in the ambassador's language, in Debian's chromium: a browser set to Japanese
gets the sign-in page, the offers and the conversation in Japanese (texts from ja.json, the
shopper's language named in Japanese); choosing French in the header reloads the console in
French and keeps that choice, the ambassador's presence, the open conversation and the draft.
Screenshot: test-output/browser/console-ja.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import HubProcess, Session
from tests.e2e.test_browser import (  # noqa: F401 (browser, database_url: fixtures)
    DESKTOP,
    OUTPUT,
    browser,
    database_url,
    pytestmark,
    watch_errors,
)
from tests.factories import PASSWORD

CATALOGUES = Path(__file__).resolve().parents[2] / "hub" / "web" / "static" / "i18n" / "console"
AMELIE = "amelie@test.concierge"


def catalogue(language: str) -> dict[str, Any]:
    return dict(json.loads((CATALOGUES / f"{language}.json").read_text(encoding="utf-8")))


async def sign_in(page: Page, password: str = PASSWORD) -> None:
    await page.get_by_test_id("login-email").fill(AMELIE)
    await page.get_by_test_id("login-password").fill(password)
    await page.get_by_test_id("login-submit").click()


async def test_the_console_speaks_japanese_then_the_language_chosen(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    ja, fr = catalogue("ja"), catalogue("fr")
    errors: list[str] = []
    visitor = await session.visitor_token()
    shopper = await session.shopper(visitor, store="PARIS01", language="fr")
    await shopper.call("message", {"client_id": "first", "text": "Bonjour, la bague Serpent ?"})

    context = await browser.new_context(viewport=DESKTOP, locale="ja-JP")
    try:
        page = await context.new_page()
        watch_errors(page, errors)
        await page.goto(f"{server.base}/console")

        # Sign-in, in Japanese: the page, its labels and the hub's refusal.
        await expect(page.locator("html")).to_have_attribute("lang", "ja")
        await expect(page).to_have_title(ja["app.title"])
        await expect(page.locator("#login-title")).to_have_text(ja["login.title"])
        await expect(page.get_by_label(ja["login.password"])).to_be_visible()
        await expect(page.get_by_test_id("login-submit")).to_have_text(ja["login.submit"])
        picker = page.get_by_test_id("console-language")
        await expect(picker).to_have_value("ja")
        await expect(picker.locator("option")).to_have_text(
            ["English", "Français", "简体中文", "日本語"]
        )
        await page.get_by_test_id("login-submit").click()
        await expect(page.get_by_test_id("login-error")).to_have_text(ja["login.missing"])

        # The queue: offers and conversations, with the offer's channel and language in Japanese.
        await sign_in(page)
        await expect(page.get_by_test_id("connection-state")).to_have_text(
            ja["connection.connected"]
        )
        await expect(page.locator("#offers-title")).to_contain_text(ja["offers.title"])
        await expect(page.locator("#offers-empty")).to_have_text(ja["offers.emptyAway"])
        await expect(page.locator("#conversations-empty")).to_have_text(ja["conversations.empty"])
        await page.get_by_test_id("presence-toggle").select_option("available")
        offer = page.get_by_test_id("offer")
        await expect(offer.get_by_test_id("offer-accept")).to_have_text(ja["offers.accept"])
        await expect(offer.get_by_test_id("offer-decline")).to_have_text(ja["offers.decline"])
        await expect(offer).to_contain_text(ja["channel.webchat"])
        await expect(offer).to_contain_text(
            "フランス語"
        )  # the shopper's language, named in Japanese
        countdown = ja["offers.expiresIn"].replace("{time}", "")
        await expect(offer.get_by_test_id("offer-countdown")).to_contain_text(countdown)
        await page.screenshot(path=OUTPUT / "console-ja.png", full_page=True)

        await offer.get_by_test_id("offer-accept").click()
        await expect(page.get_by_test_id("close-conversation")).to_have_text(
            ja["conversation.close"]
        )
        await expect(page.get_by_test_id("reply-input")).to_have_attribute(
            "placeholder", ja["reply.placeholder"]
        )
        await expect(page.get_by_test_id("timeline-message")).to_have_text(
            "Bonjour, la bague Serpent ?"
        )
        profile = page.get_by_test_id("profile-panel")
        await expect(profile.get_by_test_id("profile-preferences")).to_contain_text(
            ja["profile.preferences"]
        )
        await page.screenshot(path=OUTPUT / "console-ja-conversation.png", full_page=True)

        # French, chosen in the header: the console comes back in French and stays so, with
        # the ambassador still available, the conversation open and the draft unsent.
        await page.get_by_test_id("reply-input").fill("Oui, en taille 52")
        await picker.select_option("fr")
        await expect(page.locator("html")).to_have_attribute("lang", "fr")
        await expect(page.locator("#conversations-title")).to_have_text(fr["conversations.title"])
        await expect(page.get_by_test_id("reply-input")).to_have_value("Oui, en taille 52")
        await expect(page.get_by_test_id("presence-toggle")).to_have_value("available")
        await expect(page.get_by_test_id("close-conversation")).to_have_text(
            fr["conversation.close"]
        )
        await page.reload()  # an ordinary reload starts as away, as before
        await expect(page.locator("html")).to_have_attribute("lang", "fr")
        await expect(page.get_by_test_id("console-language")).to_have_value("fr")
        await expect(page.get_by_test_id("logout")).to_have_text(fr["header.signOut"])
        await page.get_by_test_id("conversation-item").click()
        await expect(page.get_by_test_id("close-conversation")).to_have_text(
            fr["conversation.close"]
        )
        await expect(page.get_by_test_id("timeline-message")).to_have_text(
            "Bonjour, la bague Serpent ?"
        )
        await page.screenshot(path=OUTPUT / "console-fr.png", full_page=True)
    finally:
        await context.close()
    assert errors == []
