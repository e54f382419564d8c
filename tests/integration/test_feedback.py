"""Feedback on both databases: asked once when a served conversation closes, in its
language; answered once from the widget or from a link; erased with the customer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub.db.models import Message
from hub.errors import Conflict, InvalidInput, NotFound
from tests.conftest import FakeClock
from tests.fakes.smtp import FakeSmtpServer
from tests.integration.feedback_support import FeedbackHub, start_feedback_hub, token_in

FRENCH_QUESTION = "Comment évalueriez-vous votre conversation avec Boutique PARIS01 ?"


@pytest.fixture
async def hub(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> FeedbackHub:
    return await start_feedback_hub(aiohttp_client, database_url, clock, smtp)


async def questions(hub: FeedbackHub, conversation_id: str) -> list[Message]:
    async with hub.hub.db.reading() as session:
        rows = await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        )
        return [m for m in rows if m.data and "feedback" in m.data]


async def test_closing_a_served_chat_asks_once_in_its_language(hub: FeedbackHub) -> None:
    conversation_id = await hub.webchat(language="fr")
    await hub.serve_and_close(conversation_id)
    (row,) = await hub.rows()
    assert (row.kind, row.channel, row.language) == ("csat", "webchat", "fr")
    assert row.conversation_id == conversation_id and row.staff_id == hub.manager.id
    assert row.token_hash is None and row.answered_at is None  # the widget needs no link
    (question,) = await questions(hub, conversation_id)
    assert question.author_kind == "system" and question.direction == "out"
    assert question.data == {"feedback": {"id": row.id, "kind": "csat", "scale": [1, 5]}}
    assert question.text == FRENCH_QUESTION

    assert await hub.service.ask_csat(conversation_id) == row.id  # a retry finds the row
    await hub.hub.inbox.close(hub.manager, conversation_id)  # closing again asks nothing
    await hub.service.idle()
    assert len(await hub.rows()) == 1 and len(await questions(hub, conversation_id)) == 1


async def test_a_conversation_nobody_answered_is_not_asked(hub: FeedbackHub) -> None:
    conversation_id = await hub.webchat()
    await hub.serve_and_close(conversation_id, reply=False)
    assert await hub.rows() == []
    assert await questions(hub, conversation_id) == []


async def test_the_visitor_who_was_asked_answers_once(hub: FeedbackHub) -> None:
    conversation_id = await hub.webchat()
    visitor = (await hub.conversations())[0].contact
    await hub.serve_and_close(conversation_id)
    (row,) = await hub.rows()
    with pytest.raises(NotFound):
        await hub.answers.from_visitor("someone-else", row.id, 4, None)
    for score in (0, 6, "4", True, None):
        with pytest.raises(InvalidInput):
            await hub.answers.from_visitor(visitor, row.id, score, None)
    with pytest.raises(InvalidInput):
        await hub.answers.from_visitor(visitor, row.id, 4, "x" * 1001)

    await hub.answers.from_visitor(visitor, row.id, 4, "  Très attentionnée  ")
    with pytest.raises(Conflict) as second:
        await hub.answers.from_visitor(visitor, row.id, 1, "changed my mind")
    assert second.value.code == "already_answered"
    (answered,) = await hub.rows()
    assert (answered.score, answered.comment) == (4, "Très attentionnée")
    note = (await questions(hub, conversation_id))[-1]
    assert note.direction == "internal" and note.author_kind == "system"
    assert note.data is not None and note.data["feedback"]["score"] == 4
    assert note.data["feedback"]["comment"] == "Très attentionnée"

    response = await hub.client.get(
        f"/api/conversations/{conversation_id}", headers=await hub.staff_headers()
    )
    feedback = (await response.json())["conversation"]["feedback"]
    assert feedback["csat"]["score"] == 4 and feedback["csat"]["comment"] == "Très attentionnée"


async def test_an_email_conversation_gets_a_link_that_answers_once(hub: FeedbackHub) -> None:
    conversation_id = await hub.contact_form()
    await hub.serve_and_close(conversation_id)
    mail = await hub.rating_mail()
    assert mail.rcpt_tos == ("anna@client.example",)
    subject = str(mail.message["Subject"])
    assert subject == "Comment s'est passée votre conversation avec Boutique PARIS01 ?"
    token = token_in(mail.text)
    assert len(token) >= 43  # 256 random bits
    (question,) = await questions(hub, conversation_id)
    assert token not in question.text and question.delivery_status == "sent"

    looked = await hub.client.post("/api/feedback/lookup", json={"token": token})
    assert looked.status == 200
    assert await looked.json() == {
        "kind": "csat",
        "scale": [1, 5],
        "store": "Boutique PARIS01",
        "language": "fr",
        "answered": False,
        "answer": None,
    }
    answered = await hub.client.post(
        "/api/feedback", json={"token": token, "score": 5, "comment": "Parfait"}
    )
    assert answered.status == 200 and (await answered.json())["score"] == 5
    again = await hub.client.post("/api/feedback", json={"token": token, "score": 1})
    assert again.status == 409
    assert (await again.json())["error"]["code"] == "already_answered"
    looked = await hub.client.post("/api/feedback/lookup", json={"token": token})
    assert (await looked.json())["answered"] is True
    (row,) = await hub.rows()
    assert (row.score, row.comment) == (5, "Parfait")


@pytest.mark.parametrize("token", ["A" * 43, "short", 12345, None])
async def test_a_wrong_token_is_not_found(hub: FeedbackHub, token: object) -> None:
    for path in ("/api/feedback/lookup", "/api/feedback"):
        response = await hub.client.post(path, json={"token": token, "score": 4})
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


async def test_an_oversized_body_is_refused_unread(hub: FeedbackHub) -> None:
    body = {"token": "A" * 43, "score": 4, "comment": "x" * 10_000}
    response = await hub.client.post("/api/feedback", json=body)
    assert response.status == 413


async def test_erasure_keeps_the_score_and_drops_the_words(hub: FeedbackHub) -> None:
    conversation_id = await hub.webchat()
    (conversation,) = await hub.conversations()
    await hub.serve_and_close(conversation_id)
    (row,) = await hub.rows()
    await hub.answers.from_visitor(conversation.contact, row.id, 2, "Le vendeur était pressé")
    headers = await hub.staff_headers()

    export = await hub.client.get(
        f"/api/customers/{conversation.customer_id}/export", headers=headers
    )
    (exported,) = (await export.json())["feedback"]
    assert (exported["score"], exported["comment"]) == (2, "Le vendeur était pressé")

    erased = await hub.client.delete(f"/api/customers/{conversation.customer_id}", headers=headers)
    assert erased.status in (200, 204)
    (after,) = await hub.rows()
    assert after.score == 2 and after.comment is None and after.contact is None
