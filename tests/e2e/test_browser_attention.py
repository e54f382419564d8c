"""Attention in chromium: a new offer while the console is in the background rings and
notifies, unread counts survive a reload and clear when read, tags, the outcome asked on
close, and search finding the closed conversation again."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import HubProcess, Session
from tests.e2e.test_browser import (
    DESKTOP,
    OUTPUT,
    browser,  # noqa: F401  (fixture)
    database_url,  # noqa: F401  (fixture)
    pytestmark,  # noqa: F401  (browser marks: skipped without chromium)
    sign_in,
    watch_errors,
)

# Before any of the page's scripts: notifications and tones are recorded (the real ones
# still work), and the test decides whether the page is in the background.
SPIES = """
(() => {
  window.__notifications = [];
  window.__tones = 0;
  window.__background = false;
  const Real = window.Notification;
  class Recorded {
    constructor(title, options = {}) {
      this.title = title;
      this.body = options.body;
      this.closed = false;
      window.__notifications.push(this);
    }
    close() { this.closed = true; }
    static get permission() { return Real ? Real.permission : "granted"; }
    static requestPermission(callback) {
      const asked = Real ? Real.requestPermission() : Promise.resolve("granted");
      return asked.then((answer) => { if (callback) callback(answer); return answer; });
    }
  }
  window.Notification = Recorded;
  const RealAudio = window.AudioContext;
  window.AudioContext = class extends RealAudio {
    createOscillator() {
      const tone = super.createOscillator();
      const start = tone.start.bind(tone);
      tone.start = (...args) => { window.__tones += 1; return start(...args); };
      return tone;
    }
  };
  Object.defineProperty(document, "hidden", { get: () => window.__background, configurable: true });
  Object.defineProperty(document, "visibilityState", {
    get: () => (window.__background ? "hidden" : "visible"),
    configurable: true,
  });
})();
"""


async def to_background(page: Page, background: bool) -> None:
    script = (
        "(b) => { window.__background = b; document.dispatchEvent(new Event('visibilitychange')); }"
    )
    await page.evaluate(script, background)


async def test_an_offer_in_the_background_rings_and_the_day_goes_on(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    session: Session,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    context = await browser.new_context(viewport=DESKTOP)
    try:
        await context.grant_permissions(["notifications"], origin=server.base)
        await context.add_init_script(SPIES)
        console = await context.new_page()
        watch_errors(console, errors)
        await sign_in(console, server.base, "amelie@test.concierge")
        await expect(console.get_by_test_id("sound-toggle")).to_have_attribute(
            "aria-pressed", "true"
        )
        # Becoming available is the gesture that may ask for notifications.
        await console.get_by_test_id("presence-toggle").select_option("available")
        await expect(console.get_by_test_id("notifications-state")).to_have_text("Notifications on")

        # In front, an offer is on screen: no notification, no sound.
        first = await session.shopper(await session.visitor_token(), store="PARIS01")
        await first.call("message", {"client_id": "f-1", "text": "Just looking, thanks"})
        await expect(console.get_by_test_id("offer")).to_have_count(1)
        await expect(console).to_have_title(re.compile(r"^\(1\) "))
        assert await console.evaluate("window.__notifications.length") == 0
        assert await console.evaluate("window.__tones") == 0
        await console.get_by_test_id("offer-accept").click()
        await expect(console.get_by_test_id("offer")).to_have_count(0)

        # In the background, a new offer notifies (name and channel) and chimes.
        await to_background(console, True)
        shopper = await session.shopper(await session.visitor_token(), store="PARIS01")
        sent = await shopper.call(
            "message", {"client_id": "s-1", "text": "Une alliance en or, taille 52"}
        )
        item = console.locator(
            f"[data-testid=conversation-item][data-conversation-id='{sent['conversation_id']}']"
        )
        await console.wait_for_function("() => window.__notifications.length === 1")
        note = await console.evaluate(
            "({title: window.__notifications[0].title, body: window.__notifications[0].body})"
        )
        assert note["title"] == "New offer" and "Web chat" in note["body"], note
        assert await console.evaluate("window.__tones") >= 1
        # Clicking it brings the offer forward, its accept button ready.
        await console.evaluate("window.__notifications[0].onclick()")
        await expect(console.get_by_test_id("offer-accept")).to_be_focused()
        assert await console.evaluate("window.__notifications[0].closed")
        await to_background(console, False)
        await console.get_by_test_id("offer-accept").click()
        await expect(item).to_have_attribute("aria-current", "true")
        await expect(console.locator("#timeline")).to_contain_text("Une alliance en or")

        # Open but in the background: the shopper's next messages stay unread.
        await to_background(console, True)
        await shopper.call("message", {"client_id": "s-2", "text": "Avec un diamant ?"})
        await shopper.call("message", {"client_id": "s-3", "text": "Et gravée"})
        badge = item.get_by_test_id("unread-count")
        await expect(badge).to_contain_text("2")
        await expect(console).to_have_title(re.compile(r"^\(2\) "))
        # The hub keeps the count: it survives a reload, and clears once the chat is read.
        await console.reload()
        await expect(console.get_by_test_id("connection-state")).to_have_attribute(
            "data-state", "connected"
        )
        await expect(badge).to_contain_text("2")
        await item.click()
        await expect(badge).to_have_count(0)
        await expect(console.locator("#timeline")).to_contain_text("Et gravée")
        await console.reload()
        await expect(console.get_by_test_id("conversation-item")).to_have_count(2)
        await expect(console.get_by_test_id("unread-count")).to_have_count(0)
        await expect(console).not_to_have_title(re.compile(r"^\("))

        # Tags in the header.
        await item.click()
        tags = console.get_by_test_id("conversation-tags")
        await tags.get_by_test_id("tag-input").fill("  Mariage ")
        await tags.get_by_test_id("tag-input").press("Enter")
        await expect(tags.get_by_test_id("tag-chip")).to_have_text(["mariage\u00d7"])

        # Close asks how it ended; "purchase" shows on the closed conversation.
        await console.get_by_test_id("close-conversation").click()
        chooser = console.get_by_test_id("close-outcome")
        await expect(chooser).to_be_visible()
        await expect(chooser.get_by_test_id("close-outcome-purchase")).to_be_focused()
        await console.keyboard.press("Escape")  # changed their mind: still open
        await expect(chooser).to_be_hidden()
        await expect(console.get_by_test_id("close-conversation")).to_be_focused()
        await console.get_by_test_id("close-conversation").click()
        await chooser.get_by_test_id("close-outcome-note").fill("Alliance Étoile")
        await chooser.get_by_test_id("close-outcome-purchase").click()
        outcome = console.get_by_test_id("conversation-outcome")
        await expect(outcome).to_have_text("Outcome: Purchase \u2014 Alliance Étoile")
        history = await shopper.call("history", {})
        assert "Alliance Étoile" not in str(history) and "purchase" not in str(history)
        await console.screenshot(path=OUTPUT / "console-attention-closed.png")

        # After a reload the closed chat has left the list; search finds it by a word.
        await console.reload()
        await expect(console.get_by_test_id("connection-state")).to_have_attribute(
            "data-state", "connected"
        )
        await expect(console.get_by_test_id("conversation-item")).to_have_count(1)  # the first
        await console.get_by_test_id("conversation-search").fill("diamant")
        result = console.get_by_test_id("conversation-search-result")
        await expect(result).to_have_count(1)
        await expect(result).to_contain_text("Avec un diamant ?")
        await expect(result).to_have_attribute("data-status", "closed")
        await console.screenshot(path=OUTPUT / "console-attention-search.png")
        await result.click()
        await expect(console.locator("#timeline")).to_contain_text("Une alliance en or")
        await expect(outcome).to_have_text("Outcome: Purchase \u2014 Alliance Étoile")
        await expect(
            console.get_by_test_id("conversation-tags").get_by_test_id("tag-chip")
        ).to_have_count(1)
    finally:
        await context.close()
    assert errors == []
