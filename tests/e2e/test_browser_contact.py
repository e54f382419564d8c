"""The widget's "About you" pre-chat form in Debian's chromium: what the shopper fills in
reaches their profile as unverified claims and consents, and a refused detail is fixed in place."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.conftest import HubProcess, Session
from tests.e2e.test_browser import (  # noqa: F401 (browser and database_url are fixtures)
    OUTPUT,
    browser,
    database_url,
    open_pages,
    pytestmark,
)

# The narrowest phone the widget is made for.
SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
NEWS_BY_EMAIL = "Send me news of collections and events by e\u2011mail"
NEWS_BY_TEXT = "Send me news of collections and events by text message"


async def _customer(session: Session, email: str) -> dict[str, Any]:
    """The profile the ambassador sees, found by the e-mail address the shopper gave."""
    headers = {"Authorization": f"Bearer {await session.staff_token()}"}
    async with session.http.get(
        f"{session.base}/api/customers", params={"q": email}, headers=headers
    ) as response:
        assert response.status == 200
        found = (await response.json())["customers"]
    assert len(found) == 1, found
    async with session.http.get(
        f"{session.base}/api/customers/{found[0]['id']}", headers=headers
    ) as response:
        assert response.status == 200
        return dict(await response.json())


def _identities(profile: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {(i["kind"], i["value"]): i["verified"] for i in profile["identities"]}


def _marketing(profile: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        c["channel"]: c for c in profile["consents"] if c["purpose"] == "marketing" and c["granted"]
    }


async def _open_chat(shop: Page, server: HubProcess) -> None:
    await shop.goto(f"{server.base}/chat?store=PARIS01")
    await shop.get_by_test_id("chat-open").click()


async def _send(shop: Page, text: str) -> None:
    await shop.get_by_test_id("chat-input").fill(text)
    await shop.get_by_test_id("chat-send").click()


async def test_about_you_details_reach_the_profile_as_unverified_claims(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, SMALL_PHONE) as (shop,):
        await _open_chat(shop, server)
        about = shop.get_by_test_id("chat-about")
        await expect(about).to_be_visible()
        await expect(shop.get_by_test_id("chat-input")).to_be_focused()  # nothing to fill first
        by_email = about.get_by_label(NEWS_BY_EMAIL)
        by_text = about.get_by_label(NEWS_BY_TEXT)
        await expect(by_email).to_be_disabled()  # until there is an address to write to
        await expect(by_text).to_be_disabled()

        await about.get_by_label("Name", exact=True).fill("Anne Martin")
        email = about.get_by_label("E-mail", exact=True)
        await email.fill("Anne.Martin@Example.com")
        await expect(email).to_have_attribute("type", "email")
        await expect(email).to_have_attribute("autocomplete", "email")
        phone = about.get_by_label("Phone", exact=True)
        await phone.fill("06 12 34 56 78")  # national format, read in the store's country
        await expect(phone).to_have_attribute("type", "tel")
        await by_email.check()
        await expect(by_text).to_be_enabled()  # left unticked
        await shop.screenshot(path=OUTPUT / "shop-about-you.png")

        await _send(shop, "Is the Étoile ring available in 52?")
        mine = shop.locator("[data-testid=chat-message][data-author=customer]")
        await expect(mine).to_have_attribute("data-seq", "1")
        await expect(about).to_be_hidden()

        # A returning visitor with a conversation is not asked again.
        await shop.reload()
        await shop.get_by_test_id("chat-open").click()
        await expect(mine).to_have_attribute("data-seq", "1")
        await expect(shop.get_by_test_id("chat-about")).to_be_hidden()

    profile = await _customer(session, "anne.martin@example.com")
    assert profile["name"] == "Anne Martin"
    identities = _identities(profile)
    assert identities[("email", "anne.martin@example.com")] is False
    assert identities[("phone", "+33612345678")] is False
    marketing = _marketing(profile)
    assert set(marketing) == {"email"}
    assert marketing["email"]["source"] == "chat_form"
    assert errors == []


async def test_a_refused_address_is_fixed_beside_its_field_and_the_message_kept(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    errors: list[str] = []
    text = "Could you reserve the Rivière necklace for me?"
    async with open_pages(browser, errors, SMALL_PHONE) as (shop,):
        await _open_chat(shop, server)
        about = shop.get_by_test_id("chat-about")
        email = about.get_by_label("E-mail", exact=True)
        await email.fill("lea(at)example.com")
        await about.get_by_label(NEWS_BY_EMAIL).check()
        await _send(shop, text)

        error = about.get_by_test_id("chat-about-email-error")
        await expect(error).to_contain_text("is not an e-mail address")
        await expect(email).to_have_attribute("aria-invalid", "true")
        await expect(email).to_have_attribute("aria-describedby", "cw-about-email-error")
        await expect(email).to_be_focused()
        await expect(shop.get_by_test_id("chat-input")).to_have_value(text)
        await expect(shop.get_by_test_id("chat-message")).to_have_count(0)  # nothing was stored
        await shop.screenshot(path=OUTPUT / "shop-about-you-error.png")

        await email.fill("lea@example.com")
        await expect(error).to_be_hidden()
        await expect(email).not_to_have_attribute("aria-invalid", "true")
        await shop.get_by_test_id("chat-send").click()
        mine = shop.locator("[data-testid=chat-message][data-author=customer]")
        await expect(mine).to_have_text(text)
        await expect(mine).to_have_attribute("data-seq", "1")
        await expect(about).to_be_hidden()
        await expect(shop.get_by_test_id("chat-input")).to_have_value("")

    profile = await _customer(session, "lea@example.com")
    assert _identities(profile)[("email", "lea@example.com")] is False
    assert set(_marketing(profile)) == {"email"}
    assert errors == []


async def test_details_wait_in_the_outbox_and_a_resend_after_reload_carries_them(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    errors: list[str] = []
    async with open_pages(browser, errors, SMALL_PHONE) as (shop,):
        await shop.goto(f"{server.base}/chat?store=PARIS01")
        await expect(shop.get_by_test_id("chat-open")).to_be_visible()  # widget and styles in
        await shop.context.set_offline(True)  # before the widget first reaches the hub
        await shop.get_by_test_id("chat-open").click()
        about = shop.get_by_test_id("chat-about")
        await about.get_by_label("Name", exact=True).fill("Hugo Bernard")
        await about.get_by_label("Phone", exact=True).fill("+33 6 98 76 54 32")
        await about.get_by_label(NEWS_BY_TEXT).check()
        await _send(shop, "Do you engrave wedding bands?")
        pending = shop.locator("[data-testid=chat-message][data-status=sending]")
        await expect(pending).to_have_count(1)
        await expect(about).to_have_attribute("inert", "")  # sent with it: shown, unchangeable
        outbox = json.loads(await shop.evaluate("localStorage.getItem('concierge.outbox')") or "[]")
        assert [item["contact"] for item in outbox] == [
            {"name": "Hugo Bernard", "phone": "+33 6 98 76 54 32", "marketing": {"phone": True}}
        ]

        await shop.context.set_offline(False)
        await shop.reload()  # the outbox drains on start, with the same client_id and details
        mine = shop.locator("[data-testid=chat-message][data-author=customer]")
        await expect(mine).to_have_attribute("data-seq", "1")
        await expect(mine).to_have_count(1)
        assert await shop.evaluate("localStorage.getItem('concierge.outbox')") is None
        await shop.get_by_test_id("chat-open").click()
        await expect(shop.get_by_test_id("chat-about")).to_be_hidden()

    profile = await _customer(session, "+33698765432")
    assert profile["name"] == "Hugo Bernard"
    assert _identities(profile)[("phone", "+33698765432")] is False
    marketing = _marketing(profile)
    assert set(marketing) == {"phone"}
    assert marketing["phone"]["source"] == "chat_form"
    # Requests that fail while offline are the point of this test, not script errors.
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


async def test_just_chat_skips_the_details_and_a_closed_conversation_asks_again(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    errors: list[str] = []
    ambassador = await session.ambassador(await session.staff_token())
    async with open_pages(browser, errors, SMALL_PHONE) as (shop,):
        await _open_chat(shop, server)
        about = shop.get_by_test_id("chat-about")
        email = about.get_by_label("E-mail", exact=True)
        await email.fill("skipped@example.com")
        toggle = about.get_by_test_id("chat-about-toggle")
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        await about.get_by_test_id("chat-about-skip").click()
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        await expect(email).to_be_hidden()
        await expect(shop.get_by_test_id("chat-input")).to_be_focused()
        await shop.keyboard.type("Just browsing, thank you.")
        await shop.keyboard.press("Enter")
        mine = shop.locator("[data-testid=chat-message][data-author=customer]")
        await expect(mine).to_have_attribute("data-seq", "1")
        await expect(about).to_be_hidden()

        # Once the conversation is closed, the next one starts with the form again, empty.
        offer = await ambassador.next("offer")
        await ambassador.call("accept", {"offer_id": offer["offer_id"]})
        closed = await ambassador.call("close", {"conversation_id": offer["conversation"]["id"]})
        assert closed["conversation"]["status"] == "closed"
        await expect(about).to_be_visible()
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        await expect(email).to_have_value("")
        await shop.reload()  # a returning visitor whose conversation is closed is asked too
        await shop.get_by_test_id("chat-open").click()
        await expect(mine).to_have_count(1)
        await expect(about).to_be_visible()

    headers = {"Authorization": f"Bearer {await session.staff_token()}"}
    async with session.http.get(
        f"{session.base}/api/customers", params={"q": "skipped@"}, headers=headers
    ) as response:
        assert (await response.json())["customers"] == []
    assert errors == []
