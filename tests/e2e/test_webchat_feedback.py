"""The rating question over real sockets against a real `hub serve` process: asked in the
chat when the ambassador closes it, answered once by the shopper who was asked, and the
answer live in the ambassador's console."""

from __future__ import annotations

from tests.e2e.conftest import Session
from tests.e2e.test_webchat import _connected_pair


async def test_the_shopper_rates_the_closed_chat_once(session: Session) -> None:
    shopper, ambassador, conversation_id, _ = await _connected_pair(session)
    await ambassador.call(
        "reply", {"conversation_id": conversation_id, "client_id": "r-1", "text": "Bien sûr."}
    )
    assert (await shopper.next("message"))["author"]["kind"] == "ambassador"
    await ambassador.call("close", {"conversation_id": conversation_id})
    assert (await shopper.next("closed"))["conversation_id"] == conversation_id

    question = await shopper.next("message")
    assert question["author"] == {"kind": "system", "name": None}
    feedback = question["data"]["feedback"]
    assert (feedback["kind"], feedback["scale"]) == ("csat", [1, 5])
    # The shopper wrote with language "fr": the question is in French.
    assert question["text"] == "Comment évalueriez-vous votre conversation avec Boutique PARIS01 ?"
    assert (await ambassador.next("message"))["id"] == question["id"]

    stranger = await session.shopper(await session.visitor_token(), store="PARIS01")
    refused = await stranger.call("feedback", {"feedback_id": feedback["id"], "score": 5})
    assert refused["error"]["code"] == "not_found"
    out_of_range = await shopper.call("feedback", {"feedback_id": feedback["id"], "score": 9})
    assert out_of_range["error"]["code"] == "invalid_input"

    ack = await shopper.call(
        "feedback", {"feedback_id": feedback["id"], "score": 4, "comment": "Très attentionnée"}
    )
    assert ack == {"ok": True}
    note = await ambassador.next("message")
    assert note["author"]["kind"] == "system"
    answered = note["data"]["feedback"]
    assert (answered["id"], answered["score"], answered["comment"]) == (
        feedback["id"],
        4,
        "Très attentionnée",
    )
    assert (await shopper.next("message"))["id"] == note["id"]  # the widget shows its thanks

    again = await shopper.call("feedback", {"feedback_id": feedback["id"], "score": 1})
    assert again["error"]["code"] == "already_answered"
    history = await shopper.call("history", {})
    assert history["status"] == "closed"
    assert [m["id"] for m in history["messages"][-2:]] == [question["id"], note["id"]]
