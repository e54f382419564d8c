"""Redis restarts empty in the middle of traffic: PostgreSQL is the truth, Redis is rebuilt.

Two `hub serve` processes and one `hub worker` on PostgreSQL and a Redis of the test's own
(a private `redis-server` that keeps nothing on disk, like the one of these machines).
While it is away the hub says so, keeps accepting and storing shoppers' messages and
replies, and routing waits; once it is back (empty), one process rebuilds queues and loads
from the database, the consoles are announced again, routing resumes, and the worker
queues again what the outbox still holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import redis.asyncio as aioredis

from tests.conftest import truncate_pg
from tests.e2e.conftest import (
    Client,
    HubProcess,
    Session,
    free_port,
    start_hub,
    start_worker,
)
from tests.fakes.smtp import FakeSmtpServer
from tests.redis_server import PrivateRedis

DEGRADED = {"status": "degraded", "database": "ok", "redis": "down"}
HEALTHY = {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.fixture
def database_url(pg_url: str) -> str:
    """Production runs on PostgreSQL only; start from empty tables."""
    asyncio.run(truncate_pg(pg_url))
    return pg_url


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_port(), tmp_path / "redis.log")
    server.start()
    yield server
    server.kill()


@dataclass
class Cluster:
    web: list[HubProcess]
    worker: subprocess.Popen[str]
    worker_log: Path
    prefix: str

    def logs(self) -> str:
        parts = [f"--- {hub.log_path.name}\n{hub.logs()}" for hub in self.web]
        return "\n".join([*parts, f"--- worker\n{self.worker_log.read_text()}"])


@pytest.fixture
def cluster(
    hub_env: dict[str, str], private_redis: PrivateRedis, smtp: FakeSmtpServer, tmp_path: Path
) -> Iterator[Cluster]:
    prefix = f"test:{uuid.uuid4().hex}:"
    env = {
        **hub_env,
        "HUB_REDIS_URL": private_redis.url,
        "HUB_REDIS_PREFIX": prefix,
        "HUB_SMTP_RELAY": smtp.relay,
    }
    web = [start_hub(env, tmp_path), start_hub(env, tmp_path)]
    worker, worker_log = start_worker(env, tmp_path, web[0].base)
    running = Cluster(web, worker, worker_log, prefix)
    yield running
    for process in [*(hub.process for hub in web), worker]:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for hub in web:
        hub.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture
async def sessions(cluster: Cluster) -> AsyncIterator[tuple[Session, Session]]:
    async with aiohttp.ClientSession() as http:
        one, two = Session(cluster.web[0].base, http), Session(cluster.web[1].base, http)
        yield one, two
        for client in [*one.clients, *two.clients]:
            if client.sio.connected:
                await client.close()


async def health(session: Session) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    async with session.http.get(f"{session.base}/healthz") as response:
        return response.status, dict(await response.json()), time.monotonic() - started


async def until_health(session: Session, expected: dict[str, Any], timeout: float = 20) -> None:
    """Poll /healthz (a deadline, not a sleep); every answer must come at once."""
    deadline = time.monotonic() + timeout
    while True:
        status, body, took = await health(session)
        assert took < 2.5, f"/healthz took {took:.1f}s"
        if body == expected:
            assert status == (200 if expected["status"] == "ok" else 503)
            return
        assert time.monotonic() < deadline, f"{session.base}/healthz still says {body}"
        await asyncio.sleep(0.05)


async def until(check: Any, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        await asyncio.sleep(0.05)


async def contact(session: Session, email: str, text: str) -> str:
    body = {"name": "Claire Dubois", "email": email, "message": text, "store": "PARIS01"}
    async with session.http.post(f"{session.base}/api/contact", json=body) as response:
        assert response.status == 201, await response.text()
        return str((await response.json())["conversation_id"])


async def take(ambassador: Client, conversation_id: str) -> None:
    """The next offer is this conversation: accept it."""
    offer = await ambassador.next("offer", timeout=20)
    assert offer["conversation"]["id"] == conversation_id, offer["conversation"]
    accepted = await ambassador.call("accept", {"offer_id": offer["offer_id"]})
    assert accepted["conversation"]["status"] == "assigned", accepted


async def message_from(client: Client, text: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = await client.next("message", timeout=max(0.1, deadline - time.monotonic()))
        if message["text"] == text:
            return dict(message)


@dataclass
class Traffic:
    """Shoppers who keep writing, paced under the per-visitor rate limit, every ack kept."""

    shoppers: list[Client]
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # text -> ack
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, shopper: Client, label: str) -> None:
        for n in itertools.count():
            if self.stop.is_set():
                return
            text = f"{label} traffic {n}"
            ack = await shopper.call("message", {"client_id": f"{label}-t{n}", "text": text})
            assert "error" not in ack, ack
            self.acks[text] = ack
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 0.8)  # pacing, not synchronisation


async def pg(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def subscribers(url: str, channel: str) -> int:
    client = aioredis.from_url(url)
    try:
        ((_, count),) = await client.pubsub_numsub(channel)
        return int(count)
    finally:
        await client.aclose()


@pytest.mark.timeout(240)
async def test_redis_restarting_empty_mid_traffic_loses_nothing(
    cluster: Cluster,
    sessions: tuple[Session, Session],
    private_redis: PrivateRedis,
    smtp: FakeSmtpServer,
    database_url: str,
) -> None:
    one, two = sessions
    for session in sessions:
        await until_health(session, HEALTHY)

    # Amélie (capacity 3) on process two: two chats and an e-mail (half a chat) fill 2.5.
    token = await two.staff_token()
    ambassador = await two.ambassador(token)
    s1 = await one.shopper(await one.visitor_token(), store="PARIS01")
    first = await s1.call("message", {"client_id": "s1-0", "text": "Bonjour, process one"})
    await take(ambassador, first["conversation_id"])
    s2 = await two.shopper(await two.visitor_token(), store="PARIS01")
    second = await s2.call("message", {"client_id": "s2-0", "text": "Bonjour, process two"})
    await take(ambassador, second["conversation_id"])
    e1 = await contact(one, "claire@client.example", "Is the Serpent bracelet in stock?")
    await take(ambassador, e1)
    assert (await smtp.next_message(timeout=30)).rcpt_tos == ("claire@client.example",)
    # A chat that does not fit (1 > 0.5 free) waits in line.
    q1 = await one.shopper(await one.visitor_token(), store="PARIS01")
    waiting = await q1.call("message", {"client_id": "q1-0", "text": "Anyone there?"})
    assert (await q1.next("queue"))["position"] == 1

    traffic = Traffic([s1, s2])
    streams = [asyncio.create_task(traffic.run(s, label)) for s, label in ((s1, "s1"), (s2, "s2"))]

    # -- Redis restarts: flushed, killed; while it is away ---------------------------------
    private_redis.flush_and_kill()
    for session in sessions:
        await until_health(session, DEGRADED)
    during = await s1.call("message", {"client_id": "s1-outage", "text": "Still there?"})
    assert "error" not in during, during
    s3 = await two.shopper(await two.visitor_token(), store="PARIS01")
    third = await s3.call("message", {"client_id": "s3-0", "text": "New here, while it is down"})
    assert "error" not in third, third
    e2 = await contact(one, "louis@client.example", "Could I book a fitting?")
    reply = "Dear Claire, it is: shall I keep it for you?"
    sent = await ambassador.call(
        "reply", {"conversation_id": e1, "client_id": "e1-r1", "text": reply}
    )
    assert "error" not in sent, sent
    # Same process as the ambassador: realtime still works without Redis.
    local = "Bonjour, one moment please"
    answered = await ambassador.call(
        "reply",
        {"conversation_id": second["conversation_id"], "client_id": "s2-r1", "text": local},
    )
    assert "error" not in answered, answered
    await message_from(s2, local)
    statuses = dict(
        await pg(
            database_url,
            "SELECT id, status FROM conversations WHERE id = ANY($1::text[])",
            [third["conversation_id"], e2, waiting["conversation_id"]],
        )
    )
    assert set(statuses.values()) == {"queued"}, statuses

    # -- Redis is back, empty --------------------------------------------------------------
    private_redis.start()
    for session in sessions:
        await until_health(session, HEALTHY)

    # Rebuilt: 2.5 of 3 still taken, so of Q1, S3 (chats) and E2 (an e-mail, 0.5) in line,
    # only E2 fits; Amélie, announced again by her process, is offered it first.
    await take(ambassador, e2)
    # The outbox did not forget: the reply and E2's receipt leave once Redis is back.
    mails = [await smtp.next_message(timeout=60) for _ in range(2)]
    by_recipient = {mail.rcpt_tos: mail for mail in mails}
    assert set(by_recipient) == {("claire@client.example",), ("louis@client.example",)}
    assert reply in by_recipient[("claire@client.example",)].text

    # Freed capacity goes to the line in order: Q1 (waiting since before), then S3.
    closed = await ambassador.call("close", {"conversation_id": first["conversation_id"]})
    assert closed["conversation"]["status"] == "closed", closed
    await take(ambassador, waiting["conversation_id"])
    closed = await ambassador.call("close", {"conversation_id": second["conversation_id"]})
    assert closed["conversation"]["status"] == "closed", closed
    await take(ambassador, third["conversation_id"])

    # Across processes again once both listen on the new Redis: a shopper on process one
    # reaches the ambassador on two, and what was said during the outage is in the timeline.
    channel = f"{cluster.prefix}socketio"

    async def both_listening() -> bool:
        return await subscribers(private_redis.url, channel) >= 2

    await until(both_listening, "both processes subscribed to the new Redis", timeout=90)
    after = "Back again"
    traffic.stop.set()
    await asyncio.gather(*streams)
    await q1.call("message", {"client_id": "q1-1", "text": after})
    assert (await message_from(ambassador, after))["conversation_id"] == waiting["conversation_id"]
    headers = {"Authorization": f"Bearer {token}"}
    async with one.http.get(
        f"{one.base}/api/conversations/{first['conversation_id']}", headers=headers
    ) as response:
        assert response.status == 200
        timeline = [m["text"] for m in (await response.json())["messages"]]
    assert "Still there?" in timeline

    # Nothing acknowledged was lost, nothing stored twice.
    texts = [*traffic.acks, "Still there?", "New here, while it is down", reply, local]
    rows = await pg(
        database_url,
        "SELECT text, count(*) AS n FROM messages WHERE text = ANY($1::text[]) GROUP BY text",
        texts,
    )
    assert {r["text"]: r["n"] for r in rows} == dict.fromkeys(texts, 1)
    ids = [ack["id"] for ack in traffic.acks.values()]
    stored = await pg(database_url, "SELECT id FROM messages WHERE id = ANY($1::text[])", ids)
    assert len(stored) == len(ids)
    assert cluster.worker.poll() is None, cluster.logs()
    assert all(hub.process.poll() is None for hub in cluster.web), cluster.logs()
