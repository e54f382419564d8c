"""The WeChat Official Account API as the hub calls it: wechatpy underneath, async on top.

wechatpy's client is synchronous (requests), so each call runs in a worker thread and the
event loop never waits on WeChat. On top of wechatpy we add:

- ``HUB_WECHAT_API_BASE`` everywhere, the token and OAuth URLs included (wechatpy
  hard-codes those), so tests and proxies can stand in for api.weixin.qq.com;
- a time-out on every HTTP request (wechatpy's token fetch has none);
- at most one token refresh per call: wechatpy refreshes and retries on 40001/42001 with
  no limit, so a server that keeps refusing the token would loop for ever;
- media streamed and capped rather than read whole into memory;
- one error, ``WechatApiError``, whose text is the code and message only: wechatpy's and
  requests' exceptions carry the request, whose URL holds the app secret or the token.

Errors, and whether trying again later can help::

    WechatApiError(errcode, errmsg)   .retryable
      WeChat busy (-1, -1000), a rate limit (45009, 45011), the token still refused
      after one refresh (40001, 40014, 42001), no usable answer (TRANSPORT_ERROR:
      connection, time-out, HTTP status, not JSON), the account's set-up (bad app id
      or secret, server IP not whitelisted, API not granted: a setting to fix, not a
      bad message, as with the mail relay)                            -> True
      anything else: outside the 48-hour window or unsubscribed (45015, 43004), too
      many replies (45047), unknown openid (40003), media (40007) or code (40029) -> False
      MediaTooLarge                                                    -> False
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests
from redis import Redis
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.oauth import WeChatOAuth
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from adapters.wechat.account import WechatAccount

DEFAULT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_TIMEOUT = 10.0
MEDIA_LIMIT = 10 * 1024 * 1024
STORAGE_NAMESPACE = "wechat"  # Redis key: {HUB_REDIS_PREFIX}wechat:{app_id}_access_token
CHUNK_SIZE = 64 * 1024

# Codes of our own, below the lowest WeChat uses (-1000).
TRANSPORT_ERROR = -1001
MEDIA_TOO_LARGE = -1002
NOT_A_FILE = -1003

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
SETUP_ERRORS = frozenset({40013, 40125, 40164, 41004, 48001})
RETRYABLE = frozenset({-1000, -1, 45009, 45011, TRANSPORT_ERROR}) | TOKEN_ERRORS | SETUP_ERRORS
SECRET_PARAMS = ("access_token", "secret")

P = ParamSpec("P")
T = TypeVar("T")


class WechatApiError(Exception):
    """WeChat refused the call or gave no usable answer; ``retryable`` says if later may work."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errcode, errmsg)  # as args, so the error pickles (rq, logs)
        self.errcode = errcode
        self.errmsg = errmsg

    def __str__(self) -> str:
        return f"WeChat error {self.errcode}: {self.errmsg}"

    @property
    def retryable(self) -> bool:
        return self.errcode in RETRYABLE


class MediaTooLarge(WechatApiError):
    """The media is over the cap; refused before it is read whole."""

    def __init__(self, limit: int) -> None:
        super().__init__(MEDIA_TOO_LARGE, f"media larger than {limit} bytes")
        self.args = (limit,)


@dataclass(frozen=True)
class Media:
    data: bytes = field(repr=False)
    content_type: str
    filename: str | None


@dataclass(frozen=True)
class WechatUser:
    openid: str
    nickname: str | None
    unionid: str | None  # only when the account is bound to an Open Platform account
    subscribed: bool
    language: str | None


class _TimeoutSession(requests.Session):
    """Gives every request a time-out, whoever makes it: wechatpy's token fetch passes none."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(
        self, method: str, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class HubWechatClient(WeChatClient):
    """wechatpy's client pointed at ``api_base``, refreshing the token once per call at most.

    It keeps per-call state (the refresh budget) and a requests.Session, whose thread
    safety requests does not promise: one thread at a time, which ``WechatClients`` ensures.
    """

    def __init__(
        self, account: WechatAccount, *, api_base: str, storage: SessionStorage, timeout: float
    ) -> None:
        super().__init__(account.app_id, account.app_secret, session=storage, timeout=timeout)
        self._http.close()
        self._http: requests.Session = _TimeoutSession(timeout)
        self.api_base = api_base.rstrip("/")
        # An instance attribute wins over WeChatClient's class constant, which wechatpy reads.
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"
        self._depth = 0
        self._refreshes_left = 0

    def fetch_access_token(self) -> dict[str, Any]:
        url = f"{self.api_base}/cgi-bin/token"
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        return dict(self._fetch_access_token(url=url, params=params))

    def oauth(self) -> WeChatOAuth:
        """wechatpy's OAuth helper on our base, time-out and connections."""
        oauth = WeChatOAuth(self.appid, self.secret, redirect_uri="")
        oauth._http.close()
        oauth._http = self._http
        oauth.API_BASE_URL = f"{self.api_base}/"
        return oauth

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        # wechatpy retries through _request itself: only the outermost call sets the budget.
        if self._depth == 0:
            self._refreshes_left = 1
        # Streamed so media can be capped; JSON answers are read at once in _decode_result.
        kwargs.setdefault("stream", True)
        self._depth += 1
        try:
            return super()._request(method, url_or_endpoint, **kwargs)
        finally:
            self._depth -= 1

    def _decode_result(self, res: Any) -> Any:
        if _is_textual(res):
            return super()._decode_result(res)
        return res  # a file: the caller reads it, within the cap

    def _handle_result(
        self,
        res: Any,
        method: str | None = None,
        url: str | None = None,
        result_processor: Any = None,
        **kwargs: Any,
    ) -> Any:
        result = self._decode_result(res)
        if isinstance(result, dict) and _errcode(result.get("errcode")) in TOKEN_ERRORS:
            if self._refreshes_left <= 0:
                errmsg = str(result.get("errmsg", ""))
                raise WeChatClientException(
                    _errcode(result["errcode"]), errmsg, self, res.request, res
                )
            self._refreshes_left -= 1
        return super()._handle_result(res, method, url, result_processor, **kwargs)


# Without Redis, every client of this process shares one memory per API: a job makes a
# client of its own, and a token per job would spend WeChat's daily cap on token fetches.
_PROCESS_TOKENS: dict[str, MemoryStorage] = {}


def token_storage(redis_client: Redis | None, prefix: str, api_base: str = "") -> SessionStorage:
    """Redis when there is one, so every web process and worker shares one token (WeChat
    caps token fetches per day); else this process' memory, shared by its clients."""
    if redis_client is None:
        return _PROCESS_TOKENS.setdefault(api_base, MemoryStorage())
    return RedisStorage(redis_client, prefix=f"{prefix}{STORAGE_NAMESPACE}")


class WechatClients:
    """The sync side: clients for one account, each lent to one thread at a time.

    A client is neither shared between threads (see ``HubWechatClient``) nor made per call:
    an idle one keeps its connections to WeChat open for the next call. The token lives in
    the shared storage, so all clients use the same one.
    """

    def __init__(
        self, account: WechatAccount, *, api_base: str, storage: SessionStorage, timeout: float
    ) -> None:
        self._account = account
        self._api_base = api_base
        self._storage = storage
        self._timeout = timeout
        self._idle: list[HubWechatClient] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def lend(self) -> Iterator[HubWechatClient]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the WeChat clients are closed")
            client = self._idle.pop() if self._idle else self._new_client()
        try:
            yield client
        finally:
            with self._lock:
                if self._closed:
                    client.close()
                else:
                    self._idle.append(client)

    def run(
        self,
        operation: Callable[Concatenate[HubWechatClient, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``operation`` on a lent client; every failure becomes a ``WechatApiError``.

        The error is raised outside the ``except`` block so it does not even keep the
        original (and its request URL) as ``__context__``.
        """
        with self.lend() as client:
            try:
                return operation(client, *args, **kwargs)
            except WeChatClientException as exc:
                error = self._translate(exc)
            except requests.Timeout:
                error = WechatApiError(TRANSPORT_ERROR, f"no answer within {self._timeout:g} s")
            except requests.JSONDecodeError:
                error = WechatApiError(TRANSPORT_ERROR, "the answer is not JSON")
            except requests.RequestException as exc:
                error = WechatApiError(
                    TRANSPORT_ERROR, f"cannot reach WeChat: {type(exc).__name__}"
                )
            except ValueError:  # wechatpy's own json.loads of a non-JSON answer
                error = WechatApiError(TRANSPORT_ERROR, "the answer is not JSON")
        raise error

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for client in idle:
            client.close()

    def _new_client(self) -> HubWechatClient:
        return HubWechatClient(
            self._account, api_base=self._api_base, storage=self._storage, timeout=self._timeout
        )

    def _translate(self, exc: WeChatClientException) -> WechatApiError:
        if exc.response is not None:
            exc.response.close()  # streamed: an unread body would hold its connection
        if exc.errcode is None:  # wechatpy's wrapper of an HTTP status error
            status = getattr(exc.response, "status_code", "error")
            return WechatApiError(TRANSPORT_ERROR, f"HTTP {status}")
        hidden = {self._account.app_secret, *_secret_params(exc.request)}
        return WechatApiError(_errcode(exc.errcode), _redact(str(exc.errmsg), hidden))


class WechatApi:
    """One account's WeChat API for async code: wechatpy runs in a worker thread per call."""

    def __init__(
        self,
        account: WechatAccount,
        api_base: str = DEFAULT_API_BASE,
        redis: Redis | None = None,
        prefix: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        *,
        media_limit: int = MEDIA_LIMIT,
    ) -> None:
        storage = token_storage(redis, prefix, api_base)
        self.clients = WechatClients(account, api_base=api_base, storage=storage, timeout=timeout)
        self.media_limit = media_limit

    async def send_text(self, openid: str, text: str) -> None:
        """A customer-service message: WeChat accepts it within 48 h of the user's last one."""
        await self._run(_send_text, openid, text)

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> int:
        """A template message (allowed outside the 48 h window); returns WeChat's msgid."""
        return await self._run(_send_template, openid, template_id, data, url)

    async def download_media(self, media_id: str) -> Media:
        """A file the user sent (temporary media, kept 3 days by WeChat), up to ``media_limit``."""
        return await self._run(_download_media, media_id, self.media_limit)

    async def user_info(self, openid: str) -> WechatUser:
        return await self._run(_user_info, openid)

    async def oauth_openid(self, code: str) -> str:
        """The openid behind an snsapi_base OAuth code (each code works once)."""
        return await self._run(_oauth_openid, code)

    async def close(self) -> None:
        self.clients.close()

    async def _run(
        self,
        operation: Callable[Concatenate[HubWechatClient, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        def call() -> T:
            return self.clients.run(operation, *args, **kwargs)

        return await asyncio.to_thread(call)


def _send_text(client: HubWechatClient, openid: str, text: str) -> None:
    _json(client.message.send_text(openid, text))


def _send_template(
    client: HubWechatClient, openid: str, template_id: str, data: dict[str, str], url: str | None
) -> int:
    fields = {key: {"value": value} for key, value in data.items()}
    return int(_json(client.message.send_template(openid, template_id, fields, url=url))["msgid"])


def _download_media(client: HubWechatClient, media_id: str, limit: int) -> Media:
    answer = client.media.download(media_id)
    if not isinstance(answer, requests.Response):
        raise WechatApiError(NOT_A_FILE, "the media is not a file (a video answers with a link)")
    with answer:
        if _is_textual(answer):  # neither JSON nor a file: a proxy's page, say
            raise WechatApiError(TRANSPORT_ERROR, "the answer is not a file")
        declared = answer.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise MediaTooLarge(limit)
        data = bytearray()
        for chunk in answer.iter_content(CHUNK_SIZE):
            data += chunk
            if len(data) > limit:
                raise MediaTooLarge(limit)
        content_type = answer.headers.get("Content-Type", "application/octet-stream")
        return Media(bytes(data), content_type.split(";")[0].strip(), _filename(answer))


def _user_info(client: HubWechatClient, openid: str) -> WechatUser:
    info = _json(client.user.get(openid))
    return WechatUser(
        openid=str(info.get("openid", openid)),
        nickname=info.get("nickname") or None,
        unionid=info.get("unionid") or None,
        subscribed=info.get("subscribe") == 1,
        language=language_tag(info.get("language")),
    )


# WeChat's tags: "zh_CN", "zh_TW", "zh_HK", "en", "ja"... (underscores, as WeChat writes them).
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}")
TAG_LENGTH = 16  # wechat_users.language


def language_tag(value: Any) -> str | None:
    """The user's language tag as WeChat gives it, or None for anything not shaped like
    one: it is kept as is (hub.i18n maps it when a text is written), so a language the hub
    learns to speak later is used without reading the profile again."""
    if not isinstance(value, str):
        return None
    tag = value.strip()
    return tag if len(tag) <= TAG_LENGTH and _TAG.fullmatch(tag) else None


def _oauth_openid(client: HubWechatClient, code: str) -> str:
    return str(client.oauth().fetch_access_token(code)["openid"])


def _json(answer: Any) -> dict[str, Any]:
    """A JSON object, or a retryable error: a proxy's HTML page is not WeChat's answer."""
    if isinstance(answer, dict):
        return answer
    if isinstance(answer, requests.Response):
        answer.close()
    raise WechatApiError(TRANSPORT_ERROR, "the answer is not JSON")


def _is_textual(answer: requests.Response) -> bool:
    """JSON, or text that may be JSON: WeChat labels some JSON answers text/plain."""
    content_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type in ("", "application/json") or content_type.startswith("text/")


def _filename(answer: requests.Response) -> str | None:
    header = Message()
    header["Content-Disposition"] = answer.headers.get("Content-Disposition", "")
    return header.get_filename()


def _errcode(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return TRANSPORT_ERROR


def _secret_params(request: Any) -> list[str]:
    """The token or secret a request carried in its URL."""
    url = getattr(request, "url", None) or ""
    query = parse_qs(urlsplit(url).query)
    return [value for name in SECRET_PARAMS for value in query.get(name, [])]


def _redact(text: str, hidden: set[str]) -> str:
    for value in hidden:
        if value:
            text = text.replace(value, "[hidden]")
    return text
