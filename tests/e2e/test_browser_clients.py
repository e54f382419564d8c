"""My clients in Debian's chromium against a running hub: Amélie opens My clients, sees her
client's birthday coming in five days, adds a follow-up task and marks it done, then opens
"Reach out": e-mail is available (consent for service, verified address, the boutique's
mailbox) and WeChat is shown unavailable with its reason written out (outside the 48-hour
window). Sending opens the new e-mail conversation in the workspace, whose profile offers
the same follow-up actions.
Screenshot: test-output/browser/my-clients.png."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import select

from hub.db.engine import Database
from hub.db.models import Staff
from tests.e2e.conftest import HubProcess
from tests.e2e.test_browser import (  # noqa: F401 (browser, database_url: fixtures)
    OUTPUT,
    browser,
    database_url,
    open_pages,
    pytestmark,
    sign_in,
)
from tests.integration.clienteling_support import consent, mailbox, make_client, wechat_follower

AMELIE = "amelie@test.concierge"
CLIENT = "Sophie Bernard"


async def _seed_clients(url: str) -> None:
    db = Database(url)
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        async with db.reading() as session:
            amelie = await session.scalar(select(Staff.id).where(Staff.email == AMELIE))
        assert amelie is not None
        birthday = now.astimezone(ZoneInfo("Europe/Paris")).date() + timedelta(days=5)
        if (birthday.month, birthday.day) == (2, 29):  # keep the count exact
            birthday += timedelta(days=1)
        sophie = await make_client(
            db,
            now,
            CLIENT,
            ambassador_id=amelie,
            dates=[{"kind": "birthday", "date": f"1988-{birthday:%m-%d}"}],
            identities=[("email", "sophie@example.com", True)],
        )
        await make_client(db, now, "Someone Else", ambassador_id=None)
        await mailbox(db, "PARIS01", "paris@boutique.example", now)
        await consent(db, sophie, "email", "service", True, now - timedelta(days=10))
        await consent(db, sophie, "wechat", "service", True, now - timedelta(days=10))
        await wechat_follower(db, sophie, "oSophie1", now - timedelta(days=3), now)
    finally:
        await db.close()


@pytest.fixture
def clientele(hub_env: dict[str, str], database_url: str) -> None:  # noqa: F811
    asyncio.run(_seed_clients(database_url))


async def test_an_ambassador_follows_up_a_client_from_my_clients(
    browser: Browser,  # noqa: F811
    clientele: None,
    server: HubProcess,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, {"width": 1280, "height": 1000}) as (page,):
        await sign_in(page, server.base, AMELIE)
        entry = page.get_by_test_id("clients-open")
        await expect(entry).to_have_text("My clients")
        await entry.click()
        await expect(entry).to_have_attribute("aria-expanded", "true")
        await expect(page.locator("#workspace")).to_be_hidden()

        # Clients: only hers, with the birthday in five days.
        cards = page.get_by_test_id("client-card")
        await expect(cards).to_have_count(1)
        await expect(cards.first).to_contain_text(CLIENT)
        await expect(cards.first.get_by_test_id("client-next-date")).to_contain_text("in 5 days")

        # Dates: the birthday within the next 30 days.
        await page.get_by_test_id("clients-tab-dates").click()
        date_row = page.get_by_test_id("client-date")
        await expect(date_row).to_have_count(1)
        await expect(date_row.get_by_test_id("client-date-when")).to_have_text("in 5 days")
        await expect(date_row).to_contain_text("Birthday · 38 years")

        # A task from the client's date row, then done from the Tasks tab.
        await date_row.get_by_test_id("client-new-task").click()
        dialog = page.get_by_test_id("clients-task-dialog")
        await expect(dialog).to_be_visible()
        await expect(dialog.get_by_test_id("clients-task-client-name")).to_have_text(CLIENT)
        await dialog.get_by_test_id("clients-task-title").fill("Send a birthday card")
        await dialog.get_by_test_id("clients-task-save").click()
        await expect(dialog).to_be_hidden()
        await page.get_by_test_id("clients-tab-tasks").click()
        task = page.get_by_test_id("clients-task")
        await expect(task).to_have_count(1)
        await expect(task).to_contain_text("Send a birthday card")
        await expect(page.get_by_test_id("clients-tasks-upcoming")).to_be_visible()
        await task.get_by_test_id("clients-task-done").click()
        await expect(task).to_have_count(0)
        await expect(page.get_by_test_id("clients-panel-tasks")).to_contain_text("No open tasks")

        # Reach out: e-mail yes, WeChat no, with the reason as visible text.
        await page.get_by_test_id("clients-tab-clients").click()
        await cards.first.get_by_test_id("client-reach-out").click()
        outreach = page.get_by_test_id("clients-outreach")
        await expect(outreach).to_be_visible()
        email = outreach.get_by_test_id("clients-channel-email")
        await expect(email).to_be_enabled()
        await expect(email).to_be_checked()
        await expect(outreach.get_by_test_id("clients-channel-row-email")).to_contain_text(
            "s•••@example.com"
        )
        await expect(outreach.get_by_test_id("clients-channel-wechat")).to_be_disabled()
        reason = outreach.get_by_test_id("clients-channel-reason-wechat")
        await expect(reason).to_be_visible()
        await expect(reason).to_contain_text("48 hours")
        await expect(outreach.get_by_test_id("clients-channel-reason-sms")).to_contain_text(
            "No address"
        )
        # Marketing: no consent for it on any channel.
        await outreach.get_by_test_id("clients-purpose-marketing").check()
        await expect(outreach.get_by_test_id("clients-channel-reason-email")).to_contain_text(
            "has not agreed"
        )
        await outreach.get_by_test_id("clients-purpose-service").check()
        await expect(outreach.get_by_test_id("clients-channel-email")).to_be_enabled()
        await page.screenshot(path=str(OUTPUT / "my-clients.png"))

        await outreach.get_by_test_id("clients-outreach-text").fill("Your ring is ready.")
        await outreach.get_by_test_id("clients-outreach-send").click()
        await expect(outreach).to_be_hidden()
        await expect(page.get_by_test_id("clients-view")).to_be_hidden()
        await expect(page.locator("#timeline")).to_contain_text("Your ring is ready.")

        # Beside the conversation, the profile's Follow-up section opens the same dialogs.
        follow_up = page.get_by_test_id("profile-follow-up")
        await expect(follow_up).to_be_visible()
        await follow_up.get_by_test_id("profile-new-task").click()
        await expect(dialog.get_by_test_id("clients-task-client-name")).to_have_text(CLIENT)
        await dialog.get_by_test_id("clients-task-cancel").click()
        await expect(dialog).to_be_hidden()
    assert errors == []
