"""A WeChat follower's own language, on both databases: read with their user info (the fake
WeChat API), kept on the follower, and spoken to them when their profile names none —
before the store's first language. Here the follower follows, scans a Shanghai boutique's
QR code (whose staff write zh-Hans first) and writes."""

# Chinese texts use Chinese punctuation (full-width commas and question marks).
# ruff: noqa: RUF001

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
from sqlalchemy import select

from hub.api.feedback import FEEDBACK
from hub.db.channel_models import WechatUser
from hub.db.models import Conversation, Customer
from tests.conftest import FakeClock
from tests.factories import make_staff, make_store
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.wechat_support import WechatHub, start_wechat_hub
from tests.wechat_signing import OPENID, scan_xml, subscribe_xml, text_xml

_msg_ids = count(91001)


@pytest.fixture
async def wechat(
    aiohttp_client: Any, database_url: str, clock: FakeClock, wechat_api: FakeWechatApi
) -> WechatHub:
    wechat = await start_wechat_hub(aiohttp_client, database_url, clock, wechat_api, hours=None)
    await make_store(
        wechat.hub.db,
        clock(),
        code="SHANGHAI1",
        languages="zh-Hans,en",
        timezone="Asia/Shanghai",
        country="CN",
    )
    return wechat


async def follows_and_scans(wechat: WechatHub, api: FakeWechatApi, language: str) -> str:
    """A follower whose WeChat is set to ``language`` follows the account (the hub reads
    their user info), then scans the Shanghai boutique's code: returns the greeting."""
    api.add_user(OPENID, nickname="Lin", language=language)
    assert await wechat.post(subscribe_xml(create_time=wechat.clock())) == (200, "success")
    await wechat.settle()
    assert await wechat.post(scan_xml("store:SHANGHAI1", create_time=wechat.clock())) == (
        200,
        "success",
    )
    await wechat.settle()
    greeting = await api.next_custom_message()
    assert greeting.openid == OPENID
    return greeting.text


async def writes(wechat: WechatHub, text: str) -> Conversation:
    xml = text_xml(text, msg_id=str(next(_msg_ids)), create_time=wechat.clock())
    assert await wechat.post(xml) == (200, "success")
    await wechat.settle()
    (conversation,) = await wechat.conversations()
    assert conversation.store.code == "SHANGHAI1"
    return conversation


async def follower(wechat: WechatHub) -> WechatUser:
    async with wechat.hub.db.reading() as session:
        user = await session.scalar(select(WechatUser).where(WechatUser.openid == OPENID))
    assert user is not None
    return user


async def test_a_follower_whose_wechat_is_in_english_is_answered_in_english_in_shanghai(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    greeting = await follows_and_scans(wechat, wechat_api, "en")
    assert (await follower(wechat)).language == "en"  # kept as WeChat gives it
    assert greeting == (
        "Welcome to Boutique SHANGHAI1. Write to us here and an ambassador will answer."
    )
    conversation = await writes(wechat, "Hello, is the Serpent ring in stock?")
    assert conversation.language == "en"  # not the boutique's first language, zh-Hans


async def test_a_zh_tw_follower_is_written_to_in_traditional_chinese(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    greeting = await follows_and_scans(wechat, wechat_api, "zh_TW")
    assert (await follower(wechat)).language == "zh_TW"
    assert greeting == "歡迎來到Boutique SHANGHAI1。請在此給我們留言，顧問將為您解答。"
    conversation = await writes(wechat, "你好，我想看看戒指")
    assert conversation.language == "zh-Hant"
    # Served and closed: the satisfaction question comes in Traditional characters too.
    lin = await make_staff(wechat.hub.db, wechat.clock(), store="SHANGHAI1", role="manager")
    await wechat.hub.inbox.reply(lin, conversation.id, "r-1", "您好，很樂意為您服務")
    await wechat.settle()
    assert (await wechat_api.next_custom_message()).text == "您好，很樂意為您服務"
    await wechat.hub.inbox.close(lin, conversation.id)
    await wechat.client.app[FEEDBACK].service.idle()
    await wechat.settle()
    question = await wechat_api.next_custom_message()
    assert question.openid == OPENID
    assert question.text.startswith("您如何評價與Boutique SHANGHAI1的這次溝通？")


async def test_the_profiles_language_still_comes_first(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    wechat_api.add_user(OPENID, nickname="Lin", language="en")
    await wechat.post(subscribe_xml(create_time=wechat.clock()))
    await wechat.settle()
    user = await follower(wechat)
    assert user.language == "en" and user.customer_id is not None
    async with wechat.hub.db.transaction() as session:
        customer = await session.get(Customer, user.customer_id)
        assert customer is not None
        customer.preferences = {**(customer.preferences or {}), "language": "ja"}
    await wechat.post(scan_xml("store:SHANGHAI1", create_time=wechat.clock()))
    await wechat.settle()
    greeting = await wechat_api.next_custom_message()
    assert greeting.text.startswith("Boutique SHANGHAI1へようこそ。")
    conversation = await writes(wechat, "こんにちは")
    assert conversation.language == "ja"


@pytest.mark.parametrize("tag", ["pt_BR", "<b>en</b>"])
async def test_a_language_the_hub_does_not_speak_falls_through_to_the_store(
    wechat: WechatHub, wechat_api: FakeWechatApi, tag: str
) -> None:
    greeting = await follows_and_scans(wechat, wechat_api, tag)
    # A tag is kept (the hub may learn Portuguese); something that is not one is not.
    assert (await follower(wechat)).language == ("pt_BR" if tag == "pt_BR" else None)
    assert greeting == "欢迎来到Boutique SHANGHAI1。请在此给我们留言，顾问将为您解答。"
    conversation = await writes(wechat, "Olá")
    assert conversation.language == "zh-Hans"
