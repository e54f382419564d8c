"""A WeChat conversation in the console, in Debian's chromium: a real `hub serve` whose WeChat
account was added with the real CLI, callbacks signed and encrypted as WeChat's servers send
them, and the fake WeChat API answering the hub's calls (media, profiles, replies). The
48-hour reply window is WeChat's rule the console must make plain. Screenshots:
test-output/browser/."""

from __future__ import annotations

import itertools
import json
import re
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Locator, Page, Route, ViewportSize, expect

from tests.e2e.conftest import HubProcess, hub, start_hub
from tests.e2e.test_browser import (  # noqa: F401 (browser and database_url are fixtures)
    DESKTOP,
    OUTPUT,
    PHONE,
    browser,
    database_url,
    pytestmark,
    sign_in,
    watch_errors,
)
from tests.fakes.wechat_api import FakeWechatApi
from tests.wechat_signing import (
    AES_KEY,
    OPENID,
    callback,
    image_xml,
    link_xml,
    location_xml,
    make_account,
    text_xml,
    voice_xml,
)

APP_ID = "wx0123456789abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "conciergetoken"
ACCOUNT = make_account(app_secret=SECRET, token=TOKEN)
AMBASSADOR = "amelie@test.concierge"
NICKNAME = "Anna 安娜"
IMAGE_ID = "media-image-0001"
VOICE_ID = "media-voice-0001"
FIRST_MESSAGE = "您好 我想看看新款的手袋"
TRANSCRIPT = "明天下午可以去店里看看吗"
HOSTILE_TITLE = "<img src=x onerror=\"document.title='pwned'\"> Autumn collection"
# The hub's refusal has a straight apostrophe, the console's own explanation a curly one.
WINDOW_CLOSED = re.compile(
    "WeChat accepts replies only within 48 hours of the client.s last message"
)

_nonces = itertools.count(1_320_562_200)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour, so the browser has a picture to draw."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def wechat_hub(
    hub_env: dict[str, str], wechat_api: FakeWechatApi, tmp_path: Path
) -> Iterator[HubProcess]:
    """The hub with the `cn` Official Account, talking to the fake WeChat API; consoles hear
    of delivery results and fetched files within a fifth of a second."""
    env = {
        **hub_env,
        "HUB_WECHAT_API_BASE": wechat_api.base_url,
        "HUB_CHANGE_POLL_SECONDS": "0.2",
    }
    added = hub(
        env,
        "wechat", "add", "cn",
        "--app-id", APP_ID,
        "--token", TOKEN,
        "--aes-key", AES_KEY,
        "--store", "PARIS01",
        "--mode", "compatible",
        "--app-secret-stdin",
        stdin=f"{SECRET}\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    wechat_api.add_app(APP_ID, SECRET)
    wechat_api.add_user(OPENID, nickname=NICKNAME)
    process = start_hub(env, tmp_path)
    yield process
    process.terminate()


async def wechat_sends(server: HubProcess, *inner_xml: str) -> None:
    """WeChat's servers post each message to the account's callback URL, signed now."""
    async with aiohttp.ClientSession() as http:
        for xml in inner_xml:
            query, body = callback(ACCOUNT, "aes", xml, datetime.now(UTC), nonce=str(next(_nonces)))
            async with http.post(f"{server.base}/wechat/cn", params=query, data=body) as answer:
                assert answer.status == 200, await answer.text()


@asynccontextmanager
async def console_page(
    chromium: Browser, errors: list[str], viewport: ViewportSize
) -> AsyncIterator[Page]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = await chromium.new_context(viewport=viewport)
    try:
        page = await context.new_page()
        watch_errors(page, errors)
        yield page
    finally:
        await context.close()


async def accept_the_wechat_client(page: Page, server: HubProcess) -> None:
    """Amélie signs in, becomes available and accepts the WeChat client's offer."""
    await sign_in(page, server.base, AMBASSADOR)
    await page.get_by_test_id("presence-toggle").select_option("available")
    offer = page.get_by_test_id("offer")
    await expect(offer).to_contain_text("WeChat")
    await offer.get_by_test_id("offer-accept").click()
    await expect(page.get_by_test_id("conversation-channel")).to_have_text("WeChat")


def message_row(page: Page, text: str) -> Locator:
    """One message of the open timeline, with its author, bubble and delivery line."""
    timeline = page.get_by_role("log", name="Messages")
    return timeline.get_by_role("listitem").filter(has_text=text)


async def test_wechat_messages_files_and_replies_in_the_console(
    browser: Browser,  # noqa: F811
    wechat_hub: HubProcess,
    wechat_api: FakeWechatApi,
) -> None:
    errors: list[str] = []
    now = datetime.now(UTC)
    wechat_api.add_media(IMAGE_ID, png(48, 32, (184, 150, 90)), "image/png")
    wechat_api.add_media(VOICE_ID, b"#!AMR\n" + bytes(2048), "audio/amr")
    await wechat_sends(
        wechat_hub,
        text_xml(FIRST_MESSAGE, create_time=now),
        image_xml(media_id=IMAGE_ID, create_time=now),
        voice_xml(recognition=TRANSCRIPT, media_id=VOICE_ID, create_time=now),
        location_xml(create_time=now),
        link_xml(title=HOSTILE_TITLE, url="https://example.com/collection", create_time=now),
    )

    async with console_page(browser, errors, DESKTOP) as page:
        await accept_the_wechat_client(page, wechat_hub)
        await expect(page.get_by_test_id("conversation-customer")).to_have_text(NICKNAME)
        await expect(page.get_by_test_id("channel-state")).to_contain_text("Replies possible until")
        await expect(message_row(page, FIRST_MESSAGE)).to_be_visible()

        # The picture, once the hub has fetched it from WeChat; full size in a viewer.
        image = page.get_by_role("img", name=re.compile("Image from the client"))
        await expect(image).to_be_visible()
        await expect(image).to_have_js_property("naturalWidth", 48)
        await image.click()
        full_size = page.get_by_test_id("image-viewer-image")
        await expect(full_size).to_have_js_property("naturalWidth", 48)
        await page.keyboard.press("Escape")
        await expect(full_size).to_be_hidden()
        await image.scroll_into_view_if_needed()
        await page.screenshot(path=OUTPUT / "console-wechat-media.png")

        # The voice note: what WeChat understood, and the recording to download (AMR).
        voice = page.get_by_test_id("message-attachment").filter(has_text="Voice message")
        await expect(voice).to_contain_text(TRANSCRIPT)
        await expect(voice.get_by_role("link")).to_have_text(
            re.compile(r"Download the recording \(AMR, 2 KB\)")
        )

        place = page.get_by_test_id("message-location")
        await expect(place).to_contain_text("Plaza 66, Nanjing West Road")
        await expect(place).to_contain_text("31.23042, 121.47370")
        await expect(place.get_by_role("link", name="Open on a map")).to_have_attribute(
            "href",
            re.compile(r"^https://www\.openstreetmap\.org/\?mlat=31\.230416&mlon=121\.473701"),
        )

        # The shared link is the client's text: shown as text, opened apart from the console.
        link = page.get_by_test_id("message-link")
        await expect(link).to_contain_text(HOSTILE_TITLE)
        await expect(link).to_contain_text("Autumn-winter, in store now")
        address = link.get_by_role("link", name="https://example.com/collection")
        await expect(address).to_have_attribute("rel", "noopener noreferrer")
        await expect(address).to_have_attribute("target", "_blank")
        assert await page.locator("img[src=x]").count() == 0 and await page.title() != "pwned"

        # A reply goes to WeChat through the hub's job, and the message says it was sent.
        reply = "Bonjour Anna, the bag is waiting for you in the boutique."
        await page.get_by_test_id("reply-input").fill(reply)
        await page.get_by_test_id("reply-send").click()
        sent = await wechat_api.next_custom_message()
        assert (sent.openid, sent.text) == (OPENID, reply)
        await expect(message_row(page, reply)).to_contain_text("Sent to WeChat")
        await page.screenshot(path=OUTPUT / "console-wechat.png", full_page=True)

        # The link that lets Anna connect her WeChat to her profile goes out as a reply too.
        await page.get_by_role("button", name="Send link to connect profile").click()
        await expect(page.get_by_role("status").filter(has_text="Link sent to")).to_contain_text(
            NICKNAME
        )
        invitation = await wechat_api.next_custom_message()
        assert invitation.openid == OPENID
        assert "/wechat/cn/link/start" in invitation.text
        # Anna gave no language: the boutique's first one (French) is hers.
        assert invitation.text.startswith("Pour associer votre WeChat")
        await expect(message_row(page, "Pour associer votre WeChat")).to_contain_text(
            "Sent to WeChat"
        )

        # WeChat refuses the next one: the failure, and WeChat's reason, show on that message.
        wechat_api.fail_next(
            "message/custom/send", 45015, "response out of time limit or subscription is canceled"
        )
        late = "Shall I keep it for you until Saturday?"
        await page.get_by_test_id("reply-input").fill(late)
        await page.get_by_test_id("reply-send").click()
        failed = message_row(page, late)
        await expect(failed).to_contain_text(
            "Not delivered: WeChat 45015: more than 48 hours since the client's last message, "
            "or they unfollowed"
        )
        await expect(message_row(page, reply)).to_contain_text("Sent to WeChat")
        assert len(wechat_api.custom_messages) == 2
        await page.screenshot(path=OUTPUT / "console-wechat-failed.png", full_page=True)

        # On a phone the same conversation still shows the picture and the reply window.
        await page.set_viewport_size(PHONE)
        await image.scroll_into_view_if_needed()
        await expect(image).to_be_visible()
        await expect(page.get_by_test_id("channel-state")).to_be_visible()
        await expect(page.get_by_test_id("reply-input")).to_be_enabled()
        await page.screenshot(path=OUTPUT / "console-wechat-phone.png")
    assert errors == []


async def test_after_48_hours_the_composer_explains_why_it_is_closed(
    browser: Browser,  # noqa: F811
    wechat_hub: HubProcess,
) -> None:
    errors: list[str] = []
    written = datetime.now(UTC) - timedelta(hours=49)
    await wechat_sends(wechat_hub, text_xml("Is the bag still available?", create_time=written))

    async with console_page(browser, errors, PHONE) as page:
        await accept_the_wechat_client(page, wechat_hub)
        await expect(message_row(page, "Is the bag still available?")).to_be_visible()
        window = page.get_by_test_id("channel-state")
        await expect(window).to_contain_text("Replies are closed on WeChat")
        await expect(window).to_contain_text(WINDOW_CLOSED)
        await expect(window).to_contain_text("Appointment notices still reach them")
        await expect(page.get_by_test_id("reply-input")).to_be_disabled()
        await expect(page.get_by_test_id("reply-send")).to_be_disabled()
        await expect(page.get_by_test_id("wechat-link-send")).to_be_disabled()
        await window.scroll_into_view_if_needed()
        await page.screenshot(path=OUTPUT / "console-wechat-closed-phone.png")
    assert errors == []


async def test_a_reply_wechat_would_refuse_stays_in_the_composer(
    browser: Browser,  # noqa: F811
    wechat_hub: HubProcess,
    wechat_api: FakeWechatApi,
) -> None:
    """The console's idea of the window can be out of date (a page left open for hours); here
    its first look is made to say "open, one hour left". The hub itself refuses the reply."""
    errors: list[str] = []
    written = datetime.now(UTC) - timedelta(hours=49)
    await wechat_sends(wechat_hub, text_xml("Do you have it in black?", create_time=written))
    stale = {"done": False}

    async def open_window_once(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        if not stale["done"] and body.get("channel_state"):
            stale["done"] = True
            closes = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
            body["channel_state"]["wechat"]["window"] = {
                "open": True,
                "closes_at": closes,
                "reason": None,
            }
        await route.fulfill(response=response, body=json.dumps(body))

    async with console_page(browser, errors, DESKTOP) as page:
        await page.route(re.compile(r"/api/conversations/[^/?]+$"), open_window_once)
        await accept_the_wechat_client(page, wechat_hub)
        window = page.get_by_test_id("channel-state")
        await expect(window).to_contain_text(re.compile(r"only (59 min|1 h 00 min) left"))

        # Anna gave her e-mail for service messages: the way to reach her instead.
        panel = page.get_by_test_id("profile-panel")
        await panel.get_by_test_id("profile-identity-value").fill("anna@example.com")
        await panel.get_by_test_id("profile-identity-add").click()
        await expect(
            panel.get_by_test_id("profile-identity").filter(has_text="anna@")
        ).to_be_visible()
        service_mail = panel.get_by_label("E-mail: Service")
        await service_mail.check()
        await expect(service_mail).to_be_checked()
        await expect(service_mail).to_be_enabled()  # the hub has recorded it

        reply = "Yes, in black calfskin. Shall I reserve one?"
        await page.get_by_test_id("reply-input").fill(reply)
        await page.get_by_test_id("reply-send").click()
        await expect(window).to_contain_text("Your reply was not sent")
        await expect(window).to_contain_text(WINDOW_CLOSED)
        await expect(window).to_contain_text("Reach them by e-mail anna@example.com")
        composer = page.get_by_test_id("reply-input")
        await expect(composer).to_have_value(reply)
        await expect(composer).to_be_disabled()
        await expect(message_row(page, reply)).to_have_count(0)
        await page.screenshot(path=OUTPUT / "console-wechat-refused.png", full_page=True)
    assert wechat_api.custom_messages == []
    assert errors == []
