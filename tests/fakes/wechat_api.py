"""A real WeChat Official Account API on loopback (aiohttp), with WeChat's JSON and codes.

It runs on the test's own event loop, so a test awaits the next message instead of
sleeping. Like WeChat it answers errors as JSON with status 200 (``errcode``/``errmsg``),
issues a fresh random access token on every ``/cgi-bin/token`` call and keeps the old
ones valid until ``expire_tokens()``. Tests can script what real WeChat does now and then:
an error code for the next calls (``fail_next``), an HTTP status (``fail_http_next``), or
a call held unanswered until ``release`` (time-outs, a busy event loop).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The msgtype values /cgi-bin/message/custom/send accepts; each needs an object of that name.
CUSTOM_TYPES = frozenset(
    {"text", "image", "voice", "video", "music", "news", "mpnews", "msgmenu", "wxcard", "link"}
)


@dataclass(frozen=True)
class SentMessage:
    """One accepted send call: the app whose token it carried and its JSON body."""

    app_id: str
    body: dict[str, Any]

    @property
    def openid(self) -> str:
        return str(self.body["touser"])

    @property
    def text(self) -> str:
        return str(self.body["text"]["content"])


@dataclass(frozen=True)
class FakeMedia:
    data: bytes = field(repr=False)
    content_type: str
    filename: str
    chunked: bool  # sent without Content-Length, as a proxy or a big file may be


@dataclass(frozen=True)
class FakeUser:
    openid: str
    nickname: str
    unionid: str | None
    subscribed: bool
    language: str


@dataclass
class _Failure:
    suffix: str
    remaining: int
    errcode: int = 0
    errmsg: str = ""
    status: int = 200

    def respond(self) -> web.Response:
        if self.status != 200:
            return web.Response(status=self.status)
        return error(self.errcode, self.errmsg)


def error(errcode: int, errmsg: str, content_type: str = "application/json") -> web.Response:
    """WeChat's error answer: JSON with status 200 (some endpoints say text/plain)."""
    body = json.dumps({"errcode": errcode, "errmsg": errmsg})
    return web.Response(text=body, content_type=content_type)


def ok(**extra: Any) -> web.Response:
    return web.json_response({"errcode": 0, "errmsg": "ok", **extra})


class FakeWechatApi:
    """``base_url`` is what HUB_WECHAT_API_BASE should say; ``calls`` counts calls by path."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.custom_messages: list[SentMessage] = []
        self.template_messages: list[SentMessage] = []
        self.issued_tokens: dict[str, list[str]] = {}  # app id -> every token it was given
        self._secrets: dict[str, str] = {}
        self._tokens: dict[str, str] = {}  # valid token -> app id
        self._expired: set[str] = set()
        self._media: dict[str, FakeMedia] = {}
        self._users: dict[str, FakeUser] = {}
        self._codes: dict[str, str] = {}  # OAuth code -> openid
        self._used_codes: set[str] = set()
        self._failures: list[_Failure] = []
        self._holds: dict[str, asyncio.Event] = {}
        self._held: asyncio.Queue[str] = asyncio.Queue()
        self._custom_inbox: asyncio.Queue[SentMessage] = asyncio.Queue()
        self._template_inbox: asyncio.Queue[SentMessage] = asyncio.Queue()
        self._next_msgid = 1_000_000
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._script])
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self._template_send)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        app.router.add_get("/cgi-bin/user/info", self._user_info)
        app.router.add_get("/sns/oauth2/access_token", self._oauth_token)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for gate in self._holds.values():
            gate.set()  # so held handlers finish instead of stalling the shutdown
        if self._runner is not None:
            await self._runner.cleanup()

    # What exists on the WeChat side

    def add_app(self, app_id: str, secret: str) -> None:
        self._secrets[app_id] = secret

    def expire_tokens(self, app_id: str | None = None) -> None:
        """Every token issued so far (to ``app_id``, or to anyone) now answers 42001."""
        for token, owner in list(self._tokens.items()):
            if app_id in (None, owner):
                del self._tokens[token]
                self._expired.add(token)

    def add_media(
        self,
        media_id: str,
        data: bytes,
        content_type: str = "image/jpeg",
        filename: str | None = None,
        *,
        chunked: bool = False,
    ) -> None:
        extension = content_type.rsplit("/", 1)[-1]
        name = filename or f"{media_id}.{extension}"
        self._media[media_id] = FakeMedia(data, content_type, name, chunked)

    def add_user(
        self,
        openid: str,
        nickname: str = "Léa",
        unionid: str | None = None,
        *,
        subscribed: bool = True,
        language: str = "zh_CN",
    ) -> None:
        self._users[openid] = FakeUser(openid, nickname, unionid, subscribed, language)

    def add_oauth_code(self, code: str, openid: str) -> None:
        self._codes[code] = openid

    # Scripted trouble

    def fail_next(self, path_suffix: str, errcode: int, errmsg: str, times: int = 1) -> None:
        """The next ``times`` calls to a path ending so answer this WeChat error."""
        self._failures.append(_Failure(path_suffix, times, errcode, errmsg))

    def fail_http_next(self, path_suffix: str, status: int = 503, times: int = 1) -> None:
        """The next ``times`` calls answer a bare HTTP status, as a gateway in front would."""
        self._failures.append(_Failure(path_suffix, times, status=status))

    def hold(self, path_suffix: str) -> None:
        """Calls to a path ending so wait, unanswered, until ``release`` (or ``stop``)."""
        self._holds.setdefault(path_suffix, asyncio.Event())

    def release(self, path_suffix: str) -> None:
        self._holds.pop(path_suffix).set()

    # Awaiting what arrives

    async def next_custom_message(self, timeout: float = 10.0) -> SentMessage:
        async with asyncio.timeout(timeout):
            return await self._custom_inbox.get()

    async def next_template_message(self, timeout: float = 10.0) -> SentMessage:
        async with asyncio.timeout(timeout):
            return await self._template_inbox.get()

    async def next_held(self, timeout: float = 10.0) -> str:
        """The path of the next call that started waiting on a ``hold``."""
        async with asyncio.timeout(timeout):
            return await self._held.get()

    # The server

    @web.middleware
    async def _script(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.calls[request.path] += 1
        for suffix, gate in list(self._holds.items()):
            if request.path.endswith(suffix):
                self._held.put_nowait(request.path)
                await gate.wait()
        for failure in self._failures:
            if failure.remaining > 0 and request.path.endswith(failure.suffix):
                failure.remaining -= 1
                return failure.respond()
        return await handler(request)

    def _app_of(self, request: web.Request) -> str | web.Response:
        """The app whose access token the call carries, or WeChat's answer when it is bad."""
        token = request.query.get("access_token")
        if not token:
            return error(41001, "access_token missing")
        if token in self._expired:
            return error(42001, "access_token expired")
        if token not in self._tokens:
            return error(40001, "invalid credential, access_token is invalid or not latest")
        return self._tokens[token]

    def _check_app(self, query: Mapping[str, str]) -> web.Response | None:
        app_id, secret = query.get("appid", ""), query.get("secret", "")
        if app_id not in self._secrets:
            return error(40013, "invalid appid")
        if not secrets.compare_digest(secret, self._secrets[app_id]):
            return error(40125, "invalid appsecret")
        return None

    async def _token(self, request: web.Request) -> web.Response:
        if request.query.get("grant_type") != "client_credential":
            return error(40002, "invalid grant_type")
        refused = self._check_app(request.query)
        if refused is not None:
            return refused
        app_id = request.query["appid"]
        token = secrets.token_urlsafe(96)
        self._tokens[token] = app_id
        self.issued_tokens.setdefault(app_id, []).append(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def _custom_send(self, request: web.Request) -> web.Response:
        app = self._app_of(request)
        if isinstance(app, web.Response):
            return app
        body = await _json_body(request)
        if body is None:
            return error(47001, "data format error")
        user = self._users.get(str(body.get("touser", "")))
        msgtype = body.get("msgtype")
        if not body.get("touser"):
            return error(40003, "invalid openid")
        if user is not None and not user.subscribed:
            return error(43004, "require subscribe")
        if msgtype not in CUSTOM_TYPES or not isinstance(body.get(msgtype), dict):
            return error(40008, "invalid message type")
        if msgtype == "text" and not body["text"].get("content"):
            return error(44004, "empty content")
        message = SentMessage(app, body)
        self.custom_messages.append(message)
        self._custom_inbox.put_nowait(message)
        return ok()

    async def _template_send(self, request: web.Request) -> web.Response:
        app = self._app_of(request)
        if isinstance(app, web.Response):
            return app
        body = await _json_body(request)
        if body is None:
            return error(47001, "data format error")
        if not body.get("touser"):
            return error(40003, "invalid openid")
        if not body.get("template_id"):
            return error(40037, "invalid template_id")
        data = body.get("data")
        if not isinstance(data, dict) or not all(
            isinstance(item, dict) and "value" in item for item in data.values()
        ):
            return error(47001, "data format error")
        message = SentMessage(app, body)
        self.template_messages.append(message)
        self._template_inbox.put_nowait(message)
        self._next_msgid += 1
        return ok(msgid=self._next_msgid)

    async def _media_get(self, request: web.Request) -> web.StreamResponse:
        app = self._app_of(request)
        if isinstance(app, web.Response):
            return app
        media = self._media.get(request.query.get("media_id", ""))
        if media is None:
            # media/get is one of the endpoints that labels its JSON errors text/plain.
            return error(40007, "invalid media_id", content_type="text/plain")
        headers = {
            "Content-Type": media.content_type,
            "Content-Disposition": f'attachment; filename="{media.filename}"',
            "Cache-Control": "no-cache, must-revalidate",
        }
        if not media.chunked:
            return web.Response(body=media.data, headers=headers)
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for start in range(0, len(media.data), 16 * 1024):
                await response.write(media.data[start : start + 16 * 1024])
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client stopped reading (a size cap): nothing left to do
        return response

    async def _user_info(self, request: web.Request) -> web.Response:
        app = self._app_of(request)
        if isinstance(app, web.Response):
            return app
        user = self._users.get(request.query.get("openid", ""))
        if user is None:
            return error(40003, "invalid openid")
        if request.query.get("lang", "zh_CN") not in ("zh_CN", "zh_TW", "en"):
            return error(40005, "invalid lang")
        info: dict[str, Any] = {"subscribe": int(user.subscribed), "openid": user.openid}
        if user.subscribed:
            info |= {
                "nickname": user.nickname,
                "sex": 0,
                "language": user.language,
                "city": "",
                "province": "",
                "country": "",
                "headimgurl": "",
                "subscribe_time": 1_764_000_000,
                "remark": "",
                "groupid": 0,
                "tagid_list": [],
                "subscribe_scene": "ADD_SCENE_QR_CODE",
                "qr_scene": 0,
                "qr_scene_str": "",
            }
        if user.unionid is not None:
            info["unionid"] = user.unionid
        return web.json_response(info)

    async def _oauth_token(self, request: web.Request) -> web.Response:
        if request.query.get("grant_type") != "authorization_code":
            return error(40002, "invalid grant_type")
        refused = self._check_app(request.query)
        if refused is not None:
            return refused
        code = request.query.get("code", "")
        if code in self._used_codes:
            return error(40163, "code been used")
        if code not in self._codes:
            return error(40029, "invalid code")
        self._used_codes.add(code)
        return web.json_response(
            {
                "access_token": secrets.token_urlsafe(64),
                "expires_in": 7200,
                "refresh_token": secrets.token_urlsafe(64),
                "openid": self._codes[code],
                "scope": "snsapi_base",
            }
        )


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.read())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@pytest.fixture
async def wechat_api() -> AsyncIterator[FakeWechatApi]:
    """A fake WeChat API on a free loopback port: HUB_WECHAT_API_BASE is its ``base_url``."""
    server = FakeWechatApi()
    await server.start()
    yield server
    await server.stop()
