"""A Twilio-compatible voice provider on loopback (aiohttp), playing both of its parts.

As Twilio's webhooks it *sends* form posts to the hub, signed as Twilio signs them:
base64(HMAC-SHA1(auth token, public URL + each parameter's name and value, sorted by
name)). The signature is computed here with hmac, hashlib and base64, never with the
code under test or twilio's ``RequestValidator``, so agreeing with it means something.
The hub is reached on loopback while the signature covers the public URL
(``HUB_PUBLIC_URL``), as behind a real proxy.

As Twilio's REST API it *serves* ``POST /2010-04-01/Accounts/{AccountSid}/Calls.json``
(recording every call the hub creates, answering Twilio's JSON, failing when scripted),
``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (text messages, likewise) and
recording media at ``/Recordings/{sid}.mp3`` and at Twilio's own path
``/2010-04-01/Accounts/{AccountSid}/Recordings/{sid}.mp3``, both behind HTTP basic auth
of account SID and auth token. It runs on the test's event loop: a test awaits the next
created call instead of sleeping.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import yarl
from aiohttp import web

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "9f86d081884c7d659a2feaa0c55ad015"
STORE_NUMBER = "+33142650000"  # the boutique's number at the provider
SHOPPER_NUMBER = "+33612345678"
API_VERSION = "2010-04-01"

_SID_HEX = "[0-9a-fA-F]{32}"


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """``X-Twilio-Signature`` as Twilio computes it, from its documentation alone."""
    payload = url + "".join(name + value for name, value in sorted(params.items()))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def new_sid(prefix: str) -> str:
    """A fresh SID of Twilio's shape: two letters and 32 lower-case hex digits."""
    return prefix + secrets.token_hex(16)


@dataclass(frozen=True)
class WebhookReply:
    """The hub's answer to one webhook."""

    status: int
    text: str
    content_type: str

    def twiml(self) -> ET.Element:
        """The answer parsed as XML (the hub's own output, so safe to parse here)."""
        return ET.fromstring(self.text)


@dataclass(frozen=True)
class OutboundCall:
    """One call the hub asked the provider to place (``Calls.json``)."""

    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    twiml: str | None
    status_callback: str | None
    params: dict[str, list[str]] = field(repr=False)


@dataclass(frozen=True)
class SentMessage:
    """One text message the hub asked the provider to send (``Messages.json``)."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    params: dict[str, list[str]] = field(repr=False)


@dataclass
class _Failure:
    remaining: int
    status: int
    code: int
    message: str


def api_error(status: int, code: int, message: str) -> web.Response:
    """Twilio's REST error body."""
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


class FakeVoiceProvider:
    """``base_url`` is the provider's API base; ``created_calls`` what the hub asked for."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.created_calls: list[OutboundCall] = []
        self.sent_messages: list[SentMessage] = []
        self.requests: Counter[str] = Counter()  # path -> calls made to the fake's API
        self.media_fetches: Counter[str] = Counter()  # recording SID -> authorised fetches
        self._recordings: dict[str, bytes] = {}
        self._failures: list[_Failure] = []
        self._message_failures: list[_Failure] = []
        self._created: asyncio.Queue[OutboundCall] = asyncio.Queue()
        self._sent: asyncio.Queue[SentMessage] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._count])
        accounts = f"/{API_VERSION}/Accounts/{{account}}"
        app.router.add_post(f"{accounts}/Calls.json", self._create_call)
        app.router.add_post(f"{accounts}/Messages.json", self._create_message)
        app.router.add_get(f"{accounts}/Recordings/{{sid:RE{_SID_HEX}}}.mp3", self._media)
        app.router.add_get(f"/Recordings/{{sid:RE{_SID_HEX}}}.mp3", self._media)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # Webhooks to the hub

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return twilio_signature(self.auth_token, url, params)

    async def call(
        self,
        hub_base_url: str,
        path: str,
        params: Mapping[str, str],
        *,
        public_url: str | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> WebhookReply:
        """POST a webhook to ``hub_base_url + path``, signed for ``public_url + path``.

        ``path`` includes any query string and is sent byte for byte as signed.
        ``signature`` replaces the computed one (a forgery); ``signed=False`` sends none.
        """
        assert self._session is not None, "start() first"
        signed_for = (public_url or hub_base_url).rstrip("/") + path
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        if signed:
            headers["X-Twilio-Signature"] = (
                signature if signature is not None else self.sign(signed_for, params)
            )
        target = yarl.URL(hub_base_url.rstrip("/") + path, encoded=True)
        async with self._session.post(
            target, data=urlencode(dict(params)), headers=headers, allow_redirects=False
        ) as response:
            return WebhookReply(response.status, await response.text(), response.content_type)

    # What Twilio would post

    def incoming_call_params(
        self,
        from_number: str = SHOPPER_NUMBER,
        to_number: str = STORE_NUMBER,
        *,
        call_sid: str | None = None,
        caller_name: str | None = None,
    ) -> dict[str, str]:
        """The ``incoming`` webhook of a call ringing ``to_number``."""
        params = {
            **self._call_params(call_sid or new_sid("CA"), "ringing"),
            "From": from_number,
            "Caller": from_number,
            "To": to_number,
            "Called": to_number,
            "Direction": "inbound",
            "FromCountry": "FR",
            "ToCountry": "FR",
        }
        if caller_name is not None:
            params["CallerName"] = caller_name
        return params

    def status_params(
        self,
        call_sid: str,
        status: str,
        *,
        duration: int | None = None,
        dial_call_status: str | None = None,
        dial_duration: int | None = None,
        sequence_number: int | None = None,
    ) -> dict[str, str]:
        """A status callback, or a ``<Dial>`` action when ``dial_call_status`` is set."""
        params = self._call_params(call_sid, status)
        optional = {
            "CallDuration": duration,
            "DialCallStatus": dial_call_status,
            "DialCallDuration": dial_duration,
            "SequenceNumber": sequence_number,
        }
        params.update({name: str(value) for name, value in optional.items() if value is not None})
        if dial_call_status is not None:
            params["DialCallSid"] = new_sid("CA")
        return params

    def recording_params(
        self, call_sid: str, recording_sid: str, duration: int = 17
    ) -> dict[str, str]:
        """The ``<Record>`` action once a voicemail is recorded."""
        return {
            **self._call_params(call_sid, "in-progress"),
            "RecordingSid": recording_sid,
            "RecordingUrl": self.recording_url(recording_sid),
            "RecordingDuration": str(duration),
            "Digits": "hangup",
        }

    def transcription_params(
        self, call_sid: str, recording_sid: str, text: str, status: str = "completed"
    ) -> dict[str, str]:
        """The ``transcribeCallback`` of a ``<Record>``."""
        return {
            **self._call_params(call_sid, "completed"),
            "RecordingSid": recording_sid,
            "RecordingUrl": self.recording_url(recording_sid),
            "TranscriptionSid": new_sid("TR"),
            "TranscriptionText": text,
            "TranscriptionStatus": status,
            "TranscriptionType": "fast",
            "TranscriptionUrl": f"https://api.twilio.com/{API_VERSION}/Accounts/"
            f"{self.account_sid}/Transcriptions/{new_sid('TR')}",
        }

    def gather_params(self, call_sid: str, digits: str) -> dict[str, str]:
        """The ``<Gather>`` action after the caller pressed ``digits``."""
        return {**self._call_params(call_sid, "in-progress"), "Digits": digits}

    def recording_url(self, recording_sid: str) -> str:
        """The ``RecordingUrl`` Twilio sends: its public API, https (not this fake)."""
        return f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{recording_sid}"

    def _call_params(self, call_sid: str, status: str) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call_sid,
            "CallStatus": status,
        }

    # What exists on the provider's side, and scripted trouble

    def add_recording(self, recording_sid: str, data: bytes = b"ID3\x04\x00fake-mp3") -> None:
        self._recordings[recording_sid] = data

    def fail_next_call(
        self,
        status: int = 503,
        code: int = 20503,
        message: str = "Service unavailable",
        times: int = 1,
    ) -> None:
        """The next ``times`` ``Calls.json`` requests answer this Twilio error."""
        self._failures.append(_Failure(times, status, code, message))

    async def next_call(self, timeout: float = 10.0) -> OutboundCall:
        """The next call the hub creates (already in ``created_calls`` too)."""
        async with asyncio.timeout(timeout):
            return await self._created.get()

    def fail_next_message(
        self,
        status: int = 503,
        code: int = 20503,
        message: str = "Service unavailable",
        times: int = 1,
    ) -> None:
        """The next ``times`` ``Messages.json`` requests answer this Twilio error."""
        self._message_failures.append(_Failure(times, status, code, message))

    async def next_message(self, timeout: float = 10.0) -> SentMessage:
        """The next text message the hub sends (already in ``sent_messages`` too)."""
        async with asyncio.timeout(timeout):
            return await self._sent.get()

    # The REST API

    @web.middleware
    async def _count(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests[request.path] += 1
        response: web.StreamResponse = await handler(request)
        return response

    def _authorised(self, request: web.Request) -> bool:
        """HTTP basic auth of account SID and auth token, for this account's paths only."""
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        login, _, password = decoded.partition(":")
        account = request.match_info.get("account", login)
        return (
            scheme.lower() == "basic"
            and secrets.compare_digest(login.encode(), self.account_sid.encode())
            and secrets.compare_digest(password.encode(), self.auth_token.encode())
            and account == self.account_sid
        )

    @staticmethod
    def _unauthorised() -> web.Response:
        response = api_error(401, 20003, "Authenticate")
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response

    async def _create_call(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._unauthorised()
        for failure in self._failures:
            if failure.remaining > 0:
                failure.remaining -= 1
                return api_error(failure.status, failure.code, failure.message)
        form = await request.post()
        params: dict[str, list[str]] = {}
        for name, value in form.items():
            params.setdefault(name, []).append(str(value))
        first = {name: values[0] for name, values in params.items()}
        if not first.get("To"):
            return api_error(400, 21201, "No 'To' number is specified")
        if not first.get("From"):
            return api_error(400, 21213, "No 'From' number is specified")
        if not first.get("Url") and not first.get("Twiml") and not first.get("ApplicationSid"):
            return api_error(400, 21205, "Url, Twiml or ApplicationSid is required")
        created = OutboundCall(
            sid=new_sid("CA"),
            account_sid=self.account_sid,
            to=first["To"],
            from_=first["From"],
            url=first.get("Url"),
            twiml=first.get("Twiml"),
            status_callback=first.get("StatusCallback"),
            params=params,
        )
        self.created_calls.append(created)
        self._created.put_nowait(created)
        return web.json_response(
            {
                "sid": created.sid,
                "account_sid": created.account_sid,
                "to": created.to,
                "from": created.from_,
                "status": "queued",
                "direction": "outbound-api",
                "api_version": API_VERSION,
                "uri": f"/{API_VERSION}/Accounts/{created.account_sid}/Calls/{created.sid}.json",
            },
            status=201,
        )

    async def _create_message(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._unauthorised()
        for failure in self._message_failures:
            if failure.remaining > 0:
                failure.remaining -= 1
                return api_error(failure.status, failure.code, failure.message)
        form = await request.post()
        params: dict[str, list[str]] = {}
        for name, value in form.items():
            params.setdefault(name, []).append(str(value))
        first = {name: values[0] for name, values in params.items()}
        if not first.get("To"):
            return api_error(400, 21604, "A 'To' phone number is required.")
        if not first.get("From") and not first.get("MessagingServiceSid"):
            return api_error(400, 21603, "A 'From' phone number is required.")
        if not first.get("Body") and not first.get("MediaUrl"):
            return api_error(400, 21602, "Message body is required.")
        if len(first.get("Body", "")) > 1600:
            return api_error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        sent = SentMessage(
            sid=new_sid("SM"),
            account_sid=self.account_sid,
            to=first["To"],
            from_=first.get("From", ""),
            body=first.get("Body", ""),
            params=params,
        )
        self.sent_messages.append(sent)
        self._sent.put_nowait(sent)
        return web.json_response(
            {
                "sid": sent.sid,
                "account_sid": sent.account_sid,
                "to": sent.to,
                "from": sent.from_,
                "body": sent.body,
                "status": "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "api_version": API_VERSION,
                "uri": f"/{API_VERSION}/Accounts/{sent.account_sid}/Messages/{sent.sid}.json",
            },
            status=201,
        )

    async def _media(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._unauthorised()
        sid = request.match_info["sid"]
        data = self._recordings.get(sid)
        if data is None:
            return api_error(404, 20404, f"The requested resource {request.path} was not found")
        self.media_fetches[sid] += 1
        return web.Response(body=data, content_type="audio/mpeg")


@pytest.fixture(name="voice_provider")
async def voice_provider_fixture() -> AsyncIterator[FakeVoiceProvider]:
    """A fake voice provider on a free loopback port; its ``base_url`` is the API base.

    Named apart from its fixture name so a test's ``voice_provider`` parameter does not
    shadow an import (ruff F811): import ``voice_provider_fixture`` to make it available.
    """
    provider = FakeVoiceProvider()
    await provider.start()
    yield provider
    await provider.stop()
