"""Routing settings changed in the console reach every web process without a restart:
two `hub serve` processes on one PostgreSQL and one Redis; an admin changes the offer
time-out on A, and the next offers made by A (at once) and by B (from its next tick)
give the ambassador the new time."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import truncate_pg
from tests.e2e.conftest import Client, Session
from tests.e2e.production_support import REDIS_URL, Cluster, add_ambassadors, forget_redis

POLL_SECONDS = 0.2


@pytest.fixture
def database_url(pg_url: str) -> str:
    asyncio.run(truncate_pg(pg_url))
    return pg_url


@pytest.fixture
def cluster(hub_env: dict[str, str], tmp_path: Path) -> Iterator[Cluster]:
    prefix = f"test:{uuid.uuid4().hex}:"
    env = {**hub_env, "HUB_REDIS_URL": REDIS_URL, "HUB_REDIS_PREFIX": prefix}
    env["HUB_CHANGE_POLL_SECONDS"] = str(POLL_SECONDS)
    running = Cluster.start(env, tmp_path, web=2)
    yield running
    running.stop()
    asyncio.run(forget_redis(prefix))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def settings_version(http: aiohttp.ClientSession, base: str) -> float:
    async with http.get(f"{base}/metrics") as response:
        text = await response.text()
    found = re.search(r"^hub_routing_settings_version(?:\{[^}]*\})? (\S+)$", text, re.MULTILINE)
    assert found is not None, text
    return float(found.group(1))


async def until_applied(http: aiohttp.ClientSession, base: str, version: float) -> None:
    """Polls the process's own report of the settings it routes with (its ticks come every
    POLL_SECONDS), failing after a generous bound rather than hanging."""
    for _ in range(200):
        if await settings_version(http, base) >= version:
            return
        await asyncio.sleep(POLL_SECONDS / 4)
    raise AssertionError(f"{base} never applied routing settings version {version}")


def seconds_left(offer: dict[str, str]) -> float:
    expires = datetime.fromisoformat(offer["expires_at"].replace("Z", "+00:00"))
    return (expires - datetime.now(UTC)).total_seconds()


async def test_a_new_offer_time_out_applies_in_every_process(
    database_url: str, cluster: Cluster, http: aiohttp.ClientSession
) -> None:
    (admin_email,) = await add_ambassadors(database_url, 1, role="admin")
    a, b = (Session(base, http) for base in cluster.bases)
    admin = {"Authorization": f"Bearer {await a.staff_token(admin_email)}"}
    ambassador = await b.ambassador(await b.staff_token())
    shoppers: list[Client] = []
    try:
        async with http.patch(
            f"{a.base}/api/admin/routing", json={"offer_timeout_seconds": 120}, headers=admin
        ) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["settings"]["offer_timeout_seconds"] == 120

        # A made the change: its next offer has the new time-out at once.
        shoppers.append(await a.shopper(await a.visitor_token(), store="PARIS01"))
        await shoppers[-1].call("message", {"client_id": "on-a", "text": "Bonjour"})
        offer = await ambassador.next("offer")
        assert 110 < seconds_left(offer) <= 120
        await ambassador.call("accept", {"offer_id": offer["offer_id"]})

        # B reads the saved settings on its next tick: its /metrics says when it has.
        applied = await settings_version(http, a.base)
        assert applied >= 1
        await until_applied(http, b.base, applied)
        shoppers.append(await b.shopper(await b.visitor_token(), store="PARIS01"))
        await shoppers[-1].call("message", {"client_id": "on-b", "text": "Hello"})
        offer = await ambassador.next("offer")
        assert 110 < seconds_left(offer) <= 120

        async with http.get(f"{b.base}/api/admin/routing", headers=admin) as response:
            body = await response.json()
        assert body["settings"]["offer_timeout_seconds"] == 120
        assert body["defaults"]["offer_timeout_seconds"] == 30
    finally:
        for client in (*shoppers, ambassador):
            if client.sio.connected:
                await client.close()
    assert cluster.problems() == []
