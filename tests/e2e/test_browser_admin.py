"""Administration in Debian's chromium: a store manager opens a store and invites an
ambassador for it from the console; the newcomer follows the mailed link in a browser of
their own, chooses a password and lands in the console signed in; the manager sees them
active, and the audit log shows both changes."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from hub import audit
from hub.db.engine import Database
from hub.stores import store_by_code
from tests.e2e.conftest import HubProcess
from tests.e2e.test_browser import (  # noqa: F401 - fixtures
    DESKTOP,
    OUTPUT,
    browser,
    database_url,
    manager,
    open_pages,
    pytestmark,
    sign_in,
)
from tests.factories import make_staff
from tests.fakes.smtp import FakeSmtpServer

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/invite#[A-Za-z0-9_-]+)")
NEWCOMER = "lea.roux@example.com"
ADMIN = "ada@test.concierge"
APP_SECRET = "firstAppSecret0123456789"
NEW_SECRET = "rotatedAppSecret987654321"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OLD_ENTRIES = 56  # a page of the audit log is 50


async def open_tab(page: Page, name: str) -> None:
    tab = page.get_by_test_id(f"admin-tab-{name}")
    await tab.click()
    await expect(tab).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_test_id(f"admin-panel-{name}")).to_be_visible()


async def create_lyon(page: Page) -> None:
    """Stores → New store, with a field the hub refuses first (shown beside it)."""
    await page.get_by_test_id("admin-store-new").click()
    await page.get_by_test_id("admin-store-form-code").fill("LYON01")
    await page.get_by_test_id("admin-store-form-name").fill("Boutique Lyon <Bellecour>")
    await page.get_by_test_id("admin-store-form-timezone").select_option("Europe/Paris")
    await page.get_by_test_id("admin-store-form-country").fill("FR")
    await page.get_by_test_id("admin-store-form-languages-fr").check()
    await page.get_by_test_id("admin-store-form-languages-en").check()
    await page.get_by_test_id("admin-store-form-address").fill("12 place Bellecour, 69002 Lyon")
    await page.get_by_test_id("admin-store-form-hours").fill("Mon-Sat 10:00-25:00")
    await page.get_by_test_id("admin-store-form-submit").click()
    hours_error = page.get_by_test_id("admin-store-form-hours-error")
    await expect(hours_error).to_contain_text("10:00-25:00")
    await expect(page.get_by_test_id("admin-store-form-hours")).to_have_attribute(
        "aria-invalid", "true"
    )
    await page.get_by_test_id("admin-store-form-hours").fill("Mon-Sat 10:00-19:00")
    await page.get_by_test_id("admin-store-form-submit").click()
    row = page.locator("[data-testid=admin-store-row][data-code=LYON01]")
    await expect(row).to_be_visible()
    # Shown as text, never as markup.
    await expect(row.get_by_test_id("admin-store-open")).to_have_text(
        "LYON01 — Boutique Lyon <Bellecour>"
    )
    await expect(row).to_contain_text("Europe/Paris")


async def invite_lea(page: Page) -> None:
    await open_tab(page, "staff")
    await page.get_by_test_id("admin-staff-invite").click()
    # A manager gives the roles ambassador and manager, never admin.
    roles = page.get_by_test_id("admin-invite-role").locator("option")
    await expect(roles).to_have_count(2)
    await page.get_by_test_id("admin-invite-email").fill(NEWCOMER)
    await page.get_by_test_id("admin-invite-name").fill("Léa Roux")
    await page.get_by_test_id("admin-invite-stores-LYON01").check()
    await page.get_by_test_id("admin-invite-languages-fr").check()
    await page.get_by_test_id("admin-invite-languages-en").check()
    await page.get_by_test_id("admin-invite-skills").fill("bridal, repairs")
    await page.get_by_test_id("admin-invite-form-submit").click()
    await expect(page.get_by_test_id("admin-staff-notice")).to_contain_text(
        f"Invitation sent to {NEWCOMER}"
    )
    row = page.locator(f"[data-testid=admin-staff-row][data-email='{NEWCOMER}']")
    await expect(row.get_by_test_id("admin-staff-status")).to_have_attribute(
        "data-status", "invited"
    )


async def accept(page: Page, link: str) -> None:
    await page.goto(link)
    await expect(page.get_by_test_id("invite-greeting")).to_contain_text("Léa Roux")
    await expect(page.get_by_test_id("invite-stores")).to_contain_text("Boutique Lyon")
    await page.get_by_test_id("invite-password").fill("a long and fine secret")
    await page.get_by_test_id("invite-confirm").fill("a long and fine secret")
    await page.get_by_test_id("invite-submit").click()
    await page.wait_for_url(re.compile(r"/console$"))
    await expect(page.get_by_test_id("connection-state")).to_have_attribute(
        "data-state", "connected"
    )
    await expect(page.get_by_test_id("staff-name")).to_have_text("Léa Roux")
    # An ambassador is never offered the administration.
    await expect(page.get_by_test_id("admin-open")).to_be_hidden()


async def test_a_manager_opens_a_store_and_invites_an_ambassador_who_signs_in(
    browser: Browser,  # noqa: F811 - the fixture imported above
    manager: str,  # noqa: F811 - seeded before the hub starts
    mail_server: HubProcess,
    smtp: FakeSmtpServer,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, DESKTOP, DESKTOP, provoked=(400,)) as (page, lea):
        await sign_in(page, mail_server.base, manager)
        entry = page.get_by_test_id("admin-open")
        await expect(entry).to_have_text("Administration")
        await entry.click()
        await expect(page.get_by_test_id("admin-view")).to_be_visible()
        await expect(entry).to_have_attribute("aria-expanded", "true")
        await expect(page.get_by_test_id("admin-tab-stores")).to_have_attribute(
            "aria-selected", "true"
        )
        await create_lyon(page)
        await page.screenshot(path=OUTPUT / "admin-store.png", full_page=True)

        await invite_lea(page)
        received = await smtp.next_message()
        assert received.rcpt_tos == (NEWCOMER,)
        link = LINK.search(received.text)
        assert link is not None, received.text

        await accept(lea, link.group(1))

        # Back in the manager's console: the list, asked again, shows Léa active.
        await open_tab(page, "stores")
        await open_tab(page, "staff")
        row = page.locator(f"[data-testid=admin-staff-row][data-email='{NEWCOMER}']")
        await expect(row.get_by_test_id("admin-staff-status")).to_have_attribute(
            "data-status", "active"
        )
        await expect(row).to_contain_text("LYON01")
        await page.screenshot(path=OUTPUT / "admin-staff.png", full_page=True)

        # Her page: capacity and weekly hours in the new store.
        await row.get_by_test_id("admin-staff-open").click()
        await expect(page.get_by_test_id("admin-person-title")).to_have_text("Léa Roux")
        await expect(page.get_by_test_id("admin-person-skills")).to_have_value("bridal, repairs")
        await page.get_by_test_id("admin-person-capacity").fill("4")
        await page.get_by_test_id("admin-person-form-submit").click()
        await expect(page.get_by_test_id("admin-person-saved")).to_have_text("Saved.")
        schedule = page.locator("[data-testid=admin-schedule-form][data-store=LYON01]")
        await schedule.get_by_test_id("admin-schedule-hours").fill("Tue-Sat 10:00-19:00")
        await schedule.get_by_test_id("admin-schedule-form-submit").click()
        await expect(schedule).to_contain_text("Saved.")
        await page.get_by_test_id("admin-staff-back").click()

        await open_tab(page, "audit")
        rows = page.get_by_test_id("admin-audit-row")
        created = rows.filter(has=page.locator("code", has_text="store.created"))
        await expect(created.filter(has_text="LYON01")).to_have_count(1)
        await expect(created.filter(has_text="LYON01")).to_contain_text("Manon Girard")
        invited = rows.filter(has=page.locator("code", has_text="staff.invited"))
        await expect(invited).to_have_count(1)
        await expect(invited).to_contain_text("Léa Roux")
        accepted = rows.filter(has=page.locator("code", has_text="staff.invitation_accepted"))
        await expect(accepted).to_have_count(1)
        # Newest first: her weekly hours came last, and read as they were typed.
        await expect(rows.first).to_contain_text("staff.schedule")
        await expect(rows.first).to_contain_text("hours=Tue-Sat 10:00-19:00")
        # The filter asks the hub for one action only.
        await page.get_by_test_id("admin-audit-action").fill("staff.invited")
        await page.get_by_test_id("admin-audit-apply").click()
        await expect(rows).to_have_count(1)
        await expect(rows).to_contain_text("Léa Roux")
    assert errors == []


async def _seed_admin(url: str) -> None:
    """Ada, and more of the CLI's old entries about PARIS01 than one page of the log holds."""
    db = Database(url)
    try:
        now = datetime.now(UTC)
        await make_staff(db, now, role="admin", name="Ada Admin", email=ADMIN)
        async with db.transaction() as session:
            paris = await store_by_code(session, "PARIS01")
            for n in range(OLD_ENTRIES):
                audit.record(
                    session,
                    at=now - timedelta(days=30) + timedelta(minutes=n),
                    actor_kind="cli",
                    actor_id="ops",
                    action="store.type_imported",
                    subject_type="store",
                    subject_id=paris.id,
                    code="PARIS01",
                    n=n,
                )
    finally:
        await db.close()


@pytest.fixture
def admin(hub_env: dict[str, str], database_url: str) -> str:  # noqa: F811 - the fixture
    """An admin (of PARIS01, though an admin reaches every store); their e-mail."""
    asyncio.run(_seed_admin(database_url))
    return ADMIN


async def store_page(page: Page) -> None:
    """PARIS01's page: a holiday added and taken back, an appointment type lengthened."""
    await (
        page.locator("[data-testid=admin-store-row][data-code=PARIS01]")
        .get_by_test_id("admin-store-open")
        .click()
    )
    await expect(page.get_by_test_id("admin-store-title")).to_have_text(
        "PARIS01 — Boutique PARIS01"
    )
    await expect(page.get_by_test_id("admin-store-edit-timezone")).to_have_value("Europe/Paris")
    holiday = (date.today() + timedelta(days=40)).isoformat()
    await page.get_by_test_id("admin-special-date").fill(holiday)
    await page.get_by_test_id("admin-special-closed").check()
    await expect(page.get_by_test_id("admin-special-hours")).to_be_disabled()
    await page.get_by_test_id("admin-special-note").fill("Inventaire")
    await page.get_by_test_id("admin-special-form-submit").click()
    special = page.locator(f"[data-testid=admin-special-row][data-date='{holiday}']")
    await expect(special).to_contain_text("Closed · Inventaire")
    await special.get_by_test_id("admin-special-delete").click()
    await expect(special).to_have_count(0)

    in_store = page.locator("[data-testid=admin-type-row][data-code=in-store]")
    await in_store.get_by_test_id("admin-type-edit").click()
    duration = in_store.get_by_test_id("admin-type-form-duration_minutes")
    await expect(duration).to_have_value("60")
    await duration.fill("2")
    await in_store.get_by_test_id("admin-type-form-submit").click()
    await expect(
        in_store.get_by_test_id("admin-type-form-duration_minutes-error")
    ).not_to_be_empty()
    await duration.fill("90")
    await in_store.get_by_test_id("admin-type-form-submit").click()
    await expect(page.locator("[data-testid=admin-type-row][data-code=in-store]")).to_contain_text(
        "90 min"
    )
    await page.screenshot(path=OUTPUT / "admin-store-page.png", full_page=True)


async def wechat_account(page: Page) -> None:
    """A WeChat account added with its secrets, then one rotated: never shown again."""
    await open_tab(page, "channels")
    await page.get_by_test_id("admin-wechat-add").click()
    await page.get_by_test_id("admin-wechat-account").fill("cn-paris")
    await page.get_by_test_id("admin-wechat-app-id").fill("wx0123456789abcdef")
    for field in ("app-secret", "token", "aes-key"):
        secret = page.get_by_test_id(f"admin-wechat-{field}")
        await expect(secret).to_have_attribute("type", "password")
        await expect(secret).to_have_attribute("autocomplete", "new-password")
    await page.get_by_test_id("admin-wechat-app-secret").fill(APP_SECRET)
    await page.get_by_test_id("admin-wechat-token").fill("tok3n")
    await page.get_by_test_id("admin-wechat-aes-key").fill("short")
    await page.get_by_test_id("admin-wechat-store").select_option("PARIS01")
    await page.get_by_test_id("admin-wechat-form-submit").click()
    await expect(page.get_by_test_id("admin-wechat-form-aes_key-error")).to_contain_text("43")
    await page.get_by_test_id("admin-wechat-aes-key").fill(AES_KEY)
    await page.get_by_test_id("admin-wechat-form-submit").click()
    row = page.locator("[data-testid=admin-wechat-row][data-key=cn-paris]")
    await expect(row.get_by_test_id("admin-channel-secrets")).to_contain_text("Secrets set ✓")
    await row.get_by_test_id("admin-wechat-rotate").click()
    rotated = row.get_by_test_id("admin-wechat-rotate-app-secret")
    await expect(rotated).to_have_value("")
    await rotated.fill(NEW_SECRET)
    await row.get_by_test_id("admin-wechat-rotate-form-submit").click()
    await expect(row.get_by_test_id("admin-wechat-rotated")).to_contain_text("Saved")
    await expect(rotated).to_have_value("")
    await open_tab(page, "stores")
    await open_tab(page, "channels")  # asked again: the hub sends no secret back either
    await expect(page.locator("[data-testid=admin-wechat-row][data-key=cn-paris]")).to_contain_text(
        "PARIS01"
    )
    await page.screenshot(path=OUTPUT / "admin-channels.png", full_page=True)
    html = await page.content()
    assert APP_SECRET not in html and NEW_SECRET not in html and AES_KEY not in html


async def routing_settings(page: Page) -> None:
    await open_tab(page, "routing")
    timeout = page.get_by_test_id("admin-routing-offer_timeout_seconds")
    await expect(timeout).to_have_value("30")  # HUB_OFFER_TIMEOUT_SECONDS in hub_env
    await expect(page.get_by_test_id("admin-routing-changed")).to_contain_text("Never changed")
    await timeout.fill("700")
    await page.get_by_test_id("admin-routing-form-submit").click()
    await expect(
        page.get_by_test_id("admin-routing-form-offer_timeout_seconds-error")
    ).to_contain_text("600")
    await page.get_by_test_id("admin-routing-offer_timeout_seconds").fill("45")
    await page.get_by_test_id("admin-routing-all-email").check()
    await page.get_by_test_id("admin-routing-form-submit").click()
    await expect(page.get_by_test_id("admin-routing-saved")).to_have_text("Saved.")
    await expect(page.get_by_test_id("admin-routing-changed")).to_contain_text("Ada Admin")
    await expect(page.get_by_test_id("admin-routing-offer_timeout_seconds")).to_have_value("45")
    await expect(page.get_by_test_id("admin-routing-weight-email")).to_be_disabled()
    await page.get_by_test_id("admin-routing-reset-offer_timeout_seconds").click()
    await expect(page.get_by_test_id("admin-routing-offer_timeout_seconds")).to_have_value("30")
    await expect(page.get_by_test_id("admin-routing-reset-offer_timeout_seconds")).to_be_hidden()


async def audit_pages(page: Page) -> None:
    """The log in pages: newest first, "Load more" brings the older ones once."""
    await open_tab(page, "audit")
    await page.get_by_test_id("admin-audit-action").fill("store.type_imported")
    await page.get_by_test_id("admin-audit-apply").click()
    rows = page.get_by_test_id("admin-audit-row")
    await expect(rows).to_have_count(50)
    await expect(rows.first).to_contain_text(f"n={OLD_ENTRIES - 1}")
    await page.get_by_test_id("admin-audit-more").click()
    await expect(rows).to_have_count(OLD_ENTRIES)
    await expect(rows.last).to_contain_text("n=0")
    await expect(page.get_by_test_id("admin-audit-more")).to_be_hidden()
    # A day range the entries are not in: nothing.
    await page.get_by_test_id("admin-audit-from").fill(date.today().isoformat())
    await page.get_by_test_id("admin-audit-apply").click()
    await expect(rows).to_have_count(0)
    await expect(page.get_by_test_id("admin-audit-status")).to_have_text("No entry.")


async def test_an_admin_runs_a_store_its_channels_and_routing(
    browser: Browser,  # noqa: F811 - the fixture imported above
    admin: str,
    manager: str,  # noqa: F811 - seeded before the hub starts
    server: HubProcess,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, DESKTOP, DESKTOP, provoked=(400,)) as (page, boss):
        await sign_in(page, server.base, admin)
        await page.get_by_test_id("admin-open").click()
        await store_page(page)
        await wechat_account(page)
        await routing_settings(page)
        await page.screenshot(path=OUTPUT / "admin-routing.png", full_page=True)
        await audit_pages(page)

        # A manager reads the routing settings but cannot change them, and cannot touch
        # the admin's account.
        await sign_in(boss, server.base, manager)
        await boss.get_by_test_id("admin-open").click()
        await open_tab(boss, "routing")
        await expect(boss.get_by_test_id("admin-routing-readonly")).to_be_visible()
        await expect(boss.get_by_test_id("admin-routing-offer_timeout_seconds")).to_be_disabled()
        await expect(boss.get_by_test_id("admin-routing-form-submit")).to_be_hidden()
        await open_tab(boss, "staff")
        row = boss.locator(f"[data-testid=admin-staff-row][data-email='{ADMIN}']")
        await row.get_by_test_id("admin-staff-open").click()
        await expect(boss.get_by_test_id("admin-person-limited")).to_contain_text("Only an admin")
        await expect(boss.get_by_test_id("admin-person-deactivate")).to_have_count(0)
        await expect(boss.get_by_test_id("admin-person-name")).to_be_disabled()

        # In Japanese, and by keyboard: the tabs follow the arrow keys.
        await boss.get_by_test_id("console-language").select_option("ja")
        await expect(boss.get_by_test_id("admin-open")).to_have_text("管理")
        await boss.get_by_test_id("admin-open").click()
        stores_tab = boss.get_by_test_id("admin-tab-stores")
        await expect(stores_tab).to_have_text("店舗")
        await stores_tab.focus()
        await boss.keyboard.press("ArrowRight")
        await expect(boss.get_by_test_id("admin-tab-staff")).to_be_focused()
        await expect(boss.get_by_test_id("admin-tab-staff")).to_have_attribute(
            "aria-selected", "true"
        )
        await expect(boss.get_by_test_id("admin-staff-invite")).to_have_text("同僚を招待")
        await boss.keyboard.press("End")
        await expect(boss.get_by_test_id("admin-tab-audit")).to_have_attribute(
            "aria-selected", "true"
        )
        await expect(boss.get_by_test_id("admin-panel-audit")).to_be_visible()
    assert errors == []
