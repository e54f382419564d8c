"""The hub's WeChat API client against a real HTTP fake of WeChat and the real Redis: what
reaches the user, how often a token is fetched, which failures are worth retrying, and
that no secret or token ever shows in an error."""

from __future__ import annotations

import asyncio
import secrets
import socket
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
from redis import Redis

from adapters.wechat.account import WechatAccount
from adapters.wechat.api import (
    MEDIA_TOO_LARGE,
    TRANSPORT_ERROR,
    WechatApi,
    WechatApiError,
)
from tests.fakes import wechat_api as fake_wechat
from tests.fakes.wechat_api import FakeWechatApi

REDIS_URL = "redis://127.0.0.1:6379/0"
OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"  # 28 characters, like WeChat's
CUSTOM = "/cgi-bin/message/custom/send"
TOKEN = "/cgi-bin/token"

MakeApi = Callable[..., WechatApi]
wechat_api = fake_wechat.wechat_api  # the fixture, until tests/conftest.py imports it


@pytest.fixture
def account(wechat_api: FakeWechatApi) -> WechatAccount:
    account = WechatAccount(
        id=uuid4().hex,
        name="maison",
        app_id=f"wx{secrets.token_hex(8)}",
        app_secret=secrets.token_hex(16),
        token="callback-token",
        aes_key="a" * 43,
    )
    wechat_api.add_app(account.app_id, account.app_secret)
    return account


@pytest.fixture
def redis() -> Iterator[tuple[Redis, str]]:
    """The real Redis and a key prefix of this test's own, emptied afterwards."""
    client = Redis.from_url(REDIS_URL)
    prefix = f"test:{uuid4().hex}:"
    yield client, prefix
    stale = list(client.scan_iter(match=f"{prefix}*"))
    if stale:
        client.delete(*stale)
    client.close()


@pytest.fixture
async def make_api(
    wechat_api: FakeWechatApi,
    account: WechatAccount,
    redis: tuple[Redis, str],
) -> AsyncIterator[MakeApi]:
    """WechatApi instances on the fake, sharing the test's Redis unless told otherwise."""
    made: list[WechatApi] = []

    def make(**overrides: Any) -> WechatApi:
        options: dict[str, Any] = {
            "account": account,
            "api_base": wechat_api.base_url,
            "redis": redis[0],
            "prefix": redis[1],
            "timeout": 5.0,
        }
        api = WechatApi(**(options | overrides))
        made.append(api)
        return api

    yield make
    for api in made:
        await api.close()


async def failure(call: Awaitable[object]) -> WechatApiError:
    """The WechatApiError the call ends with."""
    with pytest.raises(WechatApiError) as caught:
        await call
    return caught.value


async def test_a_text_message_reaches_the_user(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
    account: WechatAccount,
) -> None:
    await make_api().send_text(OPENID, "Bonjour, votre sac est prêt ✨")

    sent = await wechat_api.next_custom_message()
    assert (sent.app_id, sent.openid, sent.text) == (
        account.app_id,
        OPENID,
        "Bonjour, votre sac est prêt ✨",
    )
    assert sent.body["msgtype"] == "text"


async def test_one_token_serves_every_process_sharing_redis(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
    account: WechatAccount,
    redis: tuple[Redis, str],
) -> None:
    web, worker = make_api(), make_api()
    await web.send_text(OPENID, "one")
    await worker.send_text(OPENID, "two")

    assert wechat_api.calls[TOKEN] == 1
    assert [m.text for m in wechat_api.custom_messages] == ["one", "two"]
    client, prefix = redis
    key = f"{prefix}wechat:{account.app_id}_access_token"
    assert 0 < client.ttl(key) <= 7200


async def test_without_redis_the_token_is_kept_in_memory(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
    redis: tuple[Redis, str],
) -> None:
    api = make_api(redis=None)
    await api.send_text(OPENID, "one")
    await api.send_text(OPENID, "two")

    assert wechat_api.calls[TOKEN] == 1
    client, prefix = redis
    assert list(client.scan_iter(match=f"{prefix}*")) == []


async def test_an_expired_token_is_refreshed_once_and_the_message_still_goes_out(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    api = make_api()
    await api.send_text(OPENID, "before")
    wechat_api.expire_tokens()

    await api.send_text(OPENID, "after")

    assert [m.text for m in wechat_api.custom_messages] == ["before", "after"]
    assert wechat_api.calls[TOKEN] == 2
    assert wechat_api.calls[CUSTOM] == 3  # before, after refused (42001), after again


async def test_a_token_refused_for_ever_fails_after_one_refresh(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    wechat_api.fail_next(CUSTOM, 40001, "invalid credential", times=1_000)

    error = await failure(make_api().send_text(OPENID, "hello"))

    assert (error.errcode, error.retryable) == (40001, True)
    assert wechat_api.calls[TOKEN] == 2
    assert wechat_api.calls[CUSTOM] == 2
    assert wechat_api.custom_messages == []


@pytest.mark.parametrize(
    ("errcode", "errmsg"),
    [
        (45015, "response out of time limit or subscription is canceled"),
        (45047, "out of response count limit"),
        (40003, "invalid openid"),
    ],
)
async def test_messages_the_user_cannot_receive_fail_for_good(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
    errcode: int,
    errmsg: str,
) -> None:
    wechat_api.fail_next(CUSTOM, errcode, errmsg)

    error = await failure(make_api().send_text(OPENID, "hello"))

    assert (error.errcode, error.errmsg, error.retryable) == (errcode, errmsg, False)
    assert str(error) == f"WeChat error {errcode}: {errmsg}"


async def test_an_unsubscribed_user_cannot_be_messaged(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    wechat_api.add_user(OPENID, subscribed=False)

    error = await failure(make_api().send_text(OPENID, "hello"))

    assert (error.errcode, error.retryable) == (43004, False)


async def test_wechat_busy_or_rate_limited_is_worth_retrying(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    api = make_api()
    wechat_api.fail_next(CUSTOM, -1, "system error")
    wechat_api.fail_next(CUSTOM, 45009, "reach max api daily quota limit")

    busy = await failure(api.send_text(OPENID, "hello"))
    limited = await failure(api.send_text(OPENID, "hello"))
    await api.send_text(OPENID, "hello")

    assert [(e.errcode, e.retryable) for e in (busy, limited)] == [(-1, True), (45009, True)]
    assert len(wechat_api.custom_messages) == 1


async def test_an_http_error_is_worth_retrying(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    wechat_api.fail_http_next(CUSTOM, 503)

    error = await failure(make_api().send_text(OPENID, "hello"))

    assert (error.errcode, error.errmsg, error.retryable) == (TRANSPORT_ERROR, "HTTP 503", True)


async def test_a_call_that_gets_no_answer_times_out_and_is_worth_retrying(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    api = make_api(timeout=0.3)
    await api.send_text(OPENID, "token first")
    wechat_api.hold(CUSTOM)

    error = await failure(api.send_text(OPENID, "hello"))

    assert (error.errcode, error.retryable) == (TRANSPORT_ERROR, True)
    assert "0.3 s" in error.errmsg


async def test_the_event_loop_keeps_running_while_a_call_waits_on_wechat(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    """The fake WeChat runs on this very loop: a call blocking the loop would never end."""
    wechat_api.hold(CUSTOM)
    sending = asyncio.create_task(make_api().send_text(OPENID, "hello"))

    assert await wechat_api.next_held() == CUSTOM
    assert not sending.done()
    wechat_api.release(CUSTOM)
    await asyncio.wait_for(sending, 10)

    assert (await wechat_api.next_custom_message()).text == "hello"


async def test_a_template_message_wraps_each_value(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    msgid = await make_api().send_template(
        OPENID,
        "TPL-appointment",
        {"first": "Votre rendez-vous", "keyword1": "25/11 15:00"},
        url="https://hub.example.com/appointments/1",
    )

    sent = await wechat_api.next_template_message()
    assert sent.body == {
        "touser": OPENID,
        "template_id": "TPL-appointment",
        "url": "https://hub.example.com/appointments/1",
        "data": {"first": {"value": "Votre rendez-vous"}, "keyword1": {"value": "25/11 15:00"}},
    }
    assert msgid > 0


async def test_a_template_message_without_a_link_sends_none(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    await make_api().send_template(OPENID, "TPL-ready", {"first": "Prêt"})

    assert "url" not in (await wechat_api.next_template_message()).body


async def test_media_downloads_with_its_type_and_name(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    photo = secrets.token_bytes(200_000)
    wechat_api.add_media("MEDIA_photo", photo, "image/jpeg", "photo.jpg")
    wechat_api.add_media("MEDIA_voice", b"#!AMR\n" + bytes(500), "audio/amr", chunked=True)
    api = make_api()

    image = await api.download_media("MEDIA_photo")
    voice = await api.download_media("MEDIA_voice")

    assert (image.data, image.content_type, image.filename) == (photo, "image/jpeg", "photo.jpg")
    assert (voice.data[:6], voice.content_type, voice.filename) == (
        b"#!AMR\n",
        "audio/amr",
        "MEDIA_voice.amr",
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["declared-length", "chunked"])
async def test_media_over_the_cap_is_refused_for_good(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
    chunked: bool,
) -> None:
    wechat_api.add_media("MEDIA_big", bytes(300_000), "video/mp4", chunked=chunked)
    wechat_api.add_media("MEDIA_small", bytes(1_000), "image/png")
    api = make_api(media_limit=100_000)

    error = await failure(api.download_media("MEDIA_big"))

    assert (error.errcode, error.retryable) == (MEDIA_TOO_LARGE, False)
    assert len((await api.download_media("MEDIA_small")).data) == 1_000


async def test_unknown_media_fails_for_good(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    error = await failure(make_api().download_media("MEDIA_gone"))

    assert (error.errcode, error.retryable) == (40007, False)


async def test_user_info_with_and_without_a_unionid(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    linked, alone, gone = OPENID, OPENID[:-1] + "1", OPENID[:-1] + "2"
    wechat_api.add_user(linked, "Léa", unionid="oUnion0001", language="fr")
    wechat_api.add_user(alone, "Wei")
    wechat_api.add_user(gone, unionid="oUnion0002", subscribed=False)
    api = make_api()

    users = [await api.user_info(openid) for openid in (linked, alone, gone)]

    assert [(u.openid, u.nickname, u.unionid, u.subscribed, u.language) for u in users] == [
        (linked, "Léa", "oUnion0001", True, "fr"),
        (alone, "Wei", None, True, "zh_CN"),
        (gone, None, "oUnion0002", False, None),
    ]
    unknown = await failure(api.user_info("oNobody"))
    assert (unknown.errcode, unknown.retryable) == (40003, False)


async def test_an_oauth_code_gives_the_openid_once(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
) -> None:
    wechat_api.add_oauth_code("CODE-1", OPENID)
    api = make_api()

    assert await api.oauth_openid("CODE-1") == OPENID
    reused = await failure(api.oauth_openid("CODE-1"))
    unknown = await failure(api.oauth_openid("CODE-forged"))

    assert [(e.errcode, e.retryable) for e in (reused, unknown)] == [(40163, False), (40029, False)]
    assert wechat_api.calls["/sns/oauth2/access_token"] == 3


def assert_hidden(error: WechatApiError, *values: str) -> None:
    text = "\n".join([str(error), repr(error), error.errmsg, *traceback.format_exception(error)])
    for value in values:
        assert value not in text


async def test_errors_never_show_the_secret_or_the_token(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
    account: WechatAccount,
) -> None:
    api = make_api()
    await api.send_text(OPENID, "token first")
    (token,) = wechat_api.issued_tokens[account.app_id]
    # requests names the URL, token included, in an HTTP error.
    wechat_api.fail_http_next(CUSTOM, 503)
    http = await failure(api.send_text(OPENID, "hello"))
    # A server echoing what it was sent.
    wechat_api.fail_next(CUSTOM, 40003, f"invalid openid {token} {account.app_secret}")
    echoed = await failure(api.send_text(OPENID, "hello"))

    assert_hidden(http, token, account.app_secret)
    assert_hidden(echoed, token, account.app_secret)
    assert echoed.errmsg == "invalid openid [hidden] [hidden]"


async def test_an_unreachable_or_refusing_server_does_not_show_the_secret(
    make_api: MakeApi,
    wechat_api: FakeWechatApi,
    account: WechatAccount,
) -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{closed.getsockname()[1]}"
        unreachable = await failure(make_api(api_base=base).send_text(OPENID, "hello"))
    wechat_api.add_app(account.app_id, "another-secret")
    refused = await failure(make_api().send_text(OPENID, "hello"))

    assert (unreachable.errcode, unreachable.retryable) == (TRANSPORT_ERROR, True)
    assert (refused.errcode, refused.errmsg, refused.retryable) == (
        40125,
        "invalid appsecret",
        True,  # a setting to fix, not a bad message
    )
    assert_hidden(unreachable, account.app_secret)
    assert_hidden(refused, account.app_secret)
