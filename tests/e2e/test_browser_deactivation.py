"""Deactivation in Debian's chromium (test_staff_deactivation.py does it over raw sockets):
Amélie is signed in and available; her manager deactivates her from Administration → Staff
in another browser; her open console drops to the sign-in form with the session-ended
message, and signing in again is refused."""

from __future__ import annotations

from playwright.async_api import Browser, expect

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
from tests.factories import PASSWORD

AMELIE = "amelie@test.concierge"


async def test_a_deactivated_ambassadors_open_console_is_disconnected(
    browser: Browser,  # noqa: F811 - the fixture imported above
    manager: str,  # noqa: F811 - seeded before the hub starts
    server: HubProcess,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, DESKTOP, DESKTOP) as (amelie, boss):
        await sign_in(amelie, server.base, AMELIE)
        await amelie.get_by_test_id("presence-toggle").select_option("available")
        await expect(amelie.locator("#offers-empty")).to_contain_text("New shoppers will appear")

        await sign_in(boss, server.base, manager)
        await boss.get_by_test_id("admin-open").click()
        await boss.get_by_test_id("admin-tab-staff").click()
        row = boss.locator(f"[data-testid=admin-staff-row][data-email='{AMELIE}']")
        await row.get_by_test_id("admin-staff-open").click()
        await expect(boss.get_by_test_id("admin-person-title")).to_have_text("Amélie Laurent")
        # Managers cannot deactivate themselves; Amélie works only in Manon's store.
        await boss.get_by_test_id("admin-person-deactivate").click()
        await expect(boss.get_by_test_id("admin-person-deactivate-confirm")).to_be_focused()
        await boss.get_by_test_id("admin-person-deactivate-confirm").click()

        # Back on the list, Amélie shows deactivated…
        status = row.get_by_test_id("admin-staff-status")
        await expect(status).to_have_attribute("data-status", "deactivated")
        await expect(boss.get_by_test_id("admin-staff-notice")).to_contain_text("deactivated")
        # …and her console, without a reload, asks her to sign in again.
        await expect(amelie.get_by_test_id("login-submit")).to_be_visible()
        await expect(amelie.get_by_test_id("login-error")).to_have_text(
            "Your session has ended. Please sign in again."
        )
        await expect(amelie.get_by_test_id("admin-open")).to_be_hidden()

        await amelie.get_by_test_id("login-email").fill(AMELIE)
        await amelie.get_by_test_id("login-password").fill(PASSWORD)
        await amelie.get_by_test_id("login-submit").click()
        await expect(amelie.get_by_test_id("login-error")).to_have_text(
            "The e-mail or password is incorrect."
        )
        await expect(amelie.get_by_test_id("login-submit")).to_be_visible()
        await amelie.screenshot(path=OUTPUT / "admin-deactivated.png")

        # The person's page offers to switch her on again, not off.
        await row.get_by_test_id("admin-staff-open").click()
        await expect(boss.get_by_test_id("admin-person-activate")).to_be_visible()
        await expect(boss.get_by_test_id("admin-person-deactivate")).to_have_count(0)
    assert errors == []
