"""Production mode in miniature: PostgreSQL, Redis and two `hub serve` processes.

The shopper talks to one process, the ambassador to the other; routing state, claims and
socket rooms go through Redis, so the conversation still flows end to end.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.conftest import truncate_pg
from tests.e2e.conftest import Client, HubProcess, Session, start_hub

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def database_url(pg_url: str) -> str:
    """Production runs on PostgreSQL only; start from empty tables."""
    asyncio.run(truncate_pg(pg_url))
    return pg_url


@pytest.fixture
def prefix() -> Iterator[str]:
    value = f"test:{uuid.uuid4().hex}:"
    yield value

    async def cleanup() -> None:
        client = aioredis.from_url(REDIS_URL)
        async for key in client.scan_iter(match=f"{value}*", count=1000):
            await client.unlink(key)
        await client.aclose()

    asyncio.run(cleanup())


@pytest.fixture
def pair(
    hub_env: dict[str, str], prefix: str, tmp_path: Path
) -> Iterator[tuple[HubProcess, HubProcess]]:
    env = {**hub_env, "HUB_REDIS_URL": REDIS_URL, "HUB_REDIS_PREFIX": prefix}
    first = start_hub(env, tmp_path)
    second = start_hub(env, tmp_path)
    yield first, second
    first.terminate()
    second.terminate()


@pytest.fixture
async def sessions(pair: tuple[HubProcess, HubProcess]) -> AsyncIterator[tuple[Session, Session]]:
    async with aiohttp.ClientSession() as http:
        one, two = Session(pair[0].base, http), Session(pair[1].base, http)
        yield one, two
        for client in [*one.clients, *two.clients]:
            if client.sio.connected:
                await client.close()


async def test_a_chat_crosses_two_processes_through_redis(
    sessions: tuple[Session, Session], pair: tuple[HubProcess, HubProcess]
) -> None:
    one, two = sessions
    health = await (await one.http.get(f"{one.base}/healthz")).json()
    assert health == {"status": "ok", "database": "ok", "redis": "ok"}

    ambassador: Client = await two.ambassador(await two.staff_token())
    shopper = await one.shopper(await one.visitor_token(), store="PARIS01")
    ack = await shopper.call("message", {"client_id": "m1", "text": "Bonjour from process one"})
    offer = await ambassador.next("offer")
    assert offer["conversation"]["id"] == ack["conversation_id"]
    accepted = await ambassador.call("accept", {"offer_id": offer["offer_id"]})
    assert accepted["conversation"]["status"] == "assigned"
    assert (await shopper.next("assigned"))["ambassador"]["name"] == "Amélie Laurent"
    await ambassador.call(
        "reply", {"conversation_id": ack["conversation_id"], "client_id": "r1", "text": "Bonjour !"}
    )
    assert (await shopper.next("message"))["text"] == "Bonjour !"
