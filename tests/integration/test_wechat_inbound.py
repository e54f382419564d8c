"""WeChat callbacks into the hub, on both databases: every mode, retries stored once,
refusals that store nothing, media fetched through the API, events acted on, and the
follower linked to one customer profile."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub.db.channel_models import Attachment, WechatUser
from hub.db.models import Customer, CustomerIdentity
from tests.conftest import FakeClock
from tests.factories import make_staff, make_store
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.wechat_support import WechatHub, add_wechat_account, start_wechat_hub
from tests.wechat_signing import (
    OPENID,
    click_xml,
    image_xml,
    link_xml,
    location_xml,
    message_xml,
    scan_xml,
    subscribe_xml,
    text_xml,
    unsubscribe_xml,
    voice_xml,
)


@pytest.fixture
async def wechat(
    aiohttp_client: Any, database_url: str, clock: FakeClock, wechat_api: FakeWechatApi
) -> WechatHub:
    wechat = await start_wechat_hub(
        aiohttp_client, database_url, clock, wechat_api, hours=None, welcome_text="欢迎 Welcome"
    )
    db = wechat.hub.db
    await make_store(db, clock(), code="SHANGHAI1", timezone="Asia/Shanghai", country="CN")
    await make_staff(db, clock(), name="Amélie Laurent")
    return wechat


@pytest.mark.parametrize("mode", ["plain", "compatible", "aes"])
async def test_a_text_in_each_mode_arrives_once_however_often_wechat_retries(
    wechat: WechatHub, mode: Any
) -> None:
    xml = text_xml("Bonjour, is the Serpent ring in stock?", msg_id="1001")
    answers = [await wechat.post(xml, mode) for _ in range(4)]  # the first and three retries
    assert answers == [(200, "success")] * 4
    await wechat.settle()
    (message,) = await wechat.messages()
    assert message.text == "Bonjour, is the Serpent ring in stock?"
    assert message.channel == "wechat" and message.author_kind == "customer"
    (conversation,) = await wechat.conversations()
    assert conversation.contact == OPENID and conversation.status == "queued"
    assert await wechat.spooled() == 1
    async with wechat.hub.db.reading() as session:
        identity = await session.scalar(
            select(CustomerIdentity).where(CustomerIdentity.kind == "wechat_openid")
        )
    assert identity is not None and identity.value == OPENID and identity.verified
    assert identity.customer_id == conversation.customer_id


async def test_messages_of_one_follower_keep_their_order_in_one_conversation(
    wechat: WechatHub,
) -> None:
    for n in range(5):
        assert await wechat.post(text_xml(f"line {n}", msg_id=str(2000 + n))) == (200, "success")
    await wechat.settle()
    assert [m.text for m in await wechat.messages()] == [f"line {n}" for n in range(5)]
    assert len(await wechat.conversations()) == 1


async def test_a_safe_mode_account_refuses_a_plaintext_callback(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    safe = await add_wechat_account(
        wechat.client, wechat.clock, wechat_api, name="hk", app_id="wx00000000000000aa", mode="safe"
    )
    status, _ = await wechat.post(text_xml("hello", msg_id="3001"), "plain", account=safe)
    assert status == 403
    assert await wechat.post(text_xml("hello", msg_id="3001"), "aes", account=safe) == (
        200,
        "success",
    )


async def test_forged_old_and_hostile_callbacks_are_refused_and_store_nothing(
    wechat: WechatHub,
) -> None:
    client, clock, account = wechat.client, wechat.clock, wechat.account
    from tests.wechat_signing import callback

    query, body = callback(account, "aes", text_xml("hi", msg_id="4001"), clock())
    forged = {**query, "msg_signature": "0" * 40}
    response = await client.post(f"/wechat/{account.name}", params=forged, data=body)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "bad_signature"

    clock.advance(minutes=10)  # the same callback, replayed ten minutes later
    response = await client.post(f"/wechat/{account.name}", params=query, data=body)
    assert response.status == 403
    clock.advance(minutes=-10)

    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>'
    )
    for inner in (bomb, message_xml({"ToUserName": "gh", "FromUserName": OPENID})):
        status, _ = await wechat.post(inner, "plain")
        assert status == 400
    too_big = b"<xml>" + b"x" * (70 * 1024) + b"</xml>"
    query, _body = callback(account, "plain", "<xml/>", clock())
    response = await client.post(f"/wechat/{account.name}", params=query, data=too_big)
    assert response.status == 413
    response = await client.post("/wechat/nobody", params=query, data=body)
    assert response.status == 404
    await wechat.settle()
    assert await wechat.spooled() == 0 and await wechat.messages() == []


async def test_the_url_check_echoes_only_for_a_valid_signature(wechat: WechatHub) -> None:
    from tests.wechat_signing import echo_query

    query = echo_query(wechat.account, wechat.clock(), echostr="5837397520216178930")
    response = await wechat.client.get(f"/wechat/{wechat.account.name}", params=query)
    assert response.status == 200 and await response.text() == "5837397520216178930"
    response = await wechat.client.get(
        f"/wechat/{wechat.account.name}", params={**query, "signature": "f" * 40}
    )
    assert response.status == 403 and "5837397520216178930" not in await response.text()


async def test_an_image_is_fetched_through_the_api_and_served_to_the_console(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    picture = b"\xff\xd8\xff\xe0 a ring on a hand"
    wechat_api.add_media("qHM_DRpTWuMbhJOo0J6vrkqfeSxLS1ki1OUbGIbuajE5", picture, "image/jpeg")
    assert await wechat.post(image_xml()) == (200, "success")
    await wechat.settle()
    (message,) = await wechat.messages()
    assert message.text == "[Image]"
    (entry,) = message.data["attachments"]  # type: ignore[index]
    assert entry["status"] == "ready" and entry["content_type"] == "image/jpeg"
    manager = await make_staff(wechat.hub.db, wechat.clock(), role="manager", email="m@t.c")
    login = await wechat.client.post(
        "/api/auth/login", json={"email": manager.email, "password": "correct horse battery"}
    )
    token = (await login.json())["token"]
    response = await wechat.client.get(
        f"/api/attachments/{entry['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 200 and await response.read() == picture
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    anonymous = await wechat.client.get(f"/api/attachments/{entry['id']}")
    assert anonymous.status == 404  # as if it did not exist (issue #12)


async def test_media_wechat_no_longer_has_shows_as_failed(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    assert await wechat.post(image_xml(msg_id="5002", media_id="gone_media")) == (200, "success")
    await wechat.settle()
    (message,) = await wechat.messages()
    assert message.data["attachments"][0]["status"] == "failed"  # type: ignore[index]
    async with wechat.hub.db.reading() as session:
        row = await session.scalar(select(Attachment))
    assert row is not None and row.status == "failed" and "40007" in (row.last_error or "")


async def test_voice_shows_its_transcript_and_location_and_link_their_details(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    wechat_api.add_media("1kHIYTkSgRKP4fYldJrZ4Z8VlBw0b6nRGcq8q5mS8_4", b"#!AMR\n", "audio/amr")
    await wechat.post(voice_xml(recognition="我想预约看戒指"))
    await wechat.post(location_xml())
    await wechat.post(link_xml())
    await wechat.settle()
    voice, place, link = await wechat.messages()
    assert voice.text == "[Voice message] 我想预约看戒指"
    assert voice.data["transcript"] == "我想预约看戒指"  # type: ignore[index]
    assert voice.data["attachments"][0]["status"] == "ready"  # type: ignore[index]
    assert place.text == "[Location] Plaza 66, Nanjing West Road"
    assert place.data["location"]["latitude"] == pytest.approx(31.230416)  # type: ignore[index]
    assert link.data["link"]["url"] == "https://example.com/collection"  # type: ignore[index]


async def test_following_gets_the_welcome_and_unfollowing_is_remembered(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    assert await wechat.post(subscribe_xml()) == (200, "success")
    await wechat.settle()
    welcome = await wechat_api.next_custom_message()
    assert welcome.openid == OPENID and welcome.text == "欢迎 Welcome"
    assert await wechat.conversations() == []  # following alone asks nobody to answer
    await wechat.post(unsubscribe_xml(create_time=wechat.clock()))
    await wechat.settle()
    async with wechat.hub.db.reading() as session:
        user = await session.scalar(select(WechatUser))
    assert user is not None and not user.subscribed and user.unsubscribed_at is not None


async def test_a_boutique_qr_code_opens_the_conversation_in_that_boutique(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    await wechat.post(scan_xml("store:SHANGHAI1"))
    await wechat.settle()
    greeting = await wechat_api.next_custom_message()
    assert "Boutique SHANGHAI1" in greeting.text
    await wechat.post(text_xml("你好", msg_id="6001"))
    await wechat.settle()
    (conversation,) = await wechat.conversations()
    assert conversation.store.code == "SHANGHAI1"


async def test_menu_keys_open_a_conversation_or_send_the_booking_link(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    await wechat.post(click_xml("book"))
    await wechat.settle()
    sent = await wechat_api.next_custom_message()
    assert "https://hub.example.com/book?store=PARIS01" in sent.text
    assert await wechat.conversations() == []
    await wechat.post(click_xml("talk", create_time=wechat.clock()))
    await wechat.settle()
    (conversation,) = await wechat.conversations()
    assert conversation.status == "queued"
    (message,) = await wechat.messages()
    assert message.text == "Asked to talk to an ambassador"


async def test_the_profile_gets_the_nickname_and_unionid_and_meets_the_other_account(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    wechat_api.add_user(OPENID, nickname="林小姐", unionid="o6_bmasdasdsad6_2sgVt7hMZOPfL")
    other_openid = "oOtherAccountOpenid0000000001"
    wechat_api.add_user(other_openid, nickname="林小姐", unionid="o6_bmasdasdsad6_2sgVt7hMZOPfL")
    second = await add_wechat_account(
        wechat.client, wechat.clock, wechat_api, name="hk", app_id="wx00000000000000bb"
    )
    await wechat.post(text_xml("first account", msg_id="7001"))
    await wechat.settle()
    await wechat.post(
        text_xml("second account", openid=other_openid, msg_id="7002"), account=second
    )
    await wechat.settle()
    async with wechat.hub.db.reading() as session:
        customers = (
            await session.scalars(select(Customer).where(Customer.merged_into_id.is_(None)))
        ).all()
        identities = {
            (i.kind, i.value, i.verified)
            for i in await session.scalars(
                select(CustomerIdentity).where(CustomerIdentity.customer_id == customers[0].id)
            )
        }
        users = (await session.scalars(select(WechatUser))).all()
    assert len(customers) == 1 and customers[0].name == "林小姐"
    assert identities == {
        ("wechat_openid", OPENID, True),
        ("wechat_openid", other_openid, True),
        ("wechat_unionid", "o6_bmasdasdsad6_2sgVt7hMZOPfL", True),
    }
    assert {u.customer_id for u in users} == {customers[0].id}


async def test_an_appointment_card_qr_code_suggests_the_booking_profile_without_merging(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    from datetime import UTC, datetime

    from hub.api.booking import BOOKING
    from hub.bookings import BookingRequest, Contact

    await make_staff(wechat.hub.db, wechat.clock(), store="SHANGHAI1", email="s@t.c")
    placed = await wechat.client.app[BOOKING].book(
        BookingRequest(
            store="SHANGHAI1",
            type="in-store",
            start=datetime(2026, 11, 27, 6, 0, tzinfo=UTC),
            contact=Contact(name="Lin Mei", email="lin@example.com", phone=None),
        )
    )
    await wechat.post(scan_xml(f"appointment:{placed.appointment.id}"))
    await wechat.settle()
    thanks = (await wechat_api.next_custom_message()).text
    assert thanks == "Merci. Votre conseiller verra vos messages ici."  # the booking's store: fr
    async with wechat.hub.db.reading() as session:
        claim = await session.scalar(
            select(CustomerIdentity).where(
                CustomerIdentity.kind == "wechat_openid",
                CustomerIdentity.customer_id == placed.appointment.customer_id,
            )
        )
        user = await session.scalar(select(WechatUser))
    assert claim is not None and claim.value == OPENID and not claim.verified
    assert user is not None and user.store_id == placed.appointment.store_id
