"""The console's call card with a voice provider (the fake Twilio on loopback), in Debian's
chromium: replies in a phone conversation go out by text message, "Call via provider" rings the
ambassador's phone (and shows the provider's refusal), and a voicemail lands in the timeline,
its transcript arriving live."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import update

from hub.db.engine import Database
from hub.db.models import Staff
from tests.e2e.conftest import HubProcess, hub
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
from tests.fakes.voice_provider import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SHOPPER_NUMBER,
    STORE_NUMBER,
    FakeVoiceProvider,
    new_sid,
    voice_provider_fixture,  # noqa: F401 (the voice_provider fixture)
)

AMBASSADOR_PHONE = "+33699887766"
CALLER = "+33611223344"  # someone else, who phones the boutique and leaves a voicemail


@pytest.fixture
async def hub_env(
    hub_env: dict[str, str],
    voice_provider: FakeVoiceProvider,
) -> AsyncIterator[dict[str, str]]:
    """The hub talks to the fake provider's REST API."""
    yield {**hub_env, "HUB_VOICE_API_BASE": voice_provider.base_url}


async def _store_number_and_ambassador_phone(server: HubProcess, database_url: str) -> None:  # noqa: F811
    added = hub(
        server.env,
        "voice",
        "add",
        "twilio",
        "--number",
        STORE_NUMBER,
        "--store",
        "PARIS01",
        "--account-sid",
        ACCOUNT_SID,
        "--auth-token-stdin",
        stdin=AUTH_TOKEN,
    )
    assert added.returncode == 0, added.stderr
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            await session.execute(
                update(Staff)
                .where(Staff.email == "amelie@test.concierge")
                .values(phone=AMBASSADOR_PHONE)
            )
    finally:
        await db.close()


async def _request_callback(shop: Page, base: str) -> None:
    await shop.goto(f"{base}/chat?store=PARIS01#callback")
    form = shop.get_by_test_id("callback-form")
    await form.get_by_label("Name").fill("Marie Lefèvre")
    await form.get_by_label("Phone number").fill(SHOPPER_NUMBER)
    await form.get_by_label("What would you like to talk about?").fill("The Serpent ring")
    await form.get_by_test_id("callback-consent").check()
    await form.get_by_test_id("callback-submit").click()
    await expect(shop.get_by_test_id("callback-done")).to_be_visible()


async def test_replies_go_by_text_and_the_provider_rings_the_ambassador(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    voice_provider: FakeVoiceProvider,
    database_url: str,  # noqa: F811
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    await _store_number_and_ambassador_phone(server, database_url)
    errors: list[str] = []
    # The provider's refusal is provoked on purpose: the hub answers 502 with its message.
    async with open_pages(browser, errors, PHONE, DESKTOP, provoked=(502,)) as (shop, console):
        await sign_in(console, server.base, "amelie@test.concierge")
        await console.get_by_test_id("presence-toggle").select_option("available")
        await _request_callback(shop, server.base)
        await console.get_by_test_id("offer-accept").click()

        card = console.get_by_test_id("call-card")
        await expect(card.get_by_test_id("call-card-tel")).to_have_attribute(
            "href", f"tel:{SHOPPER_NUMBER}"
        )
        via = console.get_by_test_id("reply-via")
        await expect(via).to_have_text("Your reply goes by text message to +33 6 12 34 56 78.")
        reply = console.get_by_test_id("reply-input")
        await expect(reply).to_be_enabled()
        await reply.fill("Bonjour Marie, I will call you in five minutes.")
        await console.get_by_test_id("reply-send").click()
        sent = await voice_provider.next_message()
        assert sent.to == SHOPPER_NUMBER and "five minutes" in sent.body

        # The provider refuses once: its reason is shown and the button can be used again.
        bridge = card.get_by_test_id("call-card-bridge")
        voice_provider.fail_next_call(status=400, code=21215, message="Geo permission refused")
        await bridge.click()
        error = card.get_by_test_id("call-card-bridge-error")
        await expect(error).to_contain_text("Geo permission refused")
        await expect(bridge).to_be_enabled()
        await bridge.click()
        rung = await voice_provider.next_call()
        assert rung.to == AMBASSADOR_PHONE
        await expect(card.get_by_test_id("call-card-bridge-status")).to_have_text(
            "Ringing your phone (+33 6 99 88 77 66)\u2026 answer it to be connected to "
            "+33 6 12 34 56 78."
        )
        await expect(error).to_be_hidden()
        await expect(bridge).to_be_disabled()  # one ring at a time
        await console.screenshot(
            path=OUTPUT / "console-call-via-provider.png", animations="disabled"
        )

        # Reached: the card says so and the conversation stays for notes until closed.
        await card.get_by_test_id("call-outcome-reached").click()
        await card.get_by_test_id("call-outcome-confirm").click()
        await expect(card.get_by_test_id("call-card-result")).to_have_text("Reached")
        await expect(card.get_by_test_id("call-outcome")).to_be_hidden()
        await expect(console.get_by_test_id("conversation-item")).to_have_count(1)
    assert errors == []


async def test_a_voicemail_shows_its_recording_and_its_transcript_arrives_live(
    browser: Browser,  # noqa: F811
    server: HubProcess,
    voice_provider: FakeVoiceProvider,
    database_url: str,  # noqa: F811
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    await _store_number_and_ambassador_phone(server, database_url)
    # Nobody is available: the caller hears why and leaves a message.
    incoming = voice_provider.incoming_call_params(from_number=CALLER)
    sid = incoming["CallSid"]
    answer = await voice_provider.call(server.base, "/voice/twilio/incoming", incoming)
    assert answer.status == 200, answer.text
    record = answer.twiml().find("Record")
    assert record is not None
    recording_sid = new_sid("RE")
    voice_provider.add_recording(recording_sid, b"ID3\x04\x00voicemail")

    def path(url: str | None) -> str:
        assert url
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    recorded = voice_provider.recording_params(sid, recording_sid, duration=17)
    assert (
        await voice_provider.call(server.base, path(record.get("action")), recorded)
    ).status == 200
    hung_up = voice_provider.status_params(sid, "completed", duration=35)
    assert (await voice_provider.call(server.base, "/voice/twilio/status", hung_up)).status == 204

    errors: list[str] = []
    async with open_pages(browser, errors, DESKTOP) as (console,):
        await sign_in(console, server.base, "amelie@test.concierge")
        await console.get_by_test_id("presence-toggle").select_option("available")
        offer = console.get_by_test_id("offer")
        await expect(offer.get_by_test_id("offer-voice-kind")).to_have_text("Phone call")
        await offer.get_by_test_id("offer-accept").click()

        voicemail = console.get_by_test_id("voicemail")
        await expect(voicemail.get_by_test_id("voicemail-title")).to_have_text(
            "Voicemail \u00b7 17 s"
        )
        await expect(voicemail.get_by_test_id("voicemail-audio")).to_have_attribute(
            "src", re.compile(r"^/api/attachments/[\w-]+$")
        )
        transcript = voicemail.get_by_test_id("voicemail-transcript")
        await expect(transcript).to_have_text("Transcript: Transcribing\u2026")

        text = "Bonjour, c'est Paul, pouvez-vous me rappeler pour la bague Serpent ?"
        transcribed = voice_provider.transcription_params(sid, recording_sid, text)
        callback_url = path(record.get("transcribeCallback"))
        assert (await voice_provider.call(server.base, callback_url, transcribed)).status == 204
        await expect(transcript).to_have_text(f"Transcript: {text}")
        await expect(transcript).to_have_attribute("data-status", "completed")
        card = console.get_by_test_id("call-card")
        await expect(card.get_by_test_id("call-card-tel")).to_have_text("Call +33 6 11 22 33 44")
        await console.screenshot(path=OUTPUT / "console-voicemail.png", animations="disabled")

        # The recording itself is served to the ambassador's session.
        src = await voicemail.get_by_test_id("voicemail-audio").get_attribute("src")
        assert src
        fetched = await console.request.get(f"{server.base}{src}")
        assert fetched.status == 200 and await fetched.body() == b"ID3\x04\x00voicemail"
    assert errors == []
