"""Production mode at full size: several `hub serve` processes and one `hub worker` on one
PostgreSQL and one Redis, and clients that outlive the process they were connected to."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import redis.asyncio as aioredis
import socketio

from hub import change_feed
from hub.clock import system_clock
from hub.conversations import append_message
from hub.db.engine import Database
from hub.db.models import Conversation
from hub.inbox import Inbox
from hub.messages import Inbound
from hub.tasks import BackgroundTasks
from tests.e2e.conftest import BIN, HubProcess, start_worker
from tests.factories import make_staff

REDIS_URL = "redis://127.0.0.1:6379/0"
SHOPPER = "/shopper"
CONSOLE = "/console"
ACK_SECONDS = 15.0  # an ack (or the connection's end) must come within this
STOP_SECONDS = 20.0  # a drain takes HUB_SHUTDOWN_GRACE_SECONDS (10) plus aiohttp's 5 at most


async def forget_redis(prefix: str) -> None:
    client = aioredis.from_url(REDIS_URL)
    try:
        stale = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        stale += [key async for key in client.scan_iter(match=f"rq:*{prefix}*", count=1000)]
        if stale:
            await client.unlink(*stale)
        queues = [q for q in await client.smembers("rq:queues") if prefix.encode() in q]
        if queues:
            await client.srem("rq:queues", *queues)
    finally:
        await client.aclose()


# -- processes -----------------------------------------------------------------------------


def _free_ports(count: int) -> list[int]:
    """Distinct free ports (all bound at once, so no two are the same)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class Cluster:
    """N web processes and one worker, started side by side rather than one after another."""

    web: list[HubProcess]
    worker: subprocess.Popen[str]
    worker_log: Path
    env: dict[str, str]
    killed: set[int] = field(default_factory=set)

    @classmethod
    def start(cls, env: dict[str, str], tmp: Path, *, web: int) -> Cluster:
        hubs: list[HubProcess] = []
        env = {**env, "PYTHONFAULTHANDLER": "1"}  # a stack dump on SIGABRT (see stop)
        for port in _free_ports(web):
            own = {**env, "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}"}
            log_path = tmp / f"hub-{port}.log"
            log = log_path.open("w")
            process = subprocess.Popen(
                [str(BIN / "hub"), "serve", "--port", str(port)],
                env=own,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
            hubs.append(HubProcess(f"http://127.0.0.1:{port}", own, process, log_path, log))
        worker, worker_log = start_worker(env, tmp, hubs[0].base)
        running = cls(hubs, worker, worker_log, env)
        try:
            running._wait_ready()
        except BaseException:
            running.stop()
            raise
        return running

    def _wait_ready(self) -> None:
        """Ready when every port answers: the app's start-up (routing, jobs) runs before the
        listener opens."""
        waiting = {int(hub.base.rsplit(":", 1)[1]): hub for hub in self.web}
        deadline = time.monotonic() + 30
        while waiting and time.monotonic() < deadline:
            for port, hub in list(waiting.items()):
                if hub.process.poll() is not None:
                    raise RuntimeError(f"hub serve exited early:\n{hub.logs()}")
                if _answers(port):
                    del waiting[port]
            if waiting:
                time.sleep(0.05)
        if waiting:
            raise RuntimeError(f"hub serve did not start: {sorted(waiting)}")
        if self.worker.poll() is not None:
            raise RuntimeError(f"hub worker exited early:\n{self.worker_log.read_text()}")

    @property
    def bases(self) -> list[str]:
        return [hub.base for hub in self.web]

    def kill(self, index: int) -> None:
        """SIGKILL: no drain, no goodbye; the kernel closes its sockets."""
        self.web[index].process.send_signal(signal.SIGKILL)
        self.web[index].process.wait(timeout=10)
        self.killed.add(index)

    def stop(self) -> None:
        """SIGTERM to everyone at once, then wait: each drains in parallel. One that has not
        stopped in STOP_SECONDS gets SIGABRT (faulthandler writes every thread's stack to
        its log) and is reported on stderr: the drain is not what these tests are about."""
        processes = [*(hub.process for hub in self.web), self.worker]
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        hung: list[subprocess.Popen[str]] = []
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGABRT)
                process.wait(timeout=10)
                hung.append(process)
        for hub in self.web:
            if hub.log_file is not None and not hub.log_file.closed:
                hub.log_file.close()
        for process in hung:  # pytest's temporary folders do not last: show the end here
            path = next((h.log_path for h in self.web if h.process is process), self.worker_log)
            tail = "\n".join(path.read_text().splitlines()[-80:])
            print(f"\n{process.args} hung on SIGTERM; its log ends:\n{tail}", file=sys.stderr)

    def problems(self) -> list[str]:
        """Error and critical log records of every process still alive (a killed one may
        have been cut mid-line)."""
        found = []
        logs = [hub.log_path for i, hub in enumerate(self.web) if i not in self.killed]
        for path in [*logs, self.worker_log]:
            for line in path.read_text().splitlines():
                if not line.startswith("{"):
                    continue
                record = json.loads(line)
                if record.get("level") in ("error", "critical"):
                    found.append(f"{path.name}: {line}")
        return found


# -- data ----------------------------------------------------------------------------------


async def add_ambassadors(
    database_url: str, count: int, capacity: int = 3, *, role: str = "ambassador"
) -> list[str]:
    """Staff of PARIS01 with their capacity; returns their e-mail addresses."""
    db = Database(database_url)
    emails = [f"{role}{i}-{uuid.uuid4().hex[:6]}@test.concierge" for i in range(count)]
    try:
        now = datetime.now(UTC)
        for i, email in enumerate(emails):
            await make_staff(
                db, now, name=f"{role.title()} {i}", email=email, capacity=capacity, role=role
            )
    finally:
        await db.close()
    return emails


class _Unheard:
    """The events and the routing of a process that dies right after a commit."""

    async def message_added(self, *_: Any) -> None:
        return None

    async def conversation_closed(self, *_: Any) -> None:
        return None

    async def enqueue(self, *_: Any) -> None:
        return None

    async def finished(self, *_: Any) -> None:
        return None

    async def dropped(self, *_: Any) -> None:
        return None

    def record_handling(self, *_: Any) -> None:
        return None


async def store_unrouted(database_url: str, visitor_id: str, client_id: str, text: str) -> str:
    """What a web process killed right after its commit leaves behind: a shopper's first
    message stored and acknowledged to nobody, its conversation queued, routing never told.
    Returns the message id."""
    db = Database(database_url)
    tasks = BackgroundTasks()
    try:
        unheard = _Unheard()
        inbox = Inbox(db, clock=system_clock, events=unheard, routing=unheard, tasks=tasks)
        stored = await inbox.receive(
            Inbound(
                channel="webchat",
                contact=visitor_id,
                identity_kind="visitor",
                identity_value=visitor_id,
                dedupe_key=f"webchat:{visitor_id}:{client_id}",
                text=text,
                received_at=system_clock(),
                store_code="PARIS01",
            )
        )
        await tasks.drain(5)
        return stored.message.id
    finally:
        await db.close()


async def write_like_a_job(database_url: str, conversation_id: str, text: str) -> str:
    """A message written outside the web processes, as `hub worker`'s reminder job writes
    one into a chat: a system message and a change-feed entry, in one transaction."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            now = system_clock()
            message = await append_message(
                session,
                conversation,
                now,
                direction="internal",
                channel=conversation.channel,
                author_kind="system",
                author_name=None,
                text=text,
                dedupe_key=f"test-job:{uuid.uuid4().hex}",
            )
            await change_feed.record(session, change_feed.MESSAGE, message.id, at=now)
            return message.id
    finally:
        await db.close()


async def sql(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float, what: str, every: float = 0.1
) -> None:
    """For state only a database or Redis can tell (clients await their events instead)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(every)


class Progress:
    """Something changed: waiters re-check their condition (no polling, no sleeps)."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()

    async def until(self, check: Callable[[], bool], *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"not within {timeout}s: {what}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


# -- clients -------------------------------------------------------------------------------


class Shopper:
    """A web shopper with one visitor token for life, across connections and processes.

    ``send`` answers the ack, or None when the connection ended before it came: then the
    message may or may not be stored, and the contract says to send it again with the same
    ``client_id``.
    """

    def __init__(self, token: str, label: str, progress: Progress) -> None:
        self.token = token
        self.label = label
        self.progress = progress
        self.sio: socketio.AsyncClient | None = None
        self.base: str | None = None
        self.dropped = asyncio.Event()
        self.acks: dict[str, dict[str, Any]] = {}  # client_id -> ack
        self.live: dict[str, dict[str, Any]] = {}  # message id -> payload, as pushed
        self.events: dict[str, list[Any]] = {}
        self.drops = 0
        self.resent: list[str] = []
        self.bases: list[str] = []  # every process it was connected to, in order

    async def connect(self, base: str) -> None:
        sio = socketio.AsyncClient(reconnection=False)
        dropped = asyncio.Event()

        async def on_event(event: str, data: Any = None) -> None:
            if event == "message" and isinstance(data, dict):
                self.live[data["id"]] = data
            self.events.setdefault(event, []).append(data)
            self.progress.notify()

        async def on_disconnect(*_: Any) -> None:
            dropped.set()
            self.progress.notify()

        sio.on("*", on_event, namespace=SHOPPER)
        sio.on("disconnect", on_disconnect, namespace=SHOPPER)
        try:
            await sio.connect(
                base,
                namespaces=[SHOPPER],
                auth={"visitor_token": self.token, "store": "PARIS01"},
                transports=["websocket"],
                wait_timeout=10,
            )
        except Exception:
            http = sio.eio.http
            if http is not None and not http.closed:
                await http.close()
            raise
        self.sio, self.base, self.dropped = sio, base, dropped
        self.bases.append(base)

    async def send(self, client_id: str, text: str) -> dict[str, Any] | None:
        assert self.sio is not None
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def on_ack(*args: Any) -> None:
            if not answer.done():
                answer.set_result(args[0] if args else None)

        if self.dropped.is_set():
            return None
        try:
            await self.sio.emit(
                "message", {"client_id": client_id, "text": text}, SHOPPER, callback=on_ack
            )
        except socketio.exceptions.SocketIOError:
            return None  # the connection ended under us
        dropped = asyncio.ensure_future(self.dropped.wait())
        try:
            await asyncio.wait(
                {answer, dropped}, timeout=ACK_SECONDS, return_when="FIRST_COMPLETED"
            )
        finally:
            dropped.cancel()
        if not answer.done():
            if self.dropped.is_set():
                return None
            raise AssertionError(f"{self.label}: no ack for {client_id} within {ACK_SECONDS}s")
        ack = answer.result()
        assert isinstance(ack, dict) and "error" not in ack, (self.label, client_id, ack)
        self.acks[client_id] = ack
        self.progress.notify()
        return dict(ack)

    async def call(self, event: str, data: Any) -> Any:
        assert self.sio is not None
        return await self.sio.call(event, data, namespace=SHOPPER, timeout=ACK_SECONDS)

    def known_seqs(self) -> set[int]:
        """What this shopper has seen: its own acked messages and what was pushed to it."""
        return {int(a["seq"]) for a in self.acks.values()} | {
            int(m["seq"]) for m in self.live.values()
        }

    def contiguous_seq(self) -> int:
        """The highest seq up to which nothing is missing: where ``history`` resumes."""
        seen, seq = self.known_seqs(), 0
        while seq + 1 in seen:
            seq += 1
        return seq

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
        if self.sio is not None:
            http = self.sio.eio.http
            if http is not None and not http.closed:
                await http.close()


class Desk:
    """An ambassador's console that accepts every offer it is made (unless told not to) and
    remembers everything it receives."""

    def __init__(self, label: str, progress: Progress, *, accept: bool = True) -> None:
        self.label = label
        self.progress = progress
        self.accept = accept
        self.sio = socketio.AsyncClient(reconnection=False)
        self.offers: list[dict[str, Any]] = []
        self.accepted: dict[str, str] = {}  # conversation id -> offer id
        self.refused: list[dict[str, Any]] = []  # accept acks with an error
        self.messages: dict[str, dict[str, Any]] = {}  # message id -> payload
        self.message_events = 0
        self.events: dict[str, list[Any]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.on_message: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self.sio.on("*", self._record, namespace=CONSOLE)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events.setdefault(event, []).append(data)
        if event == "offer":
            self.offers.append(data)
            if self.accept:
                self._spawn(self._accept(data))
        elif event == "message" and isinstance(data, dict):
            self.message_events += 1
            first = data["id"] not in self.messages
            self.messages[data["id"]] = data
            if first and self.on_message is not None:
                self._spawn(self.on_message(data))
        self.progress.notify()

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _accept(self, offer: dict[str, Any]) -> None:
        ack = await self.call("accept", {"offer_id": offer["offer_id"]})
        if "error" in ack:
            self.refused.append(ack)
        else:
            self.accepted[ack["conversation"]["id"]] = offer["offer_id"]
        self.progress.notify()

    async def connect(self, base: str, token: str, *, available: bool = True) -> None:
        await self.sio.connect(
            base, namespaces=[CONSOLE], auth={"token": token}, transports=["websocket"]
        )
        if available:
            assert await self.call("presence", {"status": "available"}) == {"status": "available"}

    async def call(self, event: str, data: Any) -> Any:
        return await self.sio.call(event, data, namespace=CONSOLE, timeout=ACK_SECONDS)

    async def settle(self) -> None:
        """Let every accept or reply this desk started finish."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks))

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*list(self.tasks), return_exceptions=True)
        if self.sio.connected:
            await self.sio.disconnect()
        http = self.sio.eio.http
        if http is not None and not http.closed:
            await http.close()
