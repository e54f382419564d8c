"""The provider's REST client against the fake provider and a few hostile servers: what it
sends, and how every failure is classified (permanent or worth retrying)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiohttp import web

from adapters.voice.provider import MESSAGE_LIMIT, ProviderError, VoiceProvider
from tests.fakes.voice_provider import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SHOPPER_NUMBER,
    STORE_NUMBER,
    FakeVoiceProvider,
    voice_provider_fixture,  # noqa: F401  (the voice_provider fixture)
)

BRIDGE_URL = "https://hub.example.com/voice/twilio/bridge?call=1"
STATUS_URL = "https://hub.example.com/voice/twilio/status"


@dataclass(frozen=True)
class Account:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """A server answering every request with ``handler``; returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def refusal(api_base: str, *, timeout: float = 10.0) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        async with VoiceProvider(api_base, timeout=timeout) as provider:
            await provider.send_sms(Account(), SHOPPER_NUMBER, STORE_NUMBER, "Bonjour")
    return caught.value


async def test_a_call_and_a_text_are_created_with_basic_auth(
    voice_provider: FakeVoiceProvider,
) -> None:
    async with VoiceProvider(voice_provider.base_url) as provider:
        call = await provider.create_call(
            Account(), SHOPPER_NUMBER, STORE_NUMBER, BRIDGE_URL, STATUS_URL
        )
        text = await provider.send_sms(Account(), SHOPPER_NUMBER, STORE_NUMBER, "À bientôt")
    created = voice_provider.created_calls[0]
    assert call.sid == created.sid and call.status == "queued"
    assert created.params["StatusCallbackEvent"] == [
        "initiated",
        "ringing",
        "answered",
        "completed",
    ]
    assert (created.url, created.status_callback) == (BRIDGE_URL, STATUS_URL)
    sent = voice_provider.sent_messages[0]
    assert text.sid == sent.sid and text.sid.startswith("SM")
    assert (sent.to, sent.from_, sent.body) == (SHOPPER_NUMBER, STORE_NUMBER, "À bientôt")


async def test_wrong_credentials_are_a_permanent_refusal(
    voice_provider: FakeVoiceProvider,
) -> None:
    with pytest.raises(ProviderError) as caught:
        async with VoiceProvider(voice_provider.base_url) as provider:
            await provider.send_sms(Account(auth_token="0" * 32), SHOPPER_NUMBER, STORE_NUMBER, "x")
    error = caught.value
    assert (error.status, error.code, error.permanent) == (401, 20003, True)
    assert "0" * 32 not in str(error) and AUTH_TOKEN not in error.describe()


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (404, True), (408, False), (429, False), (500, False), (503, False)],
)
async def test_4xx_is_permanent_but_408_429_and_5xx_are_retried(
    voice_provider: FakeVoiceProvider, status: int, permanent: bool
) -> None:
    voice_provider.fail_next_message(status=status, code=30000 + status, message="Nope")
    error = await refusal(voice_provider.base_url)
    assert (error.status, error.code, error.message, error.permanent) == (
        status,
        30000 + status,
        "Nope",
        permanent,
    )
    assert error.retryable is not permanent
    assert error.describe() == f"Nope ({30000 + status})"


async def test_an_unreachable_or_silent_provider_is_retried(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    unreachable = await serve(_never)
    gone = unreachable.rsplit(":", 1)[0] + ":1"  # nothing listens on port 1
    error = await refusal(gone)
    assert error.retryable and error.code is None and "could not be reached" in error.message

    error = await refusal(unreachable, timeout=0.05)
    assert error.retryable and "did not answer in time" in error.message


async def _never(_request: web.Request) -> web.StreamResponse:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def test_an_answer_that_is_not_twilios_is_classified_by_its_status(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    async def html_error(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=502, text="<html>Bad gateway</html>", content_type="text/html")

    error = await refusal(await serve(html_error))
    assert error.retryable and error.code is None
    assert error.message == "the voice provider answered HTTP 502"

    async def accepted_without_sid(_request: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "queued"}, status=201)

    error = await refusal(await serve(accepted_without_sid))
    assert error.permanent  # sending again could send twice

    async def redirect(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("https://elsewhere.example.com/steal")

    error = await refusal(await serve(redirect))
    assert error.status == 302 and error.permanent  # never followed: the credentials stay


async def test_the_providers_message_is_one_clean_capped_line(
    voice_provider: FakeVoiceProvider,
) -> None:
    voice_provider.fail_next_message(
        status=400, code=21211, message="Bad\x00 number\n\x1b[31m" + "x" * 5000
    )
    error = await refusal(voice_provider.base_url)
    assert error.message.startswith("Bad number [31m")
    assert len(error.message) == MESSAGE_LIMIT
    assert all(ch.isprintable() for ch in error.message)


async def test_an_unusable_account_never_reaches_the_network() -> None:
    async with VoiceProvider("http://127.0.0.1:1") as provider:
        with pytest.raises(ProviderError) as caught:
            await provider.send_sms(
                Account(account_sid="AC../../x"), SHOPPER_NUMBER, STORE_NUMBER, "x"
            )
    assert caught.value.permanent
