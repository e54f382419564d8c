"""The load client: worker processes driving shoppers and ambassadors over real sockets.

Each worker process (``multiprocessing``, spawned) owns a share of the shoppers and of
the ambassadors and runs them on one event loop; the parent (``WorkerPool``) tells every
worker what to do next and gathers what it recorded:

1. ``ambassadors``: log in (``POST /api/auth/login``, each from its own loopback source
   address, so the hub's per-address login limit does not bite), connect on ``/console``,
   ``presence available``; every ``offer`` is accepted at once.
2. ``shoppers``: a visitor token each (``POST /api/visitors``), connect on ``/shopper``,
   an opening message, wait for ``assigned``, one ``typing``.
3. ``run``: closed loop (each shopper sends the next message when the last is acked) or
   open loop (a fixed total rate, every send on a schedule fixed in advance, latency
   counted from the scheduled time so a slow server cannot hide behind a slow client).
   Texts carry ``run shopper n scheduled-time``: the ambassador who receives a
   ``message`` records its delivery latency on the same host clock (CLOCK_MONOTONIC is
   shared by processes). With ``reply_every`` the ambassador answers every n-th message
   and the shopper records the reply's delivery the same way.
4. ``collect``: wait until deliveries stop, then hand back the ambassadors' records;
   the parent matches them against the acks for losses and duplicates.
5. ``idle``: connect many shoppers that send nothing (memory per connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from bench.relay import loops

SHOPPER = "/shopper"
CONSOLE = "/console"
PASSWORD = "bench-relay-password"
FILLER = "Is the Serpent bracelet available in size 17?"
CONNECT_TIMEOUT = 30.0
ASSIGN_TIMEOUT = 180.0
Message = tuple[int, int, int, int, str]  # shopper, n, scheduled ns, ack ns (0: none), status
Delivery = tuple[int, int, int, int]  # shopper, n, scheduled ns, received ns


def source_ip(index: int) -> str:
    """A loopback address of its own for each ambassador's login (127.0.0.0/8 is all lo)."""
    return f"127.1.{index // 250}.{index % 250 + 1}"


def raise_fd_limit() -> int:
    """Soft limit of open files up to the hard one (and the hard one up where allowed)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        wanted = int(open("/proc/sys/fs/nr_open").read())  # noqa: SIM115
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, 1 << 20), min(wanted, 1 << 20)))
    except (OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass(frozen=True)
class WorkerPlan:
    index: int
    base: str
    store: str | None
    ambassadors: tuple[tuple[int, str], ...]  # (global index, e-mail)
    shoppers: tuple[int, ...]  # global indices
    total_shoppers: int
    client_loop: str
    connect_concurrency: int = 50
    open_concurrency: int = 25  # opening messages in flight: new conversations arrive in waves


@dataclass(frozen=True)
class RunSpec:
    run_id: int
    mode: str  # "closed" | "open"
    seconds: float
    rate: float  # open loop: total messages per second over all shoppers
    start_ns: int  # time.monotonic_ns() at which every worker starts
    reply_every: int = 0
    ack_timeout: float = 30.0


@dataclass
class SentReport:
    """A worker's shopper side of one run."""

    worker: int
    messages: list[Message]
    cpu_seconds: float
    wall_seconds: float
    late_sends: int  # open loop: sends that left more than 5 ms after their schedule


@dataclass
class Collected:
    """A worker's receiving side of one run."""

    worker: int
    deliveries: list[Delivery]
    reply_latencies_ns: list[int]
    reply_acks: Counter[str]
    cpu_seconds: float


@dataclass
class Shopper:
    index: int
    client: socketio.AsyncClient
    assigned: asyncio.Event = field(default_factory=asyncio.Event)
    conversation_id: str | None = None
    sent: int = 0


class Worker:
    def __init__(self, plan: WorkerPlan, conn: multiprocessing.connection.Connection) -> None:
        self.plan = plan
        self.conn = conn
        self.http: aiohttp.ClientSession | None = None
        self.ambassadors: list[socketio.AsyncClient] = []
        self.shoppers: dict[int, Shopper] = {}
        self.deliveries: dict[int, list[Delivery]] = {}
        self.reply_latencies: dict[int, list[int]] = {}
        self.reply_acks: dict[int, Counter[str]] = {}
        self.counts: Counter[str] = Counter()
        self.reply_every = 0
        self.tasks: set[asyncio.Task[Any]] = set()
        self.gate = asyncio.Semaphore(plan.connect_concurrency)

    # -- plumbing -------------------------------------------------------------------

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _client(self) -> socketio.AsyncClient:
        assert self.http is not None
        return socketio.AsyncClient(
            reconnection=False, handle_sigint=False, http_session=self.http, request_timeout=30
        )

    async def _connect(
        self, client: socketio.AsyncClient, namespace: str, auth: dict[str, Any]
    ) -> None:
        async with self.gate:
            await client.connect(
                self.plan.base,
                namespaces=[namespace],
                auth=auth,
                transports=["websocket"],
                wait_timeout=CONNECT_TIMEOUT,
            )

    async def serve(self) -> None:
        raise_fd_limit()
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        self.http = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        graceful = True
        try:
            while True:
                command, *args = await asyncio.to_thread(self.conn.recv)
                if command == "close":
                    graceful = bool(args[0]) if args else True
                    break
                try:
                    result = await getattr(self, f"do_{command}")(*args)
                except Exception:
                    self.conn.send(("error", traceback.format_exc()))
                else:
                    self.conn.send(("ok", result))
        finally:
            if graceful:
                await self._disconnect_all()
            await self.http.close()
        self.conn.send(("ok", None))

    async def _disconnect_all(self) -> None:
        clients = [*self.ambassadors, *(s.client for s in self.shoppers.values())]
        for start in range(0, len(clients), 500):
            await asyncio.gather(
                *(c.disconnect() for c in clients[start : start + 500] if c.connected),
                return_exceptions=True,
            )

    # -- ambassadors ----------------------------------------------------------------

    async def do_ambassadors(self) -> dict[str, int]:
        await asyncio.gather(*(self._ambassador(i, email) for i, email in self.plan.ambassadors))
        return {"ambassadors": len(self.ambassadors)}

    async def _login(self, index: int, email: str) -> str:
        connector = aiohttp.TCPConnector(local_addr=(source_ip(index), 0))
        async with (
            self.gate,
            aiohttp.ClientSession(connector=connector) as http,
            http.post(
                f"{self.plan.base}/api/auth/login", json={"email": email, "password": PASSWORD}
            ) as response,
        ):
            if response.status != 200:
                raise RuntimeError(f"login {email}: {response.status} {await response.text()}")
            return str((await response.json())["token"])

    async def _ambassador(self, index: int, email: str) -> None:
        token = await self._login(index, email)
        client = self._client()

        async def on_offer(data: dict[str, Any]) -> None:
            self.counts["offers"] += 1
            ack = await client.call("accept", {"offer_id": data["offer_id"]}, CONSOLE, timeout=60)
            self.counts["accepted" if "conversation" in ack else "accept_failed"] += 1

        def on_message(data: dict[str, Any]) -> None:
            received = time.monotonic_ns()
            parts = str(data.get("text", "")).split(" ", 5)
            if len(parts) < 5 or parts[0] != "bench":
                self.counts["other_messages"] += 1
                return
            run, shopper, n, scheduled = int(parts[1]), int(parts[2]), int(parts[3]), int(parts[4])
            self.deliveries.setdefault(run, []).append((shopper, n, scheduled, received))
            if self.reply_every and n % self.reply_every == 0:
                self._spawn(self._reply(client, run, data["conversation_id"], shopper, n))

        def on_typing(data: dict[str, Any]) -> None:
            self.counts["typing_received"] += 1

        def on_assigned(data: dict[str, Any]) -> None:
            self.counts["assigned_console"] += 1

        client.on("offer", on_offer, namespace=CONSOLE)
        client.on("message", on_message, namespace=CONSOLE)
        client.on("typing", on_typing, namespace=CONSOLE)
        client.on("assigned", on_assigned, namespace=CONSOLE)
        await self._connect(client, CONSOLE, {"token": token})
        self.ambassadors.append(client)
        ack = await client.call("presence", {"status": "available"}, CONSOLE, timeout=30)
        if ack != {"status": "available"}:
            raise RuntimeError(f"presence: {ack}")

    async def _reply(
        self, client: socketio.AsyncClient, run: int, conversation_id: str, shopper: int, n: int
    ) -> None:
        text = f"bench-reply {run} {shopper} {n} {time.monotonic_ns()} {FILLER}"
        body = {
            "conversation_id": conversation_id,
            "client_id": f"r{run}-{shopper}-{n}",
            "text": text,
        }
        try:
            ack = await client.call("reply", body, CONSOLE, timeout=30)
        except TimeoutError:
            status = "timeout"
        else:
            status = "ok" if "id" in ack else str(ack.get("error", {}).get("code"))
        self.reply_acks.setdefault(run, Counter())[status] += 1

    # -- shoppers -------------------------------------------------------------------

    async def _visitor_token(self) -> str:
        assert self.http is not None
        async with (
            self.gate,
            self.http.post(f"{self.plan.base}/api/visitors") as response,
        ):
            if response.status != 201:
                raise RuntimeError(f"visitor token: {response.status} {await response.text()}")
            return str((await response.json())["visitor_token"])

    async def _shopper(self, index: int) -> Shopper:
        token = await self._visitor_token()
        shopper = Shopper(index, self._client())

        def on_assigned(data: dict[str, Any]) -> None:
            shopper.assigned.set()

        def on_message(data: dict[str, Any]) -> None:
            received = time.monotonic_ns()
            parts = str(data.get("text", "")).split(" ", 5)
            if len(parts) >= 5 and parts[0] == "bench-reply":
                latency = received - int(parts[4])
                self.reply_latencies.setdefault(int(parts[1]), []).append(latency)

        shopper.client.on("assigned", on_assigned, namespace=SHOPPER)
        shopper.client.on("message", on_message, namespace=SHOPPER)
        auth: dict[str, Any] = {"visitor_token": token}
        if self.plan.store:
            auth["store"] = self.plan.store
        await self._connect(shopper.client, SHOPPER, auth)
        return shopper

    async def do_shoppers(self) -> dict[str, Any]:
        """Connect, open a conversation each, wait for the assignments. Shoppers whose
        conversation could not be opened or was never assigned sit the runs out (counted)."""
        started = time.perf_counter()
        shoppers = await asyncio.gather(*(self._shopper(i) for i in self.plan.shoppers))
        connected = time.perf_counter()
        gate = asyncio.Semaphore(self.plan.open_concurrency)
        opened_ok = await asyncio.gather(*(self._open(s, gate) for s in shoppers))
        opened = time.perf_counter()
        waits = await asyncio.gather(
            *(
                asyncio.wait_for(s.assigned.wait(), ASSIGN_TIMEOUT)
                for s, ok in zip(shoppers, opened_ok, strict=True)
                if ok
            ),
            return_exceptions=True,
        )
        ready = [s for s in shoppers if s.assigned.is_set()]
        self.shoppers = {s.index: s for s in ready}
        typing = await asyncio.gather(
            *(s.client.call("typing", {"typing": True}, SHOPPER, timeout=30) for s in ready)
        )
        return {
            "shoppers": len(ready),
            "not_opened": opened_ok.count(False),
            "never_assigned": sum(isinstance(w, BaseException) for w in waits),
            "connect_seconds": connected - started,
            "open_seconds": opened - connected,
            "assign_seconds": time.perf_counter() - opened,
            "typing_acks": sum(t == {"ok": True} for t in typing),
        }

    async def _open(self, shopper: Shopper, gate: asyncio.Semaphore) -> bool:
        """The opening message; retried (same client_id, so stored once) on an error."""
        body = {
            "client_id": f"s{shopper.index}-open",
            "text": f"Hello from shopper {shopper.index}",
        }
        for _attempt in range(3):
            async with gate:
                try:
                    ack = await shopper.client.call("message", body, SHOPPER, timeout=60)
                except TimeoutError:
                    ack = {"error": {"code": "timeout"}}
            if "conversation_id" in ack:
                shopper.conversation_id = ack["conversation_id"]
                return True
            self.counts[f"open_error_{self._status(ack)}"] += 1
            await asyncio.sleep(1.0)
        return False

    async def do_counts(self) -> dict[str, int]:
        return dict(self.counts)

    # -- runs -----------------------------------------------------------------------

    def _body(self, run: int, shopper: Shopper, scheduled: int) -> tuple[int, dict[str, str]]:
        shopper.sent += 1
        n = shopper.sent
        text = f"bench {run} {shopper.index} {n} {scheduled} {FILLER}"
        return n, {"client_id": f"s{shopper.index}-{n}", "text": text}

    @staticmethod
    def _status(ack: Any) -> str:
        if isinstance(ack, dict) and "id" in ack:
            return "ok"
        if isinstance(ack, dict) and isinstance(ack.get("error"), dict):
            return str(ack["error"].get("code"))
        return "bad_ack"

    async def do_run(self, spec: RunSpec) -> SentReport:
        self.reply_every = spec.reply_every
        self.deliveries.setdefault(spec.run_id, [])
        messages: list[list[Any]] = []
        delay = (spec.start_ns - time.monotonic_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        cpu, wall = time.process_time(), time.perf_counter()
        end = spec.start_ns + int(spec.seconds * 1e9)
        late = 0
        if spec.mode == "closed":
            await asyncio.gather(
                *(self._closed(spec, s, end, messages) for s in self.shoppers.values())
            )
        else:
            late = await self._open_loop(spec, end, messages)
        return SentReport(
            self.plan.index,
            [tuple(m) for m in messages],  # type: ignore[misc]
            time.process_time() - cpu,
            time.perf_counter() - wall,
            late,
        )

    async def _closed(
        self, spec: RunSpec, shopper: Shopper, end: int, messages: list[list[Any]]
    ) -> None:
        client = shopper.client
        while (now := time.monotonic_ns()) < end:
            n, body = self._body(spec.run_id, shopper, now)
            record = [shopper.index, n, now, 0, "timeout"]
            messages.append(record)
            try:
                ack = await client.call("message", body, SHOPPER, timeout=spec.ack_timeout)
            except TimeoutError:
                continue
            except socketio.exceptions.SocketIOError:
                record[4] = "disconnected"
                return
            record[3] = time.monotonic_ns()
            record[4] = self._status(ack)
            if record[4] != "ok":
                await asyncio.sleep(0.5)  # an error (a rate limit): do not spin on it

    async def _open_loop(self, spec: RunSpec, end: int, messages: list[list[Any]]) -> int:
        """Every shopper sends once a period (shoppers / rate seconds), staggered evenly by
        its global index, so the total is ``rate`` per second across all workers."""
        total = self.plan.total_shoppers
        period = int(total / spec.rate * 1e9)
        step = 1e9 / spec.rate
        order = sorted(self.shoppers.values(), key=lambda s: s.index)
        outstanding = 0
        done = asyncio.Event()
        sending = True
        late = 0

        def acked(record: list[Any]) -> Any:
            def callback(*args: Any) -> None:
                nonlocal outstanding
                record[3] = time.monotonic_ns()
                record[4] = self._status(args[0] if args else None)
                outstanding -= 1
                if outstanding == 0 and not sending:
                    done.set()

            return callback

        cycle = 0
        while (base := spec.start_ns + cycle * period) < end:
            for shopper in order:
                scheduled = base + int(shopper.index * step)
                if scheduled >= end:
                    break
                wait = scheduled - time.monotonic_ns()
                if wait > 200_000:
                    await asyncio.sleep(wait / 1e9)
                elif wait < -5_000_000:
                    late += 1
                n, body = self._body(spec.run_id, shopper, scheduled)
                record = [shopper.index, n, scheduled, 0, "timeout"]
                messages.append(record)
                outstanding += 1
                try:
                    await shopper.client.emit("message", body, SHOPPER, callback=acked(record))
                except socketio.exceptions.SocketIOError:
                    outstanding -= 1
                    record[4] = "disconnected"
            cycle += 1
        sending = False
        if outstanding > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), spec.ack_timeout)
        return late

    async def do_collect(self, run_id: int, quiet: float, limit: float) -> Collected:
        """Deliveries of this run once none has arrived for ``quiet`` seconds."""
        cpu = time.process_time()
        deadline = time.monotonic() + limit
        seen = -1
        while time.monotonic() < deadline:
            count = len(self.deliveries.get(run_id, [])) + len(self.reply_latencies.get(run_id, []))
            if count == seen and not self.tasks:
                break
            seen = count
            await asyncio.sleep(quiet)
        return Collected(
            self.plan.index,
            self.deliveries.pop(run_id, []),
            self.reply_latencies.pop(run_id, []),
            self.reply_acks.pop(run_id, Counter()),
            time.process_time() - cpu,
        )

    # -- idle connections -----------------------------------------------------------

    async def do_idle(self) -> dict[str, Any]:
        """Connect this worker's shoppers and send nothing."""
        started = time.perf_counter()
        results = await asyncio.gather(
            *(self._shopper(i) for i in self.plan.shoppers), return_exceptions=True
        )
        shoppers = [r for r in results if isinstance(r, Shopper)]
        errors = [r for r in results if not isinstance(r, Shopper)]
        self.shoppers.update({s.index: s for s in shoppers})
        return {
            "connected": len(shoppers),
            "failed": len(errors),
            "first_error": repr(errors[0]) if errors else None,
            "seconds": time.perf_counter() - started,
            "rss_kib": rss_kib(os.getpid()),
        }


def rss_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status").read().splitlines():  # noqa: SIM115
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_main(plan: WorkerPlan, conn: multiprocessing.connection.Connection) -> None:
    # engine.io logs each of thousands of closing sockets at error level ("packet queue
    # is empty, aborting"); failures that matter reach the bench as exceptions.
    for name in ("engineio.client", "socketio.client"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    loops.run(Worker(plan, conn).serve(), plan.client_loop)


class WorkerPool:
    """The parent's handle on the worker processes; commands go to all at once."""

    def __init__(self, plans: list[WorkerPlan]) -> None:
        context = multiprocessing.get_context("spawn")
        self.conns: list[multiprocessing.connection.Connection] = []
        self.processes: list[Any] = []
        for plan in plans:
            parent, child = context.Pipe()
            process = context.Process(target=worker_main, args=(plan, child), daemon=True)
            process.start()
            child.close()
            self.conns.append(parent)
            self.processes.append(process)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    async def call(self, command: str, *args: Any, wait_seconds: float = 600) -> list[Any]:
        for conn in self.conns:
            conn.send((command, *args))
        answers = (self._answer(c, wait_seconds) for c in self.conns)
        return list(await asyncio.gather(*answers))

    async def _answer(
        self, conn: multiprocessing.connection.Connection, wait_seconds: float
    ) -> Any:
        def wait() -> Any:
            if not conn.poll(wait_seconds):
                raise TimeoutError(f"a load worker did not answer in {wait_seconds:.0f} s")
            return conn.recv()

        status, value = await asyncio.to_thread(wait)
        if status != "ok":
            raise RuntimeError(f"load worker failed:\n{value}")
        return value

    async def close(self, graceful: bool = True) -> None:
        """``graceful``: disconnect every socket first; otherwise just end the processes."""
        with contextlib.suppress(OSError, EOFError, TimeoutError, RuntimeError):
            await self.call("close", graceful, wait_seconds=60)
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()

    def cpu_seconds(self) -> float:
        return sum(process_cpu_seconds(pid) for pid in self.pids)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all threads) so far, from /proc."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()  # noqa: SIM115
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[i::parts] for i in range(parts)]
