"""The servers under test: the bare relay, and ``hub serve`` on SQLite or PostgreSQL.

A target is named ``bare``, ``sqlite``, ``postgresql`` or ``postgresql+redis``, with an
optional ``:uvloop`` / ``:asyncio`` suffix for its event loop. The hub runs on a fresh
database set up through the real CLI (``bench.hub_server``'s helpers: a new database,
``hub migrate``, ``hub store add``, ``hub staff add`` per ambassador, run a few at a time),
then ``hub serve`` through ``bench.relay.hubproc`` (which picks the event loop and counts
statements and collections). Unless ``--stock-limits``, the per-visitor message limit is
lifted by its settings, so a closed loop measures the hub and not the limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

from bench.hub_server import (
    ADMIN_DSN,
    Command,
    HubServer,
    _hub,
    _stop,
    _wait_healthy,
    free_port,
    fresh_database,
)
from bench.relay import loops
from bench.relay.load import PASSWORD, process_cpu_seconds, rss_kib, split

ROOT = Path(__file__).resolve().parents[2]
STORE = "BENCH01"
KINDS = ("bare", "sqlite", "postgresql", "postgresql+redis")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SETUP_PROCESSES = 2
# Anonymous endpoints (POST /api/visitors) per client address: high enough for 10,000
# visitors from one loopback address in a few seconds.
HUB_ENV = {
    "HUB_ANONYMOUS_PER_MINUTE": "100000000",
    "HUB_ANONYMOUS_BURST": "100000000",
    "HUB_LOG_FORMAT": "json",
}


@dataclass(frozen=True)
class Target:
    kind: str
    loop: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.loop}"

    @property
    def is_hub(self) -> bool:
        return self.kind != "bare"

    @classmethod
    def parse(cls, spec: str, default_loop: str) -> Target:
        kind, _sep, loop = spec.strip().partition(":")
        if kind not in KINDS:
            raise SystemExit(f"unknown target {kind!r}: one of {', '.join(KINDS)}")
        return cls(kind, loops.check(loop or default_loop))


@dataclass
class Running:
    target: Target
    base: str
    pid: int
    log_path: Path
    notes: list[str] = field(default_factory=list)
    sql_counts: Path | None = None
    database_url: str | None = None
    gc_log: Path | None = None

    async def database_pids(self) -> set[int]:
        """PostgreSQL backends serving this hub's database now."""
        if self.database_url is None or not self.database_url.startswith("postgresql"):
            return set()
        name = self.database_url.rsplit("/", 1)[1]
        connection = await asyncpg.connect(ADMIN_DSN)
        try:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1", name
            )
        finally:
            await connection.close()
        return {int(row["pid"]) for row in rows}

    def sql(self) -> Counter[str]:
        """What the hub has sent to its database so far (``hubproc --sql-counts``)."""
        if self.sql_counts is None or not self.sql_counts.exists():
            return Counter()
        return Counter(json.loads(self.sql_counts.read_text()))

    def gc_pauses(self, since: float, until: float) -> list[tuple[int, float]]:
        """The hub's garbage collections between these wall-clock times
        (``hubproc --gc-log``): (generation, pause in ms)."""
        if self.gc_log is None or not self.gc_log.exists():
            return []
        return [
            (generation, ms)
            for generation, ms, _collected, at in json.loads(self.gc_log.read_text())
            if since <= at <= until
        ]

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def email(index: int) -> str:
    return f"ambassador{index}@bench.test"


def setup_commands(ambassadors: int, capacity: int) -> tuple[Command, list[Command]]:
    store = Command(
        (
            "store",
            *("add", STORE, "--name", "Bench", "--timezone", "Europe/Paris"),
            *("--country", "FR", "--languages", "en,fr"),
        )
    )
    staff = [
        Command(
            (
                "staff",
                *("add", "--email", email(i), "--name", f"Ambassador {i}", "--store", STORE),
                *("--capacity", str(capacity), "--password-stdin"),
            ),
            stdin=PASSWORD + "\n",
        )
        for i in range(ambassadors)
    ]
    return store, staff


async def _hub_batch(env: dict[str, str], commands: list[Command]) -> None:
    """Several ``hub`` commands through ``hub.cli.main`` in one process (bench.relay.hubcli)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bench.relay.hubcli"),
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    batch = [{"args": list(c.args), "stdin": c.stdin} for c in commands]
    _out, err = await process.communicate(json.dumps(batch).encode())
    if process.returncode != 0:
        raise SystemExit(f"hub setup failed:\n{err.decode(errors='replace')[-2000:]}")


async def _setup(env: dict[str, str], ambassadors: int, capacity: int) -> None:
    """``hub migrate`` and ``hub store add`` as commands; the ambassadors' ``hub staff add``
    through ``hub.cli.main`` in a few processes (one interpreter start-up each)."""
    store, staff = setup_commands(ambassadors, capacity)
    await _hub(env, Command(("migrate",)))
    await _hub(env, store)
    if staff:
        await asyncio.gather(*(_hub_batch(env, part) for part in split(staff, SETUP_PROCESSES)))


def tail(path: Path, chars: int = 2000) -> str:
    return path.read_text(errors="replace")[-chars:]


async def _wait_bare(base: str, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    async with aiohttp.ClientSession() as http:
        while asyncio.get_running_loop().time() < deadline:
            if process.returncode is not None:
                raise SystemExit(f"bare relay exited early:\n{tail(log)}")
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("bare relay did not answer /healthz in 30 s")


@asynccontextmanager
async def bare(target: Target, folder: Path) -> AsyncIterator[Running]:
    port = free_port()
    log_path = folder / f"bare-{target.loop}-{port}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bench.relay", "--serve-bare", str(port), "--loop", target.loop),
            cwd=ROOT,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_bare(base, process, log_path)
        yield Running(target, base, process.pid, log_path)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


@asynccontextmanager
async def hub(
    target: Target,
    folder: Path,
    *,
    ambassadors: int,
    capacity: int,
    lift_visitor_limit: bool,
    cprofile: Path | None = None,
) -> AsyncIterator[Running]:
    database = "postgresql" if target.kind.startswith("postgresql") else "sqlite"
    sub = folder / f"{target.kind}-{target.loop}-{secrets.token_hex(2)}"
    sub.mkdir()
    async with fresh_database(database, sub, "bench_relay") as url:
        port = free_port()
        env = {
            **os.environ,
            "HUB_DATABASE_URL": url,
            "HUB_SECRET_KEY": secrets.token_urlsafe(48),
            "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
            **HUB_ENV,
            # hub serve picks its loop from this setting where it has one (uvloop by
            # default); hubproc's loop policy covers a hub without it.
            "HUB_EVENT_LOOP": target.loop,
        }
        prefix = f"benchrelay{os.getpid()}{secrets.token_hex(2)}:"
        if target.kind == "postgresql+redis":
            env.update(HUB_REDIS_URL=REDIS_URL, HUB_REDIS_PREFIX=prefix)
        await _setup(env, ambassadors, capacity)
        if lift_visitor_limit:
            env.update(
                HUB_VISITOR_MESSAGES_PER_MINUTE="1e9", HUB_VISITOR_MESSAGES_BURST="1000000000"
            )
        wrapper = ["--loop", target.loop]
        if cprofile is not None:
            wrapper += ["--cprofile", str(cprofile)]
        sql_counts = sub / "sql-counts.json"
        gc_log = sub / "gc.json"
        wrapper += ["--sql-counts", str(sql_counts), "--gc-log", str(gc_log)]
        log_path = sub / "hub.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "bench.relay.hubproc", *wrapper),
                *("serve", "--host", "127.0.0.1", "--port", str(port)),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        server = HubServer(f"http://127.0.0.1:{port}", url, process, log_path)
        try:
            await _wait_healthy(server)
            running = Running(
                target,
                server.base,
                process.pid,
                log_path,
                sql_counts=sql_counts,
                database_url=url,
                gc_log=gc_log,
            )
            if lift_visitor_limit:
                running.notes.append("visitor message limit lifted (HUB_VISITOR_MESSAGES_*)")
            reported = _logged_loop(log_path)
            if reported is not None and reported != target.loop:
                raise SystemExit(f"{target.label}: the hub says it runs on {reported}")
            running.notes.append(f"hub reports loop {reported or 'nothing (older hub)'}")
            yield running
        finally:
            await _stop(server)
            if target.kind == "postgresql+redis":
                await _drop_redis_prefix(prefix)


def _logged_loop(log_path: Path) -> str | None:
    """The loop ``hub serve`` says it runs on (its JSON log's ``event loop`` line)."""
    for line in log_path.read_text(errors="replace").splitlines():
        if '"event loop"' in line:
            with contextlib.suppress(ValueError):
                return str(json.loads(line).get("loop"))
    return None


async def _drop_redis_prefix(prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
        for start in range(0, len(keys), 1000):
            await redis.delete(*keys[start : start + 1000])
    finally:
        await redis.aclose()


@asynccontextmanager
async def serving(
    target: Target,
    folder: Path,
    *,
    ambassadors: int,
    capacity: int,
    lift_visitor_limit: bool = True,
    cprofile: Path | None = None,
) -> AsyncIterator[Running]:
    if not target.is_hub:
        async with bare(target, folder) as running:
            yield running
        return
    async with hub(
        target,
        folder,
        ambassadors=ambassadors,
        capacity=capacity,
        lift_visitor_limit=lift_visitor_limit,
        cprofile=cprofile,
    ) as running:
        yield running
