"""SIGTERM drains a real `hub serve`: shoppers streaming messages lose nothing acknowledged,
are hung up so they can move, and the process exits 0 within its grace.

Then a second process on the same database takes the shoppers back: each resends what it
had sent without an answer, and a message the first process stored is answered with the
same id (stored once), one it never got is stored now. Every conversation's seq stays
gapless.
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from sqlalchemy import func, select

from hub.db.engine import Database
from hub.db.models import Message
from hub.security.tokens import VisitorTokens
from tests.e2e.conftest import HubProcess, start_hub

SHOPPERS = 40
GRACE_SECONDS = 6.0
PACE_SECONDS = 0.07  # per shopper: ~14 messages a second, within the per-visitor burst


@dataclass
class Shopper:
    token: str
    sio: socketio.AsyncClient = field(
        default_factory=lambda: socketio.AsyncClient(reconnection=False)
    )
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)  # client_id -> ack
    unanswered: list[tuple[str, str]] = field(default_factory=list)  # (client_id, text)
    hung_up_at: float | None = None

    async def connect(self, base: str) -> None:
        await self.sio.connect(
            base,
            namespaces=["/shopper"],
            auth={"visitor_token": self.token, "store": "PARIS01"},
            transports=["websocket"],
            wait_timeout=10,
        )

        @self.sio.event(namespace="/shopper")  # type: ignore[misc]
        async def disconnect(*_: Any) -> None:
            if self.hung_up_at is None:
                self.hung_up_at = time.monotonic()

    async def send(self, client_id: str, text: str, timeout: float = 3) -> dict[str, Any] | None:
        try:
            ack = await self.sio.call(
                "message",
                {"client_id": client_id, "text": text},
                namespace="/shopper",
                timeout=timeout,
            )
        except (socketio.exceptions.TimeoutError, socketio.exceptions.SocketIOError):
            return None
        assert isinstance(ack, dict) and "error" not in ack, ack
        return ack

    async def stream(self, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set() and self.sio.connected:
            client_id, text = f"m{n}", f"message {n}"
            n += 1
            ack = await self.send(client_id, text)
            if ack is None:
                self.unanswered.append((client_id, text))
                return
            self.acked[client_id] = ack
            await asyncio.sleep(PACE_SECONDS)


@pytest.fixture
def drain_env(hub_env: dict[str, str]) -> dict[str, str]:
    return {**hub_env, "HUB_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS)}


async def stored_messages(database_url: str) -> dict[str, tuple[str, str, int]]:
    """dedupe key -> (id, conversation id, seq), and a check that no key repeats."""
    db = Database(database_url)
    try:
        async with db.reading() as session:
            rows = (
                await session.execute(
                    select(Message.dedupe_key, Message.id, Message.conversation_id, Message.seq)
                )
            ).all()
            gaps = (
                await session.execute(
                    select(
                        Message.conversation_id,
                        func.count(),
                        func.min(Message.seq),
                        func.max(Message.seq),
                    ).group_by(Message.conversation_id)
                )
            ).all()
    finally:
        await db.close()
    for conversation_id, count, low, high in gaps:
        assert (low, high) == (1, count), f"seq not gapless in {conversation_id}"
    keys = [key for key, *_ in rows]
    assert len(keys) == len(set(keys))
    return {key: (id_, conversation_id, seq) for key, id_, conversation_id, seq in rows}


async def test_sigterm_mid_stream_loses_no_acknowledged_message_and_exits_0_in_grace(
    drain_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    tokens = VisitorTokens(drain_env["HUB_SECRET_KEY"])
    visitors = [tokens.issue() for _ in range(SHOPPERS)]
    shoppers = [Shopper(token) for _, token in visitors]
    first: HubProcess = start_hub(drain_env, tmp_path)
    try:
        await asyncio.gather(*(s.connect(first.base) for s in shoppers))
        stop = asyncio.Event()
        streams = asyncio.gather(*(s.stream(stop) for s in shoppers))
        deadline = time.monotonic() + 15
        while min(len(s.acked) for s in shoppers) < 3:  # traffic flows for everyone
            assert time.monotonic() < deadline, "shoppers' messages are not acknowledged"
            await asyncio.sleep(0.05)
        first.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        code = await asyncio.to_thread(first.process.wait, GRACE_SECONDS + 10)
        exited = time.monotonic() - signalled
        stop.set()
        await asyncio.wait_for(streams, 10)
    finally:
        first.terminate()
    logs = first.logs()
    assert code == 0, logs
    # well within the grace: nothing waits for a peer (sockets are closed, not left open)
    assert exited < GRACE_SECONDS, f"exited after {exited:.1f}s\n{logs}"
    assert "drained" in logs
    # every shopper was hung up by the server (told to move), not left to time out
    assert all(
        s.hung_up_at is not None and s.hung_up_at - signalled < GRACE_SECONDS for s in shoppers
    )

    stored = await stored_messages(database_url)
    acked = 0
    for (visitor_id, _), shopper in zip(visitors, shoppers, strict=True):
        for client_id, ack in shopper.acked.items():
            key = f"webchat:{visitor_id}:{client_id}"
            assert key in stored, f"acknowledged {key} is not in the database"
            assert stored[key] == (ack["id"], ack["conversation_id"], ack["seq"])
            acked += 1
    assert acked == sum(len(s.acked) for s in shoppers) >= 3 * SHOPPERS

    # Another process takes the shoppers back; each resends what had no answer.
    second = start_hub(drain_env, tmp_path)
    try:
        for shopper in shoppers:
            shopper.sio = socketio.AsyncClient(reconnection=False)
        await asyncio.gather(*(s.connect(second.base) for s in shoppers))
        for (visitor_id, _), shopper in zip(visitors, shoppers, strict=True):
            for client_id, text in shopper.unanswered:
                ack = await shopper.send(client_id, text, timeout=10)
                assert ack is not None
                key = f"webchat:{visitor_id}:{client_id}"
                if key in stored:  # stored by the first process, its ack lost in the hang-up
                    assert ack["id"] == stored[key][0]
        for shopper in shoppers:
            await shopper.sio.disconnect()
    finally:
        assert second.terminate() == 0
    after = await stored_messages(database_url)
    resent = {
        f"webchat:{visitor_id}:{client_id}"
        for (visitor_id, _), shopper in zip(visitors, shoppers, strict=True)
        for client_id, _ in shopper.unanswered
    }
    assert set(after) == set(stored) | resent


@pytest.mark.parametrize(
    ("setting", "loop"), [(None, "uvloop"), ("asyncio", "asyncio"), ("uvloop", "uvloop")]
)
async def test_hub_serve_runs_on_the_event_loop_it_is_told(
    hub_env: dict[str, str], tmp_path: Path, setting: str | None, loop: str
) -> None:
    env = dict(hub_env)
    env.pop("HUB_EVENT_LOOP", None)
    if setting is not None:
        env["HUB_EVENT_LOOP"] = setting
    env["HUB_PROCESS_NAME"] = "web-7"
    server = start_hub(env, tmp_path)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{server.base}/metrics") as response:
            text = await response.text()
    finally:
        assert server.terminate() == 0
    assert 'hub_process_info{database="' in text
    (info,) = [line for line in text.splitlines() if line.startswith("hub_process_info{")]
    assert f'event_loop="{loop}"' in info and 'process="web-7"' in info
