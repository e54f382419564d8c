"""Reading a Twilio webhook: the form body, capped before it is parsed, then proven.

Every voice webhook is a form post signed with the auth token of the number's account.
The body is read first (at most ``MAX_BODY_BYTES``, refused by its declared length or as
soon as it passes) and parsed into a ``MultiDict`` (repeated names kept: Twilio signs
them too). Then the account the request is about is found, by the number called
(``incoming``), the call row named in the query (``?call=``, the URLs the hub's own TwiML
gave Twilio) or the ``CallSid`` (status callbacks). Only then is it proven: the signature
over ``HUB_PUBLIC_URL`` + the raw path and query with that account's auth token, and the
form's ``AccountSid`` against the account's. A refusal is ``403 bad_signature`` with a
fixed message, and nothing has been stored.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from aiohttp import web
from multidict import MultiDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.voice.twilio_signature import (
    MAX_PARAMS,
    MAX_PARAMS_CHARS,
    SIGNATURE_HEADER,
    SignatureRefused,
    verify,
)
from hub.api.requests import capped_body
from hub.db.channel_models import VoiceAccount
from hub.db.engine import Database
from hub.db.models import Store
from hub.db.voice_models import VoiceCall
from hub.errors import InvalidInput, NotFound, PayloadTooLarge
from hub.profiles.identity import InvalidIdentity, normalise_phone

log = logging.getLogger("adapters.voice")
# Names, values and their percent-encoding: three bytes per character at worst.
MAX_BODY_BYTES = 3 * MAX_PARAMS_CHARS
FORM_TYPE = "application/x-www-form-urlencoded"
TWIML_TYPE = "text/xml"
_ID_LENGTH = 36
_SID_LENGTH = 34

Params = MultiDict[str]


@dataclass(frozen=True)
class Signed:
    """A webhook proven to come from the provider for ``account``; ``call`` when it names one."""

    params: Params
    account: VoiceAccount
    store: Store
    call: VoiceCall | None = None

    @property
    def language(self) -> str:
        """The store's first language: what the caller hears."""
        return self.store.languages[0] if self.store.languages else "en"


async def incoming_webhook(request: web.Request, db: Database, public_url: str) -> Signed:
    """A call to one of our numbers: the account is the number's (``To``)."""
    params = await read_form(request)
    raw = params.get("To")
    try:
        number = normalise_phone(raw) if raw else None
    except InvalidIdentity:
        number = None
    if number is None:
        raise InvalidInput("To", "To is missing or malformed", code="invalid_field")
    async with db.reading() as session:
        account = await session.scalar(select(VoiceAccount).where(VoiceAccount.number == number))
        if account is None:
            raise NotFound("no store answers this number", code="unknown_number")
        store = await session.get(Store, account.store_id)
    assert store is not None  # the account's foreign key
    check(request, public_url, account, params)
    return Signed(params, account, store)


async def call_webhook(request: web.Request, db: Database, public_url: str) -> Signed:
    """A webhook of a URL our TwiML gave: ``?call=`` names the call row, hence the account."""
    params = await read_form(request)
    call_id = request.query.get("call", "")
    if not call_id or len(call_id) > _ID_LENGTH:
        raise InvalidInput("call", "call is missing or malformed", code="invalid_field")
    async with db.reading() as session:
        call = await session.get(VoiceCall, call_id)
        if call is None:
            raise NotFound("no such call", code="unknown_call")
        return await _signed(session, request, public_url, params, call)


async def status_webhook(request: web.Request, db: Database, public_url: str) -> Signed:
    """A status callback: the ``CallSid`` names the call row, hence the account."""
    params = await read_form(request)
    sid = params.get("CallSid", "")
    if not sid or len(sid) > _SID_LENGTH:
        raise InvalidInput("CallSid", "CallSid is missing or malformed", code="invalid_field")
    async with db.reading() as session:
        call = await session.scalar(select(VoiceCall).where(VoiceCall.call_sid == sid))
        if call is None:
            raise NotFound("no such call", code="unknown_call")
        return await _signed(session, request, public_url, params, call)


async def _signed(
    session: AsyncSession, request: web.Request, public_url: str, params: Params, call: VoiceCall
) -> Signed:
    account = await session.get(VoiceAccount, call.account_id)
    assert account is not None  # the call's foreign key (ON DELETE CASCADE)
    store = await session.get(Store, account.store_id)
    assert store is not None
    check(request, public_url, account, params)
    return Signed(params, account, store, call)


async def read_form(request: web.Request) -> Params:
    """The webhook's form fields; ``400`` for anything that is not a form post."""
    if request.content_type != FORM_TYPE:
        raise InvalidInput("body", "a voice webhook is a form post", code="invalid_body")
    body = await capped_body(request, MAX_BODY_BYTES, "a voice webhook is never this large")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PARAMS,
        )
    except UnicodeDecodeError:
        raise InvalidInput("body", "the form is not UTF-8", code="invalid_body") from None
    except ValueError:  # more fields than max_num_fields
        raise PayloadTooLarge("the webhook has too many parameters") from None
    return MultiDict(pairs)


def check(request: web.Request, public_url: str, account: VoiceAccount, params: Params) -> None:
    """Twilio's signature for this account over the public URL, and its ``AccountSid``."""
    try:
        verify(
            account.auth_token,
            public_url,
            request.raw_path,
            params,
            request.headers.get(SIGNATURE_HEADER),
        )
        given = params.get("AccountSid", "")
        if not hmac.compare_digest(given.encode(), account.account_sid.encode()):
            raise SignatureRefused("AccountSid is not the number's account")
    except SignatureRefused as refused:
        log.warning(
            "voice webhook refused",
            extra={"fields": {"path": request.path, "reason": refused.message}},
        )
        raise SignatureRefused("the request is not signed by the voice provider") from None


def twiml_response(text: str) -> web.Response:
    return web.Response(text=text, content_type=TWIML_TYPE)


def no_content() -> web.Response:
    return web.Response(status=204)


def webhook_url(public_url: str, action: str, call_id: str | None = None) -> str:
    """One of the hub's webhooks as the provider must call (and sign) it: under
    ``HUB_PUBLIC_URL``, with the call row it is about in ``?call=``."""
    url = f"{public_url.rstrip('/')}/voice/twilio/{action}"
    return url if call_id is None else f"{url}?call={quote(call_id)}"
