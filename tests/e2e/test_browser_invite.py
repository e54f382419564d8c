"""A staff invitation in Debian's chromium: the manager invites, the newcomer opens the
mailed link, chooses a password on /invite and lands in the console, signed in and
connected; the same link a second time is refused."""

from __future__ import annotations

import re

import aiohttp
from playwright.async_api import Browser, expect

from tests.e2e.conftest import HubProcess, Session
from tests.e2e.test_browser import (  # noqa: F401 - fixtures
    OUTPUT,
    PHONE,
    browser,
    database_url,
    manager,
    open_pages,
    pytestmark,
)
from tests.fakes.smtp import FakeSmtpServer

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/invite#[A-Za-z0-9_-]+)")


async def test_the_newcomer_chooses_a_password_and_lands_in_the_console(
    browser: Browser,  # noqa: F811 - the fixture imported above
    manager: str,  # noqa: F811 - seeded before the hub starts
    mail_server: HubProcess,
    smtp: FakeSmtpServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        token = await Session(mail_server.base, http).staff_token(manager)
        async with http.post(
            f"{mail_server.base}/api/staff/invitations",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "email": "ines@example.com",
                "name": "Inès Moreau",
                "stores": ["PARIS01"],
                "languages": ["en", "fr"],
            },
        ) as response:
            assert response.status == 201, await response.text()
    received = await smtp.next_message()
    link = LINK.search(received.text)
    assert link is not None, received.text

    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, PHONE, PHONE, provoked=(404,)) as (page, again):
        await page.goto(link.group(1))
        assert "#" not in page.url  # the token leaves the address bar at once
        await expect(page.get_by_test_id("invite-greeting")).to_have_text("Welcome, Inès Moreau.")
        await expect(page.get_by_test_id("invite-stores")).to_contain_text("Boutique PARIS01")
        await expect(page.get_by_test_id("invite-email")).to_have_value("ines@example.com")
        await page.get_by_test_id("invite-password").fill("a fine long secret")
        await page.get_by_test_id("invite-confirm").fill("a fine long secreT")
        await page.get_by_test_id("invite-submit").click()
        await expect(page.get_by_test_id("invite-error")).to_have_text(
            "The two passwords are not the same."
        )
        await page.screenshot(path=OUTPUT / "invite-page.png", full_page=True)
        await page.get_by_test_id("invite-confirm").fill("a fine long secret")
        await page.get_by_test_id("invite-submit").click()
        await page.wait_for_url(re.compile(r"/console$"))
        connection = page.get_by_test_id("connection-state")
        await expect(connection).to_have_attribute("data-state", "connected")

        await again.goto(link.group(1))
        await expect(again.get_by_test_id("invite-error")).to_contain_text("does not work any more")
        await expect(again.get_by_test_id("invite-password")).to_be_hidden()
    assert errors == []
