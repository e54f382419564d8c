"""A shopper and an ambassador over real sockets against a real `hub serve` process."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import socketio

from tests.e2e.conftest import Client, HubProcess, Session


async def _connected_pair(session: Session) -> tuple[Client, Client, str, str]:
    """A shopper whose first message was accepted by the ambassador."""
    visitor = await session.visitor_token()
    shopper = await session.shopper(visitor, store="PARIS01", language="fr")
    ack = await shopper.call(
        "message", {"client_id": "hello-1", "text": "Bonjour, I need a ring resized"}
    )
    assert ack["conversation_id"] and ack["id"]
    ambassador = await session.ambassador(await session.staff_token())
    offer = await ambassador.next("offer")
    assert offer["conversation"]["id"] == ack["conversation_id"]
    assert offer["customer"]["id"] and offer["expires_at"]
    accepted = await ambassador.call("accept", {"offer_id": offer["offer_id"]})
    assert accepted["conversation"]["status"] == "assigned"
    return shopper, ambassador, ack["conversation_id"], visitor


async def test_message_offer_accept_reply_reaches_the_shopper(session: Session) -> None:
    shopper, ambassador, conversation_id, _ = await _connected_pair(session)
    assigned = await shopper.next("assigned")
    assert assigned == {"ambassador": {"name": "Amélie Laurent"}}

    ack = await ambassador.call(
        "reply", {"conversation_id": conversation_id, "client_id": "r-1", "text": "Bien sûr !"}
    )
    assert ack["seq"] == 2
    received = await shopper.next("message")
    assert received["id"] == ack["id"] and received["text"] == "Bien sûr !"
    assert received["author"] == {"kind": "ambassador", "name": "Amélie Laurent"}

    await shopper.call("message", {"client_id": "hello-2", "text": "Merci"})
    live = await ambassador.next("message")
    assert live["text"] == "Merci" and live["seq"] == 3 and live["author"]["kind"] == "customer"


async def test_typing_reaches_the_other_side(session: Session) -> None:
    shopper, ambassador, conversation_id, _ = await _connected_pair(session)
    await shopper.call("typing", {"typing": True})
    seen = await ambassador.next("typing")
    assert seen["conversation_id"] == conversation_id and seen["typing"] is True
    await ambassador.call("typing", {"conversation_id": conversation_id, "typing": True})
    assert (await shopper.next("typing"))["author"]["kind"] == "ambassador"


async def test_a_repeated_client_id_is_stored_once_and_acked_with_the_same_id(
    session: Session,
) -> None:
    shopper = await session.shopper(await session.visitor_token(), store="PARIS01")
    first = await shopper.call(
        "message", {"client_id": "dup", "text": "Is the Lumière ring in stock?"}
    )
    second = await shopper.call(
        "message", {"client_id": "dup", "text": "Is the Lumière ring in stock?"}
    )
    assert second["id"] == first["id"]
    history = await shopper.call("history", {})
    assert [m["id"] for m in history["messages"]] == [first["id"]]


async def test_reconnecting_shopper_gets_exactly_what_was_missed(session: Session) -> None:
    shopper, ambassador, conversation_id, visitor = await _connected_pair(session)
    seen = (await shopper.call("history", {}))["messages"]
    last_seq = seen[-1]["seq"]
    await shopper.close()

    sent = []
    for i in range(3):
        ack = await ambassador.call(
            "reply",
            {"conversation_id": conversation_id, "client_id": f"away-{i}", "text": f"Reply {i}"},
        )
        sent.append(ack["id"])

    back = await session.shopper(visitor, store="PARIS01")
    missed = await back.call("history", {"after_seq": last_seq})
    assert missed["conversation_id"] == conversation_id
    assert [m["id"] for m in missed["messages"]] == sent
    assert [m["text"] for m in missed["messages"]] == ["Reply 0", "Reply 1", "Reply 2"]
    assert [m["seq"] for m in missed["messages"]] == [last_seq + 1, last_seq + 2, last_seq + 3]


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 10_001])
async def test_empty_or_oversized_messages_get_an_error_ack_and_store_nothing(
    session: Session, text: str
) -> None:
    shopper = await session.shopper(await session.visitor_token(), store="PARIS01")
    ack = await shopper.call("message", {"client_id": "bad", "text": text})
    assert ack["error"]["code"] in ("empty_text", "text_too_long")
    assert (await shopper.call("history", {}))["messages"] == []
    good = await shopper.call("message", {"client_id": "bad", "text": "now a real question"})
    assert "id" in good  # the failed attempt did not burn the client id


async def test_the_ambassador_cannot_reply_with_empty_text(session: Session) -> None:
    shopper, ambassador, conversation_id, _ = await _connected_pair(session)
    ack = await ambassador.call(
        "reply", {"conversation_id": conversation_id, "client_id": "e", "text": " "}
    )
    assert ack["error"]["code"] == "empty_text"
    assert len((await shopper.call("history", {}))["messages"]) == 1


async def test_bad_credentials_are_refused_at_the_handshake(
    session: Session, server: HubProcess
) -> None:
    visitor = await session.visitor_token()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Client("/shopper").connect(server.base, {"visitor_token": visitor[:-2] + "xx"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Client("/shopper").connect(server.base, {})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Client("/console").connect(server.base, {"token": "not-a-session"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Client("/console").connect(server.base, {"token": visitor})
    staff = await session.staff_token()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Client("/console").connect(
            server.base, {"token": staff}, headers={"Origin": "https://evil.example"}
        )


async def test_an_ambassador_who_goes_away_gets_no_offers(session: Session) -> None:
    ambassador = await session.ambassador(await session.staff_token())
    assert await ambassador.call("presence", {"status": "away"}) == {"status": "away"}
    shopper = await session.shopper(await session.visitor_token(), store="PARIS01")
    await shopper.call("message", {"client_id": "q", "text": "Anyone there?"})
    queue = await shopper.next("queue")
    assert queue["position"] == 1 and queue["eta_seconds"] >= 0
    assert ambassador.pending("offer") == 0
    await ambassador.call("presence", {"status": "available"})
    offer = await ambassador.next("offer")
    await ambassador.call("decline", {"offer_id": offer["offer_id"]})
    wrong = await ambassador.call("accept", {"offer_id": offer["offer_id"]})
    assert wrong["error"]["code"] == "offer_declined"


async def test_closing_tells_the_shopper(session: Session) -> None:
    shopper, ambassador, conversation_id, _ = await _connected_pair(session)
    closed = await ambassador.call("close", {"conversation_id": conversation_id})
    assert closed["conversation"]["status"] == "closed"
    assert (await shopper.next("closed"))["conversation_id"] == conversation_id


async def test_sigterm_finishes_cleanly_and_logs_are_json(
    session: Session, server: HubProcess
) -> None:
    shopper = await session.shopper(await session.visitor_token(), store="PARIS01")
    ack = await shopper.call("message", {"client_id": "before-stop", "text": "Last words"})
    assert ack["id"]
    started = time.monotonic()
    assert await asyncio.to_thread(server.terminate) == 0
    assert time.monotonic() - started < 10
    records = [json.loads(line) for line in server.logs().splitlines() if line.startswith("{")]
    events = [r["event"] for r in records]
    assert "hub started" in events and "hub stopped" in events
    assert all(token_free(line) for line in server.logs().splitlines())


def token_free(line: str) -> bool:
    return "visitor_token" not in line and "v1." not in line
