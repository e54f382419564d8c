"""A real ``hub serve`` on a fresh database, set up through the real CLI, for HTTP benches.

``serving("sqlite" | "postgresql", ...)`` creates the database (a file in a temporary
folder, or a new PostgreSQL database dropped at the end), runs ``hub migrate`` and the
given setup commands, starts ``hub serve`` on a free port, waits for ``/healthz`` and
stops it with SIGTERM when the block ends. The hub logs to a file in the folder; a
``HubServer`` reads its counters from ``/metrics``, its JSON log's events and its CPU time
(``Stopwatch``: wall clock and CPU of the hub and of the bench over each lap).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg

ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent
START_SECONDS = 30.0


@dataclass(frozen=True)
class Command:
    """One ``hub`` command line and what it reads on stdin."""

    args: tuple[str, ...]
    stdin: str | None = None


@dataclass
class HubServer:
    base: str
    database_url: str
    process: asyncio.subprocess.Process
    log_path: Path

    def cpu_seconds(self) -> float:
        """User and system CPU the hub process (all its threads) has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def counters(self, name: str, label: str) -> dict[str, float]:
        """One Prometheus series from ``/metrics``, by the value of one label."""
        pattern = re.compile(rf'^{re.escape(name)}\{{{label}="([^"]*)"\}} (\S+)$')
        async with aiohttp.ClientSession() as http, http.get(f"{self.base}/metrics") as response:
            lines = (await response.text()).splitlines()
        return {m[1]: float(m[2]) for line in lines if (m := pattern.match(line))}

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def logged_events(self) -> Counter[str]:
        """JSON log lines (HUB_LOG_FORMAT=json) by level and event; other lines are skipped."""
        found: Counter[str] = Counter()
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            found[f"{record.get('level')}: {record.get('event')}"] += 1
        return found


@dataclass(frozen=True)
class Phase:
    """Wall clock and CPU seconds (the hub's process, all threads, and this one) over a lap."""

    wall: float
    hub: float
    client: float


class Stopwatch:
    """Laps of wall clock and CPU, from its creation or the previous lap."""

    def __init__(self, server: HubServer) -> None:
        self.server = server
        self.last = self._read()

    def _read(self) -> tuple[float, float, float]:
        return time.perf_counter(), self.server.cpu_seconds(), time.process_time()

    def lap(self) -> Phase:
        now = self._read()
        wall, hub, client = (b - a for a, b in zip(self.last, now, strict=True))
        self.last = now
        return Phase(wall, hub, client)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _hub(env: Mapping[str, str], command: Command) -> None:
    process = await asyncio.create_subprocess_exec(
        str(BIN / "hub"),
        *command.args,
        env=dict(env),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await process.communicate((command.stdin or "").encode())
    if process.returncode != 0:
        message = err.decode(errors="replace")[-2000:]
        raise SystemExit(f"hub {' '.join(command.args)} failed:\n{message}")


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(kind: str, folder: Path, prefix: str) -> AsyncIterator[str]:
    """The URL of an empty database of this kind, removed when the block ends."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'hub.db'}"
        return
    if kind != "postgresql":
        raise SystemExit(f"unknown database {kind!r}: sqlite or postgresql")
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _wait_healthy(server: HubServer) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_SECONDS
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            if server.process.returncode is not None:
                raise SystemExit(f"hub serve exited early:\n{server.log_tail()}")
            try:
                async with http.get(f"{server.base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"hub serve did not answer /healthz in {START_SECONDS:.0f} s")


async def _stop(server: HubServer) -> None:
    if server.process.returncode is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(server.process.wait(), 30)
    except TimeoutError:
        server.process.kill()
        await server.process.wait()


@asynccontextmanager
async def serving(
    kind: str,
    folder: Path,
    *,
    setup: Sequence[Command] = (),
    env: Mapping[str, str] | None = None,
    prefix: str = "bench_hub",
) -> AsyncIterator[HubServer]:
    """``hub serve`` on a fresh, migrated database of this kind, after ``setup``."""
    async with fresh_database(kind, folder, prefix) as url:
        port = free_port()
        environment = {
            **os.environ,
            "HUB_DATABASE_URL": url,
            "HUB_SECRET_KEY": secrets.token_urlsafe(48),
            "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
            **(env or {}),
        }
        for command in (Command(("migrate",)), *setup):
            await _hub(environment, command)
        log_path = folder / f"hub-{kind}.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                str(BIN / "hub"),
                *("serve", "--host", "127.0.0.1", "--port", str(port)),
                env=environment,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        server = HubServer(f"http://127.0.0.1:{port}", url, process, log_path)
        try:
            await _wait_healthy(server)
            yield server
        finally:
            await _stop(server)
