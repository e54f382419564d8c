"""HTTP side of connecting a WeChat user to their profile (the logic: ``linking``).

- ``POST /api/conversations/{id}/wechat-link`` (console; the assigned ambassador or a
  manager, in a ``wechat`` conversation): posts a reply holding the start link, so it
  reaches WeChat through the normal outbox and shows in the timeline. Body
  ``{client_id?}`` (a retry with the same id sends nothing twice) → ``201 {message, url}``.
- ``GET /wechat/{account}/link/start``: the link in that reply. Puts a nonce in an
  HttpOnly SameSite=Lax cookie and sends the browser to WeChat's authorize page.
- ``GET /wechat/{account}/link?code=&state=``: WeChat's redirect back. The state must
  match the nonce cookie and be under ten minutes old; the code becomes the openid. The
  link token goes into an HttpOnly SameSite=Strict cookie (never a URL), then ``303`` to
  ``/wechat-link``. A failure sends the browser to ``/wechat-link#error=CODE`` (codes only:
  the page has the words, so nobody can make our page say theirs), or answers JSON to a
  client that asks for it.
- ``GET /wechat-link``: the page. ``GET /api/wechat-link`` (where the link stands),
  ``POST /api/wechat-link/code {email}`` and ``POST /api/wechat-link/confirm {code}``:
  JSON, the link token from the cookie, small bodies, rate limited per address.
"""

from __future__ import annotations

import math
import re
import secrets
from datetime import datetime
from uuid import uuid4

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adapters.wechat import link_state, linking
from adapters.wechat.account import WechatAccount
from adapters.wechat.accounts import load_account
from adapters.wechat.api import WechatApi
from hub.api.pages import PAGE_CSP, STATIC
from hub.api.requests import client_address, json_body, principal
from hub.conversations import visible_conversation
from hub.db.channel_models import WechatUser
from hub.errors import (
    Conflict,
    Forbidden,
    HubError,
    InvalidInput,
    NotFound,
    RateLimited,
)
from hub.i18n import N_, choose
from hub.inbox import check_handler
from hub.messages import iso, message_payload
from hub.openapi import errors, operation, ref
from hub.openapi.schemas import BOOLEAN, DATE_TIME, INTEGER, STRING, enum, nullable, obj
from hub.services import Services, services
from hub.shopper_texts import conversation_texts

ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$", re.ASCII)  # as accounts.py has it
PAGE_PATH = "/wechat-link"
API_PATH = "/api/wechat-link"
STATE_COOKIE = "wechat_link_state"
LINK_COOKIE = "wechat_link"
MAX_BODY_BYTES = 1024  # {"email": ...} or {"code": ...}
API_TIMEOUT_SECONDS = 10.0
# Two confirmations racing to verify the same address: the loser's retry merges instead.
ATTEMPTS = 2
LINK_TEXT = (
    N_("To connect your WeChat to your client profile, open this link here in WeChat: {url}"),
    N_("We will ask for your e-mail address and send you a one-time code."),
)


LINK_STATE = obj(
    {
        "step": enum("email", "code", "done"),
        "email": nullable(STRING),
        "expires_at": DATE_TIME,
        "resend_at": nullable(DATE_TIME),
        "resend_in_seconds": INTEGER,
        "attempts_left": INTEGER,
    }
)
CODE_SENT = obj(
    {
        "email": STRING,
        "resend_at": DATE_TIME,
        "resend_in_seconds": INTEGER,
        "expires_at": DATE_TIME,
        "codes_left": INTEGER,
    }
)
LINK_ERRORS = errors(400, 403, 409, 410, 413, 429)


# -- Console: send the link -------------------------------------------------------------


@operation(
    summary="Send a WeChat user the link that connects them to their profile",
    tag="wechat-link",
    auth="staff",
    path={"id": "a WeChat conversation's id"},
    request=obj(optional={"client_id": nullable(STRING)}),
    request_required=False,
    responses={
        201: obj({"message": ref("Message"), "url": STRING}),
        200: obj({"message": ref("Message"), "url": STRING}),
        **errors(409),
    },
)
async def send_link(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    body = await json_body(request)
    async with hub.db.reading() as session:
        conversation = await visible_conversation(session, who, request.match_info["id"])
        if conversation.channel != "wechat":
            raise InvalidInput(
                "id", "only a WeChat conversation can be sent this link", code="not_wechat"
            )
        check_handler(who, conversation)
        account_id = await session.scalar(
            select(WechatUser.account_id).where(WechatUser.openid == conversation.contact)
        )
        account = await load_account(session, account_id=account_id) if account_id else None
    if account is None:
        raise Conflict("this WeChat user's account is unknown to the hub", code="unknown_user")
    url = link_state.start_url(hub.settings.public_url, account.name)
    client_id = body.get("client_id") or f"wechat-link-{uuid4().hex}"
    t = conversation_texts(conversation)
    text = "\n".join(t.gettext(line, url=url) for line in LINK_TEXT)
    stored = await hub.inbox.reply(who, conversation.id, client_id, text)
    return web.json_response(
        {"message": message_payload(stored.message), "url": url},
        status=200 if stored.duplicate else 201,
    )


# -- The OAuth round trip ---------------------------------------------------------------


async def begin(request: web.Request) -> web.Response:
    try:
        return await _begin(request, services(request))
    except HubError as error:
        return _refusal(request, error)


async def _begin(request: web.Request, hub: Services) -> web.Response:
    hub.limits.anonymous.hit(f"wechat-link-start:{client_address(request)}")
    account = await _account(hub, request.match_info["account"])
    nonce = secrets.token_urlsafe(16)
    state = link_state.new_state(hub.settings.secret_key.reveal(), account.name, nonce, hub.clock())
    response = _redirect(link_state.authorize_url(account, hub.settings.public_url, state))
    response.set_cookie(
        STATE_COOKIE,
        nonce,
        path=link_state.link_path(account.name),
        max_age=int(link_state.STATE_TTL.total_seconds()),
        httponly=True,
        secure=hub.settings.secure_cookies,
        samesite="Lax",  # it must come back on WeChat's (cross-site) redirect to us
    )
    return response


async def oauth_return(request: web.Request) -> web.Response:
    hub = services(request)
    try:
        response = await _start_link(request, hub)
    except HubError as error:
        response = _refusal(request, error)
    # One use: whatever happened, this nonce is spent. The name comes from the URL: only
    # an account name's characters go into the header.
    name = request.match_info["account"]
    if ACCOUNT_NAME.match(name):
        response.del_cookie(STATE_COOKIE, path=link_state.link_path(name))
    return response


async def _start_link(request: web.Request, hub: Services) -> web.Response:
    hub.limits.anonymous.hit(f"wechat-link-oauth:{client_address(request)}")
    account = await _account(hub, request.match_info["account"])
    now = hub.clock()
    link_state.check_state(
        hub.settings.secret_key.reveal(),
        account.name,
        request.cookies.get(STATE_COOKIE),
        request.query.get("state"),
        now,
    )
    api = WechatApi(account, api_base=hub.settings.wechat_api_base, timeout=API_TIMEOUT_SECONDS)
    try:
        token, _link_id = await linking.start(hub.db, api, account, request.query.get("code"), now)
    finally:
        await api.close()
    response = _redirect(PAGE_PATH)
    response.set_cookie(
        LINK_COOKIE,
        token,
        path=API_PATH,  # only the calls that use it carry it
        max_age=int(linking.LINK_TTL.total_seconds()),
        httponly=True,
        secure=hub.settings.secure_cookies,
        samesite="Strict",
    )
    return response


async def _account(hub: Services, name: str) -> WechatAccount:
    async with hub.db.reading() as session:
        account = await load_account(session, name=name[:32])
    if account is None:
        raise NotFound("no such WeChat account", code="unknown_account")
    return account


def _refusal(request: web.Request, error: HubError) -> web.Response:
    """The error as JSON for a client that asks for it; for a browser, the page saying why."""
    if not _wants_json(request):
        return _redirect(f"{PAGE_PATH}#error={error.code}")
    response = web.json_response(error.as_payload(), status=error.status)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return response


def _redirect(location: str) -> web.Response:
    """A plain 303 response, so the middlewares (headers, access log) see it."""
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


# -- The page and its API ---------------------------------------------------------------


async def page(_request: web.Request) -> web.FileResponse:
    response = web.FileResponse(STATIC / "wechat-link.html")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["X-Frame-Options"] = "DENY"
    return response


@operation(
    summary="Where the browser's WeChat link stands",
    tag="wechat-link",
    auth="wechat_link",
    limited=True,
    responses={200: LINK_STATE, **errors(400, 409, 410)},
)
async def link_status(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"wechat-link-status:{client_address(request)}")
    state = await linking.status(hub.db, request.cookies.get(LINK_COOKIE), hub.clock())
    return web.json_response(
        {
            "step": state.step,
            "email": state.email,
            "expires_at": iso(state.expires_at),
            "resend_at": iso(state.resend_at),
            "resend_in_seconds": _seconds_until(state.resend_at, hub),
            "attempts_left": state.attempts_left,
        }
    )


@operation(
    summary="E-mail a one-time code to the address the WeChat user gives",
    tag="wechat-link",
    auth="wechat_link",
    limited=True,
    request=obj({"email": STRING}),
    responses={202: CODE_SENT, **LINK_ERRORS},
)
async def send_code(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"wechat-link-code:{client_address(request)}")
    _same_origin(request, hub)
    body = await json_body(request, limit=MAX_BODY_BYTES)
    if body.get("phone") and not body.get("email"):
        raise InvalidInput("phone", linking.PHONE_LATER, code="phone_not_supported")
    sent = await linking.send_code(
        hub.db,
        hub.jobs,
        hub.settings,
        request.cookies.get(LINK_COOKIE),
        body.get("email"),
        hub.clock(),
        limiter=hub.limits.verification_mails,
        # The page's language, else the phone's: the code mail is read on the same phone.
        language=choose(
            page=body.get("language") if isinstance(body.get("language"), str) else None,
            accept=request.headers.get("Accept-Language"),
        ),
    )
    return web.json_response(
        {
            "email": sent.email,
            "resend_at": iso(sent.resend_at),
            "resend_in_seconds": _seconds_until(sent.resend_at, hub),
            "expires_at": iso(sent.expires_at),
            "codes_left": sent.codes_left,
        },
        status=202,
    )


@operation(
    summary="Confirm the code: the WeChat user joins the profile of that address",
    tag="wechat-link",
    auth="wechat_link",
    limited=True,
    request=obj({"code": STRING}),
    responses={200: obj({"connected": BOOLEAN, "email": STRING}), **LINK_ERRORS},
    operation_id="confirm_wechat_link",
)
async def confirm(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"wechat-link-confirm:{client_address(request)}")
    _same_origin(request, hub)
    body = await json_body(request, limit=MAX_BODY_BYTES)
    token = request.cookies.get(LINK_COOKIE)
    for attempt in range(ATTEMPTS):
        try:
            linked = await linking.confirm(hub.db, token, body.get("code"), hub.clock())
            break
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    return web.json_response({"connected": True, "email": linked.email})


def _seconds_until(when: datetime | None, hub: Services) -> int:
    """Relative, for the page: the phone's own clock may be minutes off the hub's."""
    return 0 if when is None else max(0, math.ceil((when - hub.clock()).total_seconds()))


def _same_origin(request: web.Request, hub: Services) -> None:
    """Beside the SameSite cookie: a browser's cross-site POST names its origin."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != hub.settings.own_origin.lower():
        raise Forbidden("this origin may not call the hub", code="origin_not_allowed")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/conversations/{id}/wechat-link", send_link)
    app.router.add_get("/wechat/{account}/link/start", begin)
    app.router.add_get("/wechat/{account}/link", oauth_return)
    app.router.add_get(PAGE_PATH, page)
    app.router.add_get(API_PATH, link_status)
    app.router.add_post(f"{API_PATH}/code", send_code)
    app.router.add_post(f"{API_PATH}/confirm", confirm)
