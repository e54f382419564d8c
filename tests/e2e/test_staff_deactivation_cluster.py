"""Deactivation across processes: the ambassador's console is held by one `hub serve`, the
manager deactivates them through another; the disconnect crosses over Redis (socket.io's
client manager), and the conversation they held goes back to the queue."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import truncate_pg
from tests.e2e.conftest import Session
from tests.e2e.deactivation_support import (
    GRACE,
    assert_cut_off_and_requeued,
    deactivate_amelie,
    held_chat,
    refused_reconnect,
    seed_colleagues,
)
from tests.e2e.production_support import REDIS_URL, Cluster, forget_redis


@pytest.fixture
def database_url(pg_url: str) -> str:
    """Production runs on PostgreSQL only; start from empty tables."""
    asyncio.run(truncate_pg(pg_url))
    return pg_url


@pytest.fixture
def cluster(hub_env: dict[str, str], database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    prefix = f"test:{uuid.uuid4().hex}:"
    asyncio.run(seed_colleagues(database_url))
    env = {**hub_env, **GRACE, "HUB_REDIS_URL": REDIS_URL, "HUB_REDIS_PREFIX": prefix}
    running = Cluster.start(env, tmp_path, web=2)
    yield running
    running.stop()
    asyncio.run(forget_redis(prefix))


@pytest.fixture
async def sides(cluster: Cluster) -> AsyncIterator[tuple[Session, Session]]:
    """Process A (the ambassador's and the shopper's) and process B (the manager's)."""
    async with aiohttp.ClientSession() as http:
        a, b = Session(cluster.bases[0], http), Session(cluster.bases[1], http)
        yield a, b
        for client in [*a.clients, *b.clients]:
            if client.sio.connected:
                await client.close()


async def test_a_console_on_another_process_is_cut_off_and_the_chat_requeued(
    sides: tuple[Session, Session], cluster: Cluster
) -> None:
    a, b = sides
    chat = await held_chat(a, b)

    body = await deactivate_amelie(chat, b)

    assert body["consoles_closed"] == 1
    await assert_cut_off_and_requeued(chat)
    await refused_reconnect(a.base, chat.amelie_token)
    await refused_reconnect(b.base, chat.amelie_token)
    assert cluster.problems() == []
