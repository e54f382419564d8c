"""What the deactivation tests share, in one process (test_staff_deactivation.py) and
across two over Redis (test_staff_deactivation_cluster.py): the staff they seed, a chat
Amélie holds, the manager's deactivation, and what everyone should then see."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
import socketio

from hub.db.engine import Database
from tests.e2e.conftest import Client, Session
from tests.factories import make_staff

CONSOLE = "/console"
MANAGER = "marc@test.concierge"
# Longer than any test: a requeue that waited for the grace period would time out.
GRACE = {"HUB_DISCONNECT_GRACE_SECONDS": "600"}


async def seed_colleagues(url: str) -> None:
    """The e2e fixture made PARIS01 and Amélie; add Hugo and their manager."""
    db = Database(url)
    try:
        now = datetime.now(UTC)
        await make_staff(db, now, name="Hugo Martin", email="hugo@test.concierge")
        await make_staff(db, now, name="Marc Dubois", email=MANAGER, role="manager")
    finally:
        await db.close()


def hung_up(client: Client) -> asyncio.Event:
    """Set when the hub disconnects this console."""
    seen = asyncio.Event()
    client.sio.on("disconnect", lambda *_: seen.set(), namespace=CONSOLE)
    return seen


async def staff_id(http: aiohttp.ClientSession, base: str, token: str) -> str:
    async with http.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200
        return str((await r.json())["staff"]["id"])


async def deactivate(
    http: aiohttp.ClientSession, base: str, manager: str, target: str
) -> dict[str, Any]:
    async with http.post(
        f"{base}/api/staff/{target}/deactivate", headers={"Authorization": f"Bearer {manager}"}
    ) as response:
        assert response.status == 200, await response.text()
        return dict(await response.json())


async def assigned_conversation(shop: Session, amelie: Client) -> tuple[Client, str]:
    shopper = await shop.shopper(await shop.visitor_token())
    ack = await shopper.call("message", {"client_id": "hello", "text": "Bonjour, vous êtes là ?"})
    offer = await amelie.next("offer")
    assert "conversation" in await amelie.call("accept", {"offer_id": offer["offer_id"]})
    return shopper, str(ack["conversation_id"])


async def refused_reconnect(base: str, token: str) -> None:
    again = Client(CONSOLE)
    reasons: list[Any] = []
    again.sio.on("connect_error", reasons.append, namespace=CONSOLE)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect(base, {"token": token})
    assert reasons and "unauthorized" in str(reasons[0])


@dataclass
class HeldChat:
    """Amélie's console holding a shopper's chat; Hugo's console open, not available."""

    amelie_token: str
    amelie: Client
    gone: asyncio.Event
    shopper: Client
    conversation_id: str
    hugo: Client


async def held_chat(amelie_side: Session, hugo_side: Session) -> HeldChat:
    """The shopper writes on ``amelie_side`` and Amélie accepts; Hugo opens his console on
    ``hugo_side`` (the same process, or another)."""
    amelie_token = await amelie_side.staff_token("amelie@test.concierge")
    amelie = await amelie_side.ambassador(amelie_token)
    gone = hung_up(amelie)
    shopper, conversation_id = await assigned_conversation(amelie_side, amelie)
    hugo_token = await hugo_side.staff_token("hugo@test.concierge")
    hugo = await hugo_side.ambassador(hugo_token, available=False)
    return HeldChat(amelie_token, amelie, gone, shopper, conversation_id, hugo)


async def deactivate_amelie(chat: HeldChat, manager_side: Session) -> dict[str, Any]:
    """The manager, signed in on ``manager_side``, deactivates Amélie: the API's answer."""
    http, base = manager_side.http, manager_side.base
    manager = await manager_side.staff_token(MANAGER)
    return await deactivate(http, base, manager, await staff_id(http, base, chat.amelie_token))


async def assert_cut_off_and_requeued(chat: HeldChat) -> None:
    """Amélie's console is told and hung up, the shopper is told, and Hugo, once available,
    is offered the conversation: at once, not after the grace period."""
    assert await chat.amelie.next("session_ended") == {"reason": "deactivated"}
    await asyncio.wait_for(chat.gone.wait(), 10)
    notice = await chat.shopper.next("message")  # in the boutique's language: "…déconnecté…"
    assert notice["author"]["kind"] == "system"
    assert notice["conversation_id"] == chat.conversation_id
    await chat.hugo.call("presence", {"status": "available"})
    offer = await chat.hugo.next("offer")
    assert offer["conversation"]["id"] == chat.conversation_id
