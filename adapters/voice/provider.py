"""The voice provider's REST API (Twilio's), as the hub uses it: place a call, send a text.

One small aiohttp client: ``POST {api_base}/2010-04-01/Accounts/{AccountSid}/Calls.json``
and ``.../Messages.json``, form-encoded, HTTP basic auth of the account SID and auth
token, ten seconds at most. ``api_base`` is ``HUB_VOICE_API_BASE`` (Twilio's by default;
tests point it at a local fake).

Every failure is a ``ProviderError`` carrying Twilio's ``code`` and ``message`` (or what
went wrong on the way) and whether trying again can help: a 4xx answer is about the
request (a bad number, an unsubscribed recipient, wrong credentials) and is permanent,
except 408 and 429, as is a redirect (a misconfigured API base: never followed, the
credentials go nowhere else); a 5xx answer, a time-out or a broken connection is
retryable. The
provider's message is shown to ambassadors and logged, so it is stripped of control
characters and capped; the auth token never appears in an error, a log or a repr.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp

API_VERSION = "2010-04-01"
TIMEOUT_SECONDS = 10.0
# The answers are a few hundred bytes of JSON; anything far larger is not Twilio's.
MAX_ANSWER_BYTES = 64 * 1024
MESSAGE_LIMIT = 300
# Every call-progress event, so the call's row follows it (the status webhook is keyed by
# CallSid); Twilio takes several events as repeated ``StatusCallbackEvent`` fields.
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
# 4xx answers that say "later", not "never".
_RETRYABLE_4XX = frozenset({408, 429})

_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_RESOURCE_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
_CONTROLS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], " ")


class ProviderAccount(Protocol):
    """What the client needs of a ``VoiceAccount`` row."""

    @property
    def account_sid(self) -> str: ...

    @property
    def auth_token(self) -> str: ...


class ProviderError(Exception):
    """The provider refused (``code``/``message`` are Twilio's) or could not be reached."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: int | None = None,
        permanent: bool,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.permanent = permanent

    @property
    def retryable(self) -> bool:
        return not self.permanent

    def describe(self) -> str:
        """Twilio's message and its error code, as an ambassador reads it."""
        return f"{self.message} ({self.code})" if self.code is not None else self.message


@dataclass(frozen=True)
class Created:
    """A call or message the provider accepted: its SID and first status (``queued``)."""

    sid: str
    status: str | None


class VoiceProvider:
    """A client for one job or request: ``async with VoiceProvider(api_base) as provider``."""

    def __init__(
        self,
        api_base: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> VoiceProvider:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None

    async def create_call(
        self,
        account: ProviderAccount,
        to: str,
        from_: str,
        url: str,
        status_callback: str,
        *,
        status_events: Sequence[str] = STATUS_EVENTS,
    ) -> Created:
        """Ring ``to`` from ``from_``; once answered, the provider fetches TwiML at ``url``."""
        fields = [
            ("To", to),
            ("From", from_),
            ("Url", url),
            ("Method", "POST"),
            ("StatusCallback", status_callback),
            ("StatusCallbackMethod", "POST"),
            *(("StatusCallbackEvent", event) for event in status_events),
        ]
        return await self._create(account, "Calls", fields)

    async def send_sms(self, account: ProviderAccount, to: str, from_: str, body: str) -> Created:
        """A text message from one of the account's numbers."""
        return await self._create(
            account, "Messages", [("To", to), ("From", from_), ("Body", body)]
        )

    async def _create(
        self, account: ProviderAccount, resource: str, fields: list[tuple[str, str]]
    ) -> Created:
        answer = await self._post(account, resource, fields)
        sid = answer.get("sid")
        if not isinstance(sid, str) or not _RESOURCE_SID.fullmatch(sid):
            # Accepted, but not in a shape we know: sending again could send twice.
            raise ProviderError("the provider's answer carried no SID", permanent=True)
        status = answer.get("status")
        return Created(sid=sid, status=status if isinstance(status, str) else None)

    async def _post(
        self, account: ProviderAccount, resource: str, fields: list[tuple[str, str]]
    ) -> dict[str, Any]:
        if not _ACCOUNT_SID.fullmatch(account.account_sid) or not account.auth_token:
            raise ProviderError("the voice account's SID or auth token is unusable", permanent=True)
        url = f"{self.api_base}/{API_VERSION}/Accounts/{account.account_sid}/{resource}.json"
        session = self._client()
        try:
            async with session.post(
                url,
                data=urlencode(fields).encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                    "Authorization": aiohttp.encode_basic_auth(
                        account.account_sid, account.auth_token
                    ),
                },
                allow_redirects=False,
                timeout=self.timeout,
            ) as response:
                raw = await _read_capped(response)
                status = response.status
        except TimeoutError:
            raise ProviderError(
                "the voice provider did not answer in time", permanent=False
            ) from None
        except aiohttp.ClientError as error:
            raise ProviderError(
                f"the voice provider could not be reached ({type(error).__name__})",
                permanent=False,
            ) from None
        answer = _json(raw)
        if 200 <= status < 300:
            return answer
        raise _refusal(status, answer)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    raw = bytearray()
    while chunk := await response.content.read(MAX_ANSWER_BYTES + 1 - len(raw)):
        raw += chunk
        if len(raw) > MAX_ANSWER_BYTES:
            return b""  # not an answer of Twilio's: judged by its status alone
    return bytes(raw)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return answer if isinstance(answer, dict) else {}


def _refusal(status: int, answer: dict[str, Any]) -> ProviderError:
    code = answer.get("code")
    message = answer.get("message")
    text = _clean(message) if isinstance(message, str) else None
    return ProviderError(
        text or f"the voice provider answered HTTP {status}",
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        status=status,
        permanent=status < 500 and status not in _RETRYABLE_4XX,
    )


def _clean(text: str) -> str | None:
    """One line, no controls, capped: it reaches logs and the console."""
    return " ".join(text[: MESSAGE_LIMIT * 4].translate(_CONTROLS).split())[:MESSAGE_LIMIT] or None
