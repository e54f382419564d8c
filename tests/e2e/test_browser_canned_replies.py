"""Canned replies and notes in real browsers: an ambassador types "/" and part of a title,
picks the boutique's reply, sees it filled in for this client, sends it, and the shopper's
widget shows it; a note for colleagues stays in the console; a reply with an unknown
placeholder is refused next to its text in the "Canned replies" dialog."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import Browser, expect
from sqlalchemy import select

from hub import canned_replies
from hub.db.engine import Database
from hub.db.models import Conversation, Customer
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
from tests.factories import make_staff

READY = "Dear {customer.first_name}, your ring is ready at {store.name}. {ambassador.name}"
RENDERED = "Dear Zoë, your ring is ready at Boutique PARIS01. Amélie Laurent"


async def _seed_replies(url: str) -> None:
    """PARIS01's manager shares an English and a French reply."""
    db = Database(url)
    try:
        now = datetime.now(UTC)
        manager = await make_staff(db, now, role="manager", name="Manon Girard")
        async with db.transaction() as session:
            for language, title, text in (
                ("en", "Resize ready", READY),
                ("fr", "Mise à taille prête", "Bonjour {customer.first_name}, c'est prêt."),
                ("en", "Welcome", "Welcome to {store.name}!"),
            ):
                body = {"scope": "store", "store": "PARIS01", "language": language}
                await canned_replies.create(
                    session, manager, {**body, "title": title, "text": text}, now
                )
    finally:
        await db.close()


async def _name_the_client(url: str, name: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as session:
            conversation = await session.scalar(select(Conversation))
            assert conversation is not None
            customer = await session.get(Customer, conversation.customer_id)
            assert customer is not None
            customer.name = name
    finally:
        await db.close()


async def test_an_ambassador_inserts_a_canned_reply_and_the_shopper_reads_it(
    browser: Browser,  # noqa: F811 - the fixture imported above
    server: HubProcess,
    database_url: str,  # noqa: F811
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    await _seed_replies(database_url)
    errors: list[str] = []
    async with open_pages(browser, errors, PHONE, DESKTOP, provoked=(400,)) as (shop, console):
        await shop.goto(f"{server.base}/chat?store=PARIS01&lang=en")
        await shop.get_by_test_id("chat-open").click()
        await shop.get_by_test_id("chat-input").fill("Is my ring ready?")
        await shop.get_by_test_id("chat-send").click()
        # Stored (it has its seq) before the client is named.
        await expect(shop.get_by_test_id("chat-message")).to_have_attribute("data-seq", "1")
        await _name_the_client(database_url, "Zoë Ångström")

        await sign_in(console, server.base, "amelie@test.concierge")
        await console.get_by_test_id("presence-toggle").select_option("available")
        await console.get_by_test_id("offer-accept").click()
        await expect(
            console.locator("[data-testid=timeline-message][data-author=customer]")
        ).to_have_text("Is my ring ready?")

        # "/" and part of a title: the list shows what matches, keyboard-first.
        box = console.get_by_test_id("reply-input")
        await box.press_sequentially("/ready")
        menu = console.get_by_test_id("canned-menu")
        await expect(menu).to_be_visible()
        await expect(box).to_have_attribute("aria-expanded", "true")
        options = menu.get_by_test_id("canned-option")
        await expect(options).to_have_count(1)
        await expect(options.first).to_contain_text("Resize ready")
        await expect(options.first).to_have_attribute("aria-selected", "true")
        await console.screenshot(path=OUTPUT / "canned-menu.png")
        await box.press("Escape")
        await expect(menu).to_be_hidden()
        await box.press("Backspace")  # the list opens again as the words change
        await expect(options).to_have_count(1)
        await box.press("Enter")  # picks; does not send
        await expect(box).to_have_value(RENDERED)
        await expect(menu).to_be_hidden()
        await expect(
            console.locator("[data-testid=timeline-message][data-author=ambassador]")
        ).to_have_count(0)
        await console.get_by_test_id("reply-send").click()
        await expect(
            console.locator("[data-testid=timeline-message][data-author=ambassador]")
        ).to_have_text(RENDERED)
        await expect(
            shop.locator("[data-testid=chat-message][data-author=ambassador]")
        ).to_have_text(RENDERED)
        await console.screenshot(path=OUTPUT / "canned-reply.png")

        # A note for colleagues: in the console's timeline, never in the widget.
        await console.get_by_test_id("note-toggle").click()
        await expect(console.get_by_test_id("note-toggle")).to_have_attribute(
            "aria-pressed", "true"
        )
        await box.fill("Size 52 in the POS")
        await box.press("Enter")
        note = console.locator("[data-testid=timeline-message]").filter(
            has_text="Size 52 in the POS"
        )
        await expect(note.get_by_test_id("timeline-note-label")).to_have_text(
            "Note — visible to colleagues only"
        )
        await console.screenshot(path=OUTPUT / "conversation-note.png")
        await console.get_by_test_id("note-toggle").click()
        await box.fill("Anything else?")
        await box.press("Enter")
        await expect(shop.get_by_test_id("chat-message")).to_have_count(3)
        await expect(shop.get_by_test_id("chat-message").last).to_have_text("Anything else?")
        await shop.reload()
        await shop.get_by_test_id("chat-open").click()
        await expect(shop.get_by_test_id("chat-message")).to_have_count(3)
        await expect(shop.locator("text=Size 52")).to_have_count(0)

        # The dialog refuses an unknown placeholder next to the text, then saves the reply.
        await console.get_by_test_id("canned-manage-open").click()
        dialog = console.get_by_test_id("canned-dialog")
        await expect(dialog).to_be_visible()
        await expect(dialog.get_by_test_id("canned-row")).to_have_count(3)
        await dialog.get_by_test_id("canned-title").fill("Thanks")
        await dialog.get_by_test_id("canned-text").fill("Thank you {customer.age}")
        await dialog.get_by_test_id("canned-save").click()
        await expect(dialog.get_by_test_id("canned-text-error")).to_contain_text("{customer.age}")
        await dialog.get_by_test_id("canned-text").fill("Thank you, {customer.first_name}!")
        await dialog.get_by_test_id("canned-save").click()
        await expect(dialog.get_by_test_id("canned-row")).to_have_count(4)
        await console.screenshot(path=OUTPUT / "canned-dialog.png")
        await expect(dialog.get_by_test_id("canned-row").filter(has_text="Thanks")).to_contain_text(
            "Personal"
        )
        await dialog.get_by_test_id("canned-close").click()
        await expect(dialog).to_be_hidden()

        # Closed, the conversation takes no reply, but a note for colleagues still goes in.
        await console.get_by_test_id("close-conversation").click()
        await console.get_by_test_id("close-outcome-purchase").click()
        await expect(box).to_be_disabled()
        await console.get_by_test_id("note-toggle").click()
        await expect(box).to_be_enabled()
        await box.fill("Ring collected on Saturday")
        await box.press("Enter")
        await expect(
            console.locator("[data-testid=timeline-message]").filter(
                has_text="Ring collected on Saturday"
            )
        ).to_have_count(1)
        await console.get_by_test_id("note-toggle").click()  # back to replies: closed again
        await expect(box).to_be_disabled()
    assert errors == []
