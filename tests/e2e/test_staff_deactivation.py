"""Deactivating an ambassador end to end: a real `hub serve`, real socket.io consoles
(test_staff_deactivation_cluster.py does it across two processes over Redis). Their open
console is told and cut off at once, its reconnect is refused, and the conversation they
held goes back to the queue for a colleague, without waiting for the disconnect grace
period (set to ten minutes here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import HubProcess, Session, start_hub
from tests.e2e.deactivation_support import (
    GRACE,
    assert_cut_off_and_requeued,
    deactivate_amelie,
    held_chat,
    hung_up,
    refused_reconnect,
    seed_colleagues,
)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def hub_process(hub_env: dict[str, str], database_url: str, tmp_path: Path) -> Iterator[HubProcess]:
    asyncio.run(seed_colleagues(database_url))
    server = start_hub({**hub_env, **GRACE}, tmp_path)
    yield server
    server.terminate()


@pytest.fixture
async def shop(hub_process: HubProcess) -> AsyncIterator[Session]:
    async with aiohttp.ClientSession() as http:
        current = Session(hub_process.base, http)
        yield current
        for client in current.clients:
            if client.sio.connected:
                await client.close()


async def test_a_deactivated_ambassadors_console_is_cut_off_and_their_chat_requeued(
    shop: Session,
) -> None:
    chat = await held_chat(shop, shop)

    body = await deactivate_amelie(chat, shop)

    assert body["consoles_closed"] == 1 and body["staff"]["status"] == "deactivated"
    await assert_cut_off_and_requeued(chat)
    await refused_reconnect(shop.base, chat.amelie_token)


async def test_a_console_whose_session_ended_elsewhere_is_refused_on_its_next_event(
    shop: Session,
) -> None:
    """Signed out in another tab: the open console can do nothing more and is hung up."""
    token = await shop.staff_token("amelie@test.concierge")
    amelie = await shop.ambassador(token, available=False)
    gone = hung_up(amelie)
    async with shop.http.post(
        f"{shop.base}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 204
    ack = await amelie.call("presence", {"status": "available"})
    assert ack["error"]["code"] == "session_ended"
    await asyncio.wait_for(gone.wait(), 10)
