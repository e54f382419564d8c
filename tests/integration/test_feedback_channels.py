"""Feedback beyond the widget, on both databases: WeChat (the question with a link, a bare
number taken as the rating), NPS by e-mail when an appointment is completed, and the
rating API's rate limit."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from hub.api.booking import BOOKING
from hub.api.feedback import FEEDBACK
from hub.bookings import BookingRequest, Contact
from hub.db.feedback_models import Feedback
from tests.conftest import FakeClock
from tests.factories import make_staff
from tests.fakes.smtp import FakeSmtpServer
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.feedback_support import FeedbackHub, start_feedback_hub, token_in
from tests.integration.wechat_support import WechatHub, start_wechat_hub
from tests.wechat_signing import OPENID, text_xml

_msg_ids = itertools.count(7_000_000_000)


@pytest.fixture
async def wechat(
    aiohttp_client: Any, database_url: str, clock: FakeClock, wechat_api: FakeWechatApi
) -> WechatHub:
    return await start_wechat_hub(aiohttp_client, database_url, clock, wechat_api, hours=None)


async def follower_writes(wechat: WechatHub, text: str) -> None:
    xml = text_xml(text, msg_id=str(next(_msg_ids)), create_time=wechat.clock())
    assert await wechat.post(xml) == (200, "success")
    await wechat.settle()


async def served_and_closed(wechat: WechatHub, api: FakeWechatApi) -> str:
    """The follower wrote, an ambassador answered and closed; returns the question's text."""
    await follower_writes(wechat, "你好 我想预约")
    (conversation,) = await wechat.conversations()
    claire = await make_staff(wechat.hub.db, wechat.clock(), role="manager")
    await wechat.hub.inbox.reply(claire, conversation.id, "r-1", "您好 很乐意为您安排")
    await wechat.settle()
    assert "很乐意" in (await api.next_custom_message()).text
    await wechat.hub.inbox.close(claire, conversation.id)
    await wechat.client.app[FEEDBACK].service.idle()
    await wechat.settle()
    asked = await api.next_custom_message()
    assert asked.openid == OPENID
    return asked.text


async def test_wechat_asks_with_a_link_and_a_bare_number_is_the_rating(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    question = await served_and_closed(wechat, wechat_api)
    token = token_in(question)
    # The conversation's language: here the boutique's first, French.
    assert question.startswith(
        "Comment évalueriez-vous votre conversation avec Boutique PARIS01 ? "
        "Répondez par un chiffre de 1 (insuffisant) à 5 (excellent)"
    )
    looked = await wechat.client.post("/api/feedback/lookup", json={"token": token})
    assert (await looked.json())["kind"] == "csat"
    timeline = [m.text for m in await wechat.messages()]
    assert all(token not in text for text in timeline)  # consoles see the page, not the key

    await follower_writes(wechat, "\uff14")  # a full-width 4, as Chinese keyboards type it
    assert len(await wechat.conversations()) == 1  # a rating, not a new conversation
    (row,) = await rows(wechat)
    assert (row.score, row.comment) == (4, None)
    thanks = await wechat_api.next_custom_message()
    assert thanks.openid == OPENID
    assert thanks.text == (
        "Merci pour votre évaluation. Nous nous réjouissons de vous accueillir à nouveau."
    )

    await follower_writes(wechat, "5")  # answered already: an ordinary message now
    await follower_writes(wechat, "5 rings please")
    assert len(await wechat.conversations()) == 2
    (row,) = await rows(wechat)
    assert row.score == 4


async def test_a_number_a_day_later_opens_a_conversation(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    await served_and_closed(wechat, wechat_api)
    wechat.clock.advance(hours=25)
    await follower_writes(wechat, "4")
    assert len(await wechat.conversations()) == 2
    (row,) = await rows(wechat)
    assert row.answered_at is None


async def test_a_number_out_of_range_is_an_ordinary_message(
    wechat: WechatHub, wechat_api: FakeWechatApi
) -> None:
    await served_and_closed(wechat, wechat_api)
    await follower_writes(wechat, "8")
    assert len(await wechat.conversations()) == 2
    assert (await rows(wechat))[0].answered_at is None


async def rows(wechat: WechatHub) -> list[Feedback]:
    async with wechat.hub.db.reading() as session:
        return list(await session.scalars(select(Feedback)))


@pytest.fixture
async def hub(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> FeedbackHub:
    return await start_feedback_hub(aiohttp_client, database_url, clock, smtp)


async def test_a_completed_appointment_is_asked_for_a_recommendation_once(
    hub: FeedbackHub, smtp: FakeSmtpServer
) -> None:
    booked = await hub.client.post(
        "/api/appointments",
        json={
            "store": "PARIS01",
            "type": "in-store",
            "start": "2026-11-26T11:00:00+01:00",
            "customer": {"name": "Anne Martin", "email": "anne@example.com"},
            "language": "fr",
        },
    )
    assert booked.status == 201, await booked.text()
    appointment_id = (await booked.json())["id"]
    hub.clock.advance(days=1, hours=2)
    headers = await hub.staff_headers()
    for _ in range(2):  # marked twice: asked once
        done = await hub.client.post(
            f"/api/appointments/{appointment_id}/outcome",
            json={"status": "completed"},
            headers=headers,
        )
        assert done.status == 200, await done.text()
        await hub.service.idle()
        await hub.settle()
    mail = await hub.rating_mail()
    assert mail.rcpt_tos == ("anne@example.com",)
    (row,) = await hub.rows()
    assert (row.kind, row.appointment_id, row.channel, row.language) == (
        "nps",
        appointment_id,
        "email",
        "fr",
    )
    token = token_in(mail.text)
    looked = await (await hub.client.post("/api/feedback/lookup", json={"token": token})).json()
    assert (looked["kind"], looked["scale"]) == ("nps", [0, 10])
    answered = await hub.client.post("/api/feedback", json={"token": token, "score": 10})
    assert answered.status == 200
    assert smtp.pending() == 0  # no second question


async def test_an_appointment_booked_from_the_chat_is_asked_about_in_the_chat(
    hub: FeedbackHub,
) -> None:
    conversation_id = await hub.webchat(language="fr")
    (conversation,) = await hub.conversations()
    placed = await hub.client.app[BOOKING].book(
        BookingRequest(
            store="PARIS01",
            type="in-store",
            start=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
            contact=Contact(name="Anne Martin"),  # no e-mail: the chat is the way back
            conversation_id=conversation_id,
        )
    )
    hub.clock.advance(days=1, hours=2)
    done = await hub.client.post(
        f"/api/appointments/{placed.appointment.id}/outcome",
        json={"status": "completed"},
        headers=await hub.staff_headers(),
    )
    assert done.status == 200
    await hub.service.idle()
    (row,) = await hub.rows()
    assert (row.kind, row.channel, row.contact) == ("nps", "webchat", conversation.contact)
    question = [m for m in await hub.messages() if m.data and "feedback" in m.data][-1]
    assert question.data == {"feedback": {"id": row.id, "kind": "nps", "scale": [0, 10]}}
    assert question.text == (
        "Quelle est la probabilité que vous recommandiez Boutique PARIS01 à un proche ou à "
        "un collègue ?"
    )
    await hub.answers.from_visitor(conversation.contact, row.id, 9, None)
    response = await hub.client.get(
        f"/api/conversations/{conversation_id}", headers=await hub.staff_headers()
    )
    feedback = (await response.json())["conversation"]["feedback"]
    assert feedback["nps"]["score"] == 9 and feedback["csat"] is None


async def test_the_rating_api_is_rate_limited_per_client(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    limited = await start_feedback_hub(
        aiohttp_client, database_url, clock, smtp, anonymous_per_minute=1.0, anonymous_burst=3
    )
    statuses = []
    for _ in range(5):
        response = await limited.client.post("/api/feedback/lookup", json={"token": "A" * 43})
        statuses.append(response.status)
    assert statuses == [404, 404, 404, 429, 429]
