"""E-mail in Debian's chromium: the demo shop's "Write to us" form opens an e-mail conversation
that the ambassador answers in the console, the answer leaving through the relay (a fake SMTP
server) in the thread the receipt started; and a client's mail arriving on the hub's SMTP
listener shows its text, its quoted earlier mail folded away, and its attachment to download.
A real `hub serve` whose mailbox was added with the real CLI. Screenshots: test-output/browser/."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from playwright.async_api import Browser, Locator, Page, Request, Route, expect

from tests.e2e.conftest import HubProcess, free_port, hub, start_hub
from tests.e2e.test_browser import (  # noqa: F401 (browser and database_url are fixtures)
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

AMBASSADOR = "amelie@test.concierge"
MAILBOX = "paris@maison.example.com"
CLIENT = "anna@client.example"
SUBJECT = "Your message to Boutique PARIS01"  # the contact form's thread, for the test store
FORM_TEXT = "Could I see the Serpent bracelet on Saturday?\nIn yellow gold, if possible."
THANKS = (
    "Thank you \u2014 we have sent you a confirmation by e-mail and an ambassador will answer you."
)
NEWS_BY_EMAIL = "Send me news of collections and events by e\u2011mail"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HOSTILE_QUOTE = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
def mail_hub(hub_env: dict[str, str], smtp: FakeSmtpServer, tmp_path: Path) -> Iterator[HubProcess]:
    """The hub with PARIS01's mailbox, an SMTP listener on a free port and the fake relay;
    consoles hear of each mail's delivery within a fifth of a second."""
    env = {
        **hub_env,
        "HUB_SMTP_RELAY": smtp.relay,
        "HUB_SMTP_PORT": str(free_port()),
        "HUB_CHANGE_POLL_SECONDS": "0.2",
    }
    added = hub(env, "mailbox", "add", MAILBOX, "--store", "PARIS01")
    assert added.returncode == 0, added.stderr
    process = start_hub(env, tmp_path)
    yield process
    process.terminate()


def message_row(page: Page, text: str) -> Locator:
    """One message of the open timeline, with its bubble and delivery line."""
    timeline = page.get_by_role("log", name="Messages")
    return timeline.get_by_role("listitem").filter(has_text=text)


async def accept_the_mail(page: Page, server: HubProcess) -> None:
    """Amélie signs in, becomes available and accepts the e-mail conversation's offer."""
    await sign_in(page, server.base, AMBASSADOR)
    await page.get_by_test_id("presence-toggle").select_option("available")
    offer = page.get_by_test_id("offer")
    await expect(offer).to_contain_text("E-mail")
    await offer.get_by_test_id("offer-accept").click()
    await expect(page.get_by_test_id("conversation-channel")).to_have_text(
        f"E-mail \u00b7 {CLIENT}"
    )


def contact_bodies(shop: Page) -> list[dict[str, Any]]:
    """Every body the page posts to /api/contact, in order."""
    bodies: list[dict[str, Any]] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/api/contact"):
            bodies.append(json.loads(request.post_data or "{}"))

    shop.on("request", on_request)
    return bodies


async def test_a_contact_form_message_is_answered_by_e_mail(
    browser: Browser,  # noqa: F811
    mail_hub: HubProcess,
    smtp: FakeSmtpServer,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, PHONE, DESKTOP, provoked=(400,)) as (shop, console):
        posted = contact_bodies(shop)
        await shop.goto(f"{mail_hub.base}/chat?store=PARIS01")
        form = shop.get_by_role("form", name="Write to us")
        await form.get_by_label("Name").fill("Anna Martin")
        await form.get_by_label("E-mail").fill("anna@client")
        await form.get_by_label("Your message").fill(FORM_TEXT)
        news = form.get_by_label(NEWS_BY_EMAIL)
        await expect(news).not_to_be_checked()
        await news.check()
        await form.get_by_role("button", name="Send").click()

        # The hub refuses the address: its words by the field, and nothing typed is lost.
        email = form.get_by_label("E-mail")
        email_error = shop.get_by_test_id("contact-email-error")
        await expect(email_error).to_be_visible()
        await expect(email_error).to_contain_text(re.compile(r"\S"))
        await expect(email).to_have_attribute("aria-invalid", "true")
        await expect(form.get_by_label("Name")).to_have_value("Anna Martin")
        await expect(form.get_by_label("Your message")).to_have_value(FORM_TEXT)
        await expect(news).to_be_checked()
        await expect(email).to_be_focused()
        await shop.screenshot(path=OUTPUT / "contact-form-error-phone.png", full_page=True)

        # Fixed, and sent; the hub stores it but the answer is lost on the way back. Sending
        # again carries the same client_id, so the hub keeps the message once.
        await email.fill(CLIENT)
        await expect(email_error).to_be_hidden()
        lost = {"done": False}

        async def lose_the_first_answer(route: Route) -> None:
            if lost["done"]:
                await route.continue_()
                return
            lost["done"] = True
            await route.fetch()  # the hub has it
            await route.abort()  # the shopper's network drops before the answer

        await shop.route(re.compile(r"/api/contact$"), lose_the_first_answer)
        await form.get_by_role("button", name="Send").click()
        await expect(shop.get_by_test_id("contact-error")).to_contain_text("could not be sent")
        await expect(form.get_by_label("Your message")).to_have_value(FORM_TEXT)
        await form.get_by_role("button", name="Send").click()
        done = shop.get_by_test_id("contact-done")
        await expect(done).to_have_text(THANKS)
        await expect(done).to_be_focused()
        await expect(form).to_be_hidden()
        await shop.screenshot(path=OUTPUT / "contact-form-sent-phone.png", full_page=True)

        refused, first, retry = posted
        assert first == retry
        assert first["client_id"] != refused["client_id"]
        assert {k: v for k, v in first.items() if k != "client_id"} == {
            "name": "Anna Martin",
            "email": CLIENT,
            "message": FORM_TEXT,
            "store": "PARIS01",
            "marketing": {"email": True},
            # The page's language as the hub chose it, so the confirmation is written in it.
            "language": "en",
        }

        receipt = await smtp.next_message()
        assert receipt.rcpt_tos == (CLIENT,)
        assert "Serpent bracelet" in receipt.text

        # The ambassador takes it: the form, the message, the subject, where the reply goes.
        await accept_the_mail(console, mail_hub)
        await expect(console.get_by_test_id("conversation-customer")).to_have_text("Anna Martin")
        await expect(console.get_by_test_id("conversation-subject")).to_contain_text(SUBJECT)
        row = message_row(console, "Serpent bracelet")
        await expect(row).to_have_count(1)
        await expect(row.get_by_test_id("message-form")).to_have_text("Contact form")
        await expect(row.get_by_test_id("timeline-message")).to_contain_text(FORM_TEXT)
        await expect(row.get_by_test_id("message-subject")).to_have_count(0)  # once, above
        await expect(console.get_by_test_id("reply-via")).to_contain_text(
            f"by e-mail to {CLIENT}, from {MAILBOX}"
        )

        reply = "Dear Anna, the bracelet will be waiting for you on Saturday."
        await console.get_by_test_id("reply-input").fill(reply)
        await console.get_by_test_id("reply-send").click()
        answer = await smtp.next_message()
        assert answer.rcpt_tos == (CLIENT,)
        assert reply in answer.text
        assert answer.message["In-Reply-To"] == receipt.message["Message-ID"]
        await expect(message_row(console, reply)).to_contain_text("E-mail sent")
        await console.screenshot(path=OUTPUT / "console-email.png", full_page=True)

        # The relay refuses the next one for good: the bubble says so, with the reason.
        smtp.refuse_next(1, code=550)
        bounced = "Shall I also prepare the matching ring?"
        await console.get_by_test_id("reply-input").fill(bounced)
        await console.get_by_test_id("reply-send").click()
        await expect(message_row(console, bounced).get_by_test_id("reply-error")).to_have_text(
            "Not delivered: 550 5.1.1 Mailbox unavailable"
        )
        await expect(message_row(console, reply)).to_contain_text("E-mail sent")

        # On a phone the header still says where the conversation lives.
        await console.set_viewport_size(PHONE)
        await expect(console.get_by_test_id("conversation-subject")).to_be_visible()
        await expect(console.get_by_test_id("reply-via")).to_be_visible()
        await expect(console.get_by_test_id("reply-input")).to_be_enabled()
        await console.screenshot(path=OUTPUT / "console-email-phone.png")
    # The aborted answer is the one failure the page may report.
    assert [e for e in errors if "net::ERR_FAILED" not in e] == []


def client_mail() -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Anna Martin <{CLIENT}>"
    message["To"] = MAILBOX
    message["Subject"] = "The Serpent bracelet"
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="client.example")
    message.set_content(
        "Wonderful, thank you!\n\nOn Wed, 25 Nov 2026, Maison Paris wrote:\n"
        f"> Yes, in two weeks.\n> {HOSTILE_QUOTE}\n"
    )
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="certificate.pdf")
    return message


async def send_to_listener(server: HubProcess, message: EmailMessage) -> None:
    """Anna's mail server delivers to the hub's listener (which may still be starting)."""
    port = int(server.env["HUB_SMTP_PORT"])
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            await aiosmtplib.send(
                message, hostname="127.0.0.1", port=port, recipients=[MAILBOX], sender=CLIENT
            )
            return
        except aiosmtplib.SMTPConnectError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_a_mail_shows_its_text_its_folded_quote_and_its_attachment(
    browser: Browser,  # noqa: F811
    mail_hub: HubProcess,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    await send_to_listener(mail_hub, client_mail())
    async with open_pages(browser, errors, DESKTOP) as (console,):
        await accept_the_mail(console, mail_hub)
        await expect(console.get_by_test_id("conversation-subject")).to_contain_text(
            "The Serpent bracelet"
        )
        row = message_row(console, "Wonderful, thank you!")
        bubble = row.get_by_test_id("timeline-message")
        await expect(bubble.locator(".rich-text")).to_have_text("Wonderful, thank you!")
        await expect(row.get_by_test_id("message-form")).to_have_count(0)

        # The earlier mail it quoted is folded away until asked for, and shown as text.
        quote = row.get_by_test_id("message-quote")
        toggle = row.get_by_role("button", name="Show quoted text")
        await expect(quote).to_be_hidden()
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        await toggle.click()
        await expect(quote).to_be_visible()
        await expect(quote).to_contain_text("Yes, in two weeks.")
        await expect(quote).to_contain_text(HOSTILE_QUOTE)
        await expect(row.get_by_role("button", name="Hide quoted text")).to_have_attribute(
            "aria-expanded", "true"
        )
        assert await console.locator("img[src=x]").count() == 0
        assert await console.title() != "pwned"

        # The PDF, below the text, to download from the hub.
        download = row.get_by_role("link", name=re.compile(r"^Download certificate\.pdf \(PDF"))
        await expect(download).to_have_attribute("download", "")
        href = await download.get_attribute("href")
        assert href is not None and href.startswith("/api/attachments/")
        fetched = await console.request.get(f"{mail_hub.base}{href}")
        assert fetched.ok and await fetched.body() == PDF
        await console.screenshot(path=OUTPUT / "console-email-quote.png", full_page=True)

        await console.set_viewport_size(PHONE)
        await download.scroll_into_view_if_needed()
        await expect(download).to_be_visible()
        await expect(quote).to_be_visible()
        await console.screenshot(path=OUTPUT / "console-email-quote-phone.png")
    assert errors == []
