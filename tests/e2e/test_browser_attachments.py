"""Files both ways in web chat, in real browsers (issue #12): the shopper sends a photo from
the widget, the ambassador opens it in the console and answers with a PDF."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests import attachment_files as files
from tests.e2e.conftest import HubProcess
from tests.e2e.test_browser import (
    DESKTOP,
    OUTPUT,
    PHONE,
    open_pages,
    sign_in,
)
from tests.e2e.test_browser import browser as browser
from tests.e2e.test_browser import database_url as database_url
from tests.e2e.test_browser import pytestmark as pytestmark

PHOTO = files.png(320, 200, (184, 150, 90))


async def test_a_photo_from_the_widget_opens_in_the_console_and_a_pdf_goes_back(
    browser: Browser, server: HubProcess
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    async with open_pages(browser, errors, PHONE, DESKTOP, provoked=(415,)) as (shop, console):
        await shop.goto(f"{server.base}/chat?store=PARIS01")
        await shop.get_by_test_id("chat-open").click()
        attach = shop.get_by_role("button", name="Attach a photo or PDF")
        await expect(attach).to_be_visible()

        # A web page renamed .png is refused, in words, and nothing is sent.
        await shop.get_by_test_id("chat-file").set_input_files(
            {"name": "ring.png", "mimeType": "image/png", "buffer": files.HTML}
        )
        upload_line = shop.get_by_test_id("chat-upload")
        await expect(upload_line).to_have_attribute("data-state", "failed")
        await expect(upload_line).to_contain_text("Only photos (JPEG, PNG, GIF, WebP) and PDF")
        await expect(shop.get_by_test_id("chat-message")).to_have_count(0)

        # The photo goes with what is typed.
        await shop.get_by_test_id("chat-input").fill("Is this ring still available?")
        await shop.get_by_test_id("chat-file").set_input_files(
            {"name": "bague.png", "mimeType": "image/png", "buffer": PHOTO}
        )
        mine = shop.locator("[data-testid=chat-message][data-author=customer]")
        await expect(mine).to_have_attribute("data-seq", "1")
        await expect(mine).to_contain_text("Is this ring still available?")
        thumbnail = mine.get_by_test_id("chat-attachment-image")
        await expect(thumbnail).to_have_js_property("naturalWidth", 320)
        await expect(thumbnail).to_have_attribute("src", re.compile(r"^blob:"))
        await expect(upload_line).to_be_hidden()
        await shop.screenshot(path=OUTPUT / "attachment-widget.png")

        # Amélie takes the chat: the photo is in the timeline.
        await sign_in(console, server.base, "amelie@test.concierge")
        await console.get_by_test_id("presence-toggle").select_option("available")
        await console.get_by_test_id("offer-accept").click()
        image = console.get_by_role("img", name=re.compile("Image from the client"))
        await expect(image).to_be_visible()
        await expect(image).to_have_js_property("naturalWidth", 320)
        await expect(image).to_have_attribute("src", re.compile(r"^blob:"))
        await console.screenshot(path=OUTPUT / "attachment-console.png")

        # Full size in a viewer, with the file to download.
        await console.get_by_test_id("message-image-open").click()
        viewer = console.get_by_test_id("image-viewer")
        await expect(viewer).to_be_visible()
        await expect(viewer).to_contain_text("bague.png")
        full = viewer.get_by_test_id("image-viewer-image")
        await expect(full).to_have_js_property("naturalWidth", 320)
        await console.screenshot(path=OUTPUT / "attachment-console-viewer.png")
        async with console.expect_download() as downloading:
            await viewer.get_by_test_id("image-viewer-download").click()
        download = await downloading.value
        assert download.suggested_filename == "bague.png"
        saved = await download.path()
        assert saved is not None and saved.read_bytes() == PHOTO
        await console.keyboard.press("Escape")
        await expect(viewer).to_be_hidden()
        await expect(console.get_by_test_id("message-image-open")).to_be_focused()

        # Amélie answers with a PDF; the shopper downloads it.
        await console.get_by_test_id("reply-input").fill("Here is the certificate.")
        await console.get_by_test_id("reply-file").set_input_files(
            {"name": "Certificat.pdf", "mimeType": "application/pdf", "buffer": files.PDF}
        )
        ours = console.locator("[data-testid=timeline-message][data-author=ambassador]")
        await expect(ours).to_contain_text("Here is the certificate.")
        await expect(ours.get_by_test_id("message-download")).to_contain_text("Certificat.pdf")

        theirs = shop.locator("[data-testid=chat-message][data-author=ambassador]")
        await expect(theirs).to_contain_text("Here is the certificate.")
        link = theirs.get_by_test_id("chat-attachment-file")
        await expect(link).to_contain_text("Download Certificat.pdf")
        async with shop.expect_download() as downloading:
            await link.click()
        pdf = await downloading.value
        assert pdf.suggested_filename == "Certificat.pdf"
        pdf_path = await pdf.path()
        assert pdf_path is not None and pdf_path.read_bytes() == files.PDF
        await shop.screenshot(path=OUTPUT / "attachment-widget-pdf.png")
    assert errors == []
