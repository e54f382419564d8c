"""E-mail verification in Debian's chromium: the ambassador sends the link from the profile
panel, the customer opens it from the mail and confirms, the panel shows it verified."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.e2e.conftest import HubProcess
from tests.e2e.test_browser import (  # noqa: F401 - fixtures
    DESKTOP,
    OUTPUT,
    PHONE,
    browser,
    database_url,
    open_pages,
    pytestmark,
    sign_in,
)
from tests.fakes.smtp import FakeSmtpServer

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/verify#[A-Za-z0-9_-]+)")


async def test_the_customer_confirms_an_address_from_the_mailed_link(
    browser: Browser,  # noqa: F811 - the fixture imported above
    mail_server: HubProcess,
    smtp: FakeSmtpServer,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    # The mailbox page provokes a 400 on purpose: the link opened a second time.
    pages = open_pages(browser, errors, PHONE, DESKTOP, PHONE, provoked=(400,))
    async with pages as (shop, console, mailbox):
        await shop.goto(f"{mail_server.base}/chat?store=PARIS01")
        await shop.get_by_test_id("chat-open").click()
        await shop.get_by_test_id("chat-input").fill("Could you hold the Aube ring for me?")
        await shop.get_by_test_id("chat-send").click()

        await sign_in(console, mail_server.base, "amelie@test.concierge")
        await console.get_by_test_id("presence-toggle").select_option("available")
        await console.get_by_test_id("offer-accept").click()
        panel = console.get_by_test_id("profile-panel")
        await panel.get_by_test_id("profile-identity-value").fill("lea.shopper@example.com")
        await panel.get_by_test_id("profile-identity-add").click()
        claimed = panel.get_by_test_id("profile-identity").filter(has_text="lea.shopper@")
        await expect(claimed).to_have_attribute("data-verified", "false")
        await claimed.get_by_test_id("profile-identity-verify").click()
        await expect(claimed.get_by_test_id("profile-identity-verify-status")).to_contain_text(
            "Verification e-mail sent"
        )
        await console.screenshot(path=OUTPUT / "console-verification-sent.png", full_page=True)

        received = await smtp.next_message()
        assert received.rcpt_tos == ("lea.shopper@example.com",)
        link = LINK.search(received.text)
        assert link is not None, received.text
        await mailbox.goto(link.group(1))
        assert "#" not in mailbox.url  # the token leaves the address bar at once
        await mailbox.get_by_test_id("verify-confirm").click()
        await expect(mailbox.get_by_test_id("verify-status")).to_contain_text(
            "lea.shopper@example.com is confirmed"
        )
        await mailbox.screenshot(path=OUTPUT / "verify-page.png", full_page=True)

        verified = panel.get_by_test_id("profile-identity").filter(has_text="lea.shopper@")
        await expect(verified).to_have_attribute("data-verified", "true")
        await expect(verified.get_by_test_id("profile-identity-verify")).to_have_count(0)

        await mailbox.goto(link.group(1))  # the same link again
        await mailbox.get_by_test_id("verify-confirm").click()
        await expect(mailbox.get_by_test_id("verify-error")).to_contain_text("already used")
    assert errors == []
