"""Replies and notices to WeChat, on both databases, through the real job path against the
fake WeChat API: customer-service messages inside the 48-hour window, refusals outside
it, WeChat's error codes, the token's refresh, and template messages for appointments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from adapters.wechat.accounts import parse_template
from hub.api.booking import BOOKING
from hub.bookings import BookingRequest, Contact
from hub.db.booking_models import Appointment
from hub.db.channel_models import ChannelOutbox, WechatAccountRow
from hub.db.models import Message
from hub.errors import Conflict
from hub.staff import Principal
from tests.conftest import FakeClock
from tests.factories import make_staff
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.wechat_support import WechatHub, start_wechat_hub
from tests.wechat_signing import OPENID, text_xml


@pytest.fixture
async def wechat(
    aiohttp_client: Any, database_url: str, clock: FakeClock, wechat_api: FakeWechatApi
) -> WechatHub:
    return await start_wechat_hub(
        aiohttp_client, database_url, clock, wechat_api, hours="Mon-Sat 10:00-19:00"
    )


async def conversation_from_wechat(wechat: WechatHub, text: str = "你好") -> str:
    """A follower writes now; returns the conversation it opened."""
    xml = text_xml(text, msg_id=str(int(wechat.clock().timestamp())), create_time=wechat.clock())
    assert await wechat.post(xml) == (200, "success")
    await wechat.settle()
    (conversation,) = await wechat.conversations()
    return conversation.id


async def manager(wechat: WechatHub) -> Principal:
    return await make_staff(wechat.hub.db, wechat.clock(), role="manager", name="Claire Dubois")


async def delivery(wechat: WechatHub, message_id: str) -> tuple[str | None, str | None]:
    async with wechat.hub.db.reading() as session:
        message = await session.get(Message, message_id)
    assert message is not None
    return message.delivery_status, message.delivery_error


async def book_from_wechat(wechat: WechatHub, conversation_id: str) -> Any:
    """Friday 27 November 11:00 in Paris, reminders by WeChat, for the follower's chat."""
    return await wechat.client.app[BOOKING].book(
        BookingRequest(
            store="PARIS01",
            type="in-store",
            start=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
            contact=Contact(name="林小姐", email="lin@example.com", phone=None),
            remind_by="wechat",
            consent_reminders=True,
            conversation_id=conversation_id,
        )
    )


async def test_a_reply_reaches_the_follower_through_the_customer_service_api(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    conversation_id = await conversation_from_wechat(wechat)
    claire = await manager(wechat)
    stored = await wechat.hub.inbox.reply(claire, conversation_id, "r-1", "您好 我们在")
    assert await delivery(wechat, stored.message.id) == ("pending", None)
    await wechat.settle()
    sent = await wechat_api.next_custom_message()
    assert sent.openid == OPENID and sent.text == "您好 我们在"
    assert sent.body["msgtype"] == "text"
    assert await delivery(wechat, stored.message.id) == ("sent", None)
    # The same client id again stores and sends nothing more.
    again = await wechat.hub.inbox.reply(claire, conversation_id, "r-1", "您好 我们在")
    await wechat.settle()
    assert again.duplicate and len(wechat_api.custom_messages) == 1
    # The profile read and the reply, each a job with a client of its own, share one token.
    assert wechat_api.calls["/cgi-bin/user/info"] == 1
    assert wechat_api.calls["/cgi-bin/token"] == 1


async def test_outside_the_48_hour_window_a_reply_is_refused_with_the_other_ways(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    conversation_id = await conversation_from_wechat(wechat)
    claire = await manager(wechat)
    wechat.clock.advance(hours=48, seconds=1)
    with pytest.raises(Conflict) as refused:
        await wechat.hub.inbox.reply(claire, conversation_id, "r-late", "Are you still there?")
    assert refused.value.code == "wechat_window_closed"
    assert "48 hours" in refused.value.message
    messages = await wechat.messages()
    assert [m.direction for m in messages] == ["in"]  # nothing stored, nothing queued
    response = await wechat.client.get(
        f"/api/conversations/{conversation_id}", headers=await bearer(wechat, claire)
    )
    window = (await response.json())["channel_state"]["wechat"]["window"]
    assert window["open"] is False and window["reason"] == "window_closed"

    # The follower writes again: the window opens for another 48 hours.
    await wechat.post(text_xml("还在吗", msg_id="9901", create_time=wechat.clock()))
    await wechat.settle()
    await wechat.hub.inbox.reply(claire, conversation_id, "r-2", "在的")
    await wechat.settle()
    assert (await wechat_api.next_custom_message()).text == "在的"


async def bearer(wechat: WechatHub, who: Principal) -> dict[str, str]:
    response = await wechat.client.post(
        "/api/auth/login", json={"email": who.email, "password": "correct horse battery"}
    )
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def test_wechat_refusing_with_45015_marks_the_reply_failed_with_the_reason(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    conversation_id = await conversation_from_wechat(wechat)
    claire = await manager(wechat)
    wechat_api.fail_next("message/custom/send", 45015, "response out of time limit")
    stored = await wechat.hub.inbox.reply(claire, conversation_id, "r-1", "Bonjour")
    await wechat.settle()
    status, error = await delivery(wechat, stored.message.id)
    assert status == "failed" and error is not None
    assert "45015" in error and "48 hours" in error
    wechat.clock.advance(hours=1)
    await wechat.settle()
    assert wechat_api.custom_messages == []  # a permanent refusal is not retried


async def test_a_busy_wechat_is_tried_again_later_and_the_reply_sent_once(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    conversation_id = await conversation_from_wechat(wechat)
    claire = await manager(wechat)
    wechat_api.fail_next("message/custom/send", -1, "system error")
    stored = await wechat.hub.inbox.reply(claire, conversation_id, "r-1", "Un instant")
    await wechat.settle()
    assert await delivery(wechat, stored.message.id) == ("pending", None)
    wechat.clock.advance(seconds=11)
    await wechat.settle()
    assert (await wechat_api.next_custom_message()).text == "Un instant"
    assert await delivery(wechat, stored.message.id) == ("sent", None)
    async with wechat.hub.db.reading() as session:
        row = await session.scalar(select(ChannelOutbox))
    assert row is not None and row.attempts == 2


async def test_an_expired_token_is_refreshed_once_and_the_reply_still_goes(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    conversation_id = await conversation_from_wechat(wechat)
    claire = await manager(wechat)
    await wechat.hub.inbox.reply(claire, conversation_id, "r-1", "one")
    await wechat.settle()
    await wechat_api.next_custom_message()
    tokens_before = wechat_api.calls["/cgi-bin/token"]
    wechat_api.expire_tokens()
    await wechat.hub.inbox.reply(claire, conversation_id, "r-2", "two")
    await wechat.settle()
    assert (await wechat_api.next_custom_message()).text == "two"
    assert wechat_api.calls["/cgi-bin/token"] == tokens_before + 1


async def test_appointments_of_a_wechat_client_are_confirmed_and_reminded_by_template(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    await make_staff(wechat.hub.db, wechat.clock(), name="Amélie Laurent")
    async with wechat.hub.db.transaction() as session:
        row = await session.scalar(select(WechatAccountRow))
        assert row is not None
        row.templates = {
            "appointment_booked": parse_template(
                "appointment_booked",
                "TPL-BOOKED",
                ["first=您好 {name}", "keyword1={type}", "keyword2={start}", "keyword3={store}"],
                "{manage_url}",
            ),
            "reminder": parse_template(
                "reminder", "TPL-REMIND", ["first=Reminder", "keyword1={start}"], None
            ),
        }
    conversation_id = await conversation_from_wechat(wechat)
    placed = await book_from_wechat(wechat, conversation_id)
    await wechat.settle()
    booked = await wechat_api.next_template_message()
    assert booked.openid == OPENID and booked.body["template_id"] == "TPL-BOOKED"
    data = booked.body["data"]
    assert (
        data["first"]["value"] == "您好 林小姐" and data["keyword3"]["value"] == "Boutique PARIS01"
    )
    assert "vendredi 27 novembre 2026, 11:00" in data["keyword2"]["value"]  # PARIS01 speaks fr
    assert booked.body["url"].startswith(
        f"https://hub.example.com/book#manage={placed.appointment.id}."
    )

    # The 24-hour reminder, a day and a half later: outside the 48-hour window for
    # customer-service messages is no obstacle for a template.
    wechat.clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    await wechat.settle()
    reminder = await wechat_api.next_template_message()
    assert reminder.body["template_id"] == "TPL-REMIND"
    assert wechat_api.custom_messages == []


async def test_no_reminder_goes_to_a_client_who_unfollowed(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    from hub.db.booking_models import Reminder
    from tests.wechat_signing import unsubscribe_xml

    await make_staff(wechat.hub.db, wechat.clock(), name="Amélie Laurent")
    conversation_id = await conversation_from_wechat(wechat)
    await book_from_wechat(wechat, conversation_id)
    await wechat.post(unsubscribe_xml(create_time=wechat.clock()))
    await wechat.settle()
    wechat.clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC) + timedelta(minutes=1)
    await wechat.settle()
    async with wechat.hub.db.reading() as session:
        reminders = (await session.scalars(select(Reminder))).all()
    first = min(reminders, key=lambda r: r.next_attempt_at)
    assert first.status == "failed" and "no longer follows" in (first.last_error or "")
    assert wechat_api.template_messages == []


async def test_a_proposal_link_sent_to_wechat_books_into_that_conversation(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    await make_staff(wechat.hub.db, wechat.clock(), name="Amélie Laurent")
    conversation_id = await conversation_from_wechat(wechat)
    claire = await manager(wechat)
    headers = await bearer(wechat, claire)
    response = await wechat.client.post(
        f"/api/conversations/{conversation_id}/proposals",
        json={"client_id": "p-1", "type": "in-store", "starts": ["2026-11-27T10:00:00+01:00"]},
        headers=headers,
    )
    assert response.status == 201, await response.text()
    await wechat.settle()
    sent = await wechat_api.next_custom_message()
    (link,) = re.findall(r"https://hub\.example\.com/book\?\S+", sent.text)
    assert f"conversation={conversation_id}" in link
    proof = parse_qs(urlsplit(link).fragment)["proof"][0]

    booking = {
        "store": "PARIS01",
        "type": "in-store",
        "start": "2026-11-27T10:00:00+01:00",
        "customer": {"name": "林小姐", "email": "lin@example.com"},
        "conversation_id": conversation_id,
    }
    forged = await wechat.client.post(
        "/api/appointments", json={**booking, "conversation_proof": proof[:-2] + "xx"}
    )
    assert forged.status == 404  # the page then books without the conversation
    booked = await wechat.client.post(
        "/api/appointments", json={**booking, "conversation_proof": proof}
    )
    assert booked.status == 201, await booked.text()
    async with wechat.hub.db.reading() as session:
        row = await session.get(Appointment, (await booked.json())["id"])
    assert row is not None and row.conversation_id == conversation_id
