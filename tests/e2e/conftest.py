"""A real `hub serve` process on a free port, set up through the real CLI, and
socket.io clients that record what they receive."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from hub.db.engine import Database
from tests.factories import PASSWORD, make_staff, make_store
from tests.fakes.smtp import FakeSmtpServer

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hub(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "hub"), *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


@dataclass
class HubProcess:
    base: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    log_path: Path
    log_file: Any = None

    def logs(self) -> str:
        return self.log_path.read_text()

    def terminate(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        if self.log_file is not None and not self.log_file.closed:
            self.log_file.close()
        return code


def start_hub(env: dict[str, str], tmp: Path) -> HubProcess:
    port = free_port()
    env = {**env, "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    log_path = tmp / f"hub-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(BIN / "hub"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = HubProcess(f"http://127.0.0.1:{port}", env, process, log_path, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # readiness: the port answers /healthz
        if process.poll() is not None:
            log.close()
            raise RuntimeError(f"hub serve exited early:\n{server.logs()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        server.terminate()
        raise RuntimeError(f"hub serve did not start:\n{server.logs()}")
    return server


def start_worker(
    env: dict[str, str], tmp: Path, public_url: str
) -> tuple[subprocess.Popen[str], Path]:
    """A ``hub worker`` logging to ``tmp/worker.log``; links it writes point at
    ``public_url`` (a web process)."""
    log_path = tmp / "worker.log"
    with log_path.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "hub"), "worker"],
            env={**env, "HUB_PUBLIC_URL": public_url},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return process, log_path


@pytest.fixture
def hub_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HUB_DATABASE_URL": database_url,
        "HUB_ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        "HUB_SECRET_KEY": secrets.token_urlsafe(48),
        "HUB_LOG_FORMAT": "json",
        "HUB_OFFER_TIMEOUT_SECONDS": "30",
    }
    asyncio.run(_seed(database_url))
    return env


async def _seed(database_url: str) -> None:
    """One boutique and one ambassador (the CLI that does the same has its own tests)."""
    db = Database(database_url)
    try:
        now = datetime.now(UTC)
        await make_store(db, now)
        await make_staff(db, now, name="Amélie Laurent", email="amelie@test.concierge")
    finally:
        await db.close()


@pytest.fixture
def server(hub_env: dict[str, str], tmp_path: Path) -> Iterator[HubProcess]:
    process = start_hub(hub_env, tmp_path)
    yield process
    process.terminate()


@pytest.fixture
def mail_server(
    hub_env: dict[str, str], smtp: FakeSmtpServer, tmp_path: Path
) -> Iterator[HubProcess]:
    """A hub that sends its mail through the fake SMTP server, for tests that open links
    from mails (verification, invitations, ratings)."""
    process = start_hub({**hub_env, "HUB_SMTP_RELAY": smtp.relay}, tmp_path)
    yield process
    process.terminate()


class Client:
    """A socket.io client that queues every event it receives, for awaiting in order."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, asyncio.Queue[Any]] = {}
        self.sio.on("*", self._record, namespace=namespace)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events.setdefault(event, asyncio.Queue()).put_nowait(data)

    async def connect(
        self, base: str, auth: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        try:
            await self.sio.connect(
                base,
                namespaces=[self.namespace],
                auth=auth,
                transports=["websocket"],
                headers=headers or {},
                wait_timeout=10,
            )
        except Exception:
            http = self.sio.eio.http
            if http is not None and not http.closed:
                await http.close()
            raise

    async def call(self, event: str, data: Any) -> Any:
        return await self.sio.call(event, data, namespace=self.namespace, timeout=10)

    async def next(self, event: str, timeout: float = 10) -> Any:
        return await asyncio.wait_for(self.events.setdefault(event, asyncio.Queue()).get(), timeout)

    def pending(self, event: str) -> int:
        return self.events.get(event, asyncio.Queue()).qsize()

    async def close(self) -> None:
        await self.sio.disconnect()


@dataclass
class Session:
    base: str
    http: aiohttp.ClientSession
    clients: list[Client] = field(default_factory=list)

    async def visitor_token(self) -> str:
        async with self.http.post(f"{self.base}/api/visitors") as response:
            assert response.status == 201
            return str((await response.json())["visitor_token"])

    async def staff_token(self, email: str = "amelie@test.concierge") -> str:
        async with self.http.post(
            f"{self.base}/api/auth/login", json={"email": email, "password": PASSWORD}
        ) as response:
            assert response.status == 200, await response.text()
            return str((await response.json())["token"])

    async def shopper(self, token: str, **auth: Any) -> Client:
        client = Client("/shopper")
        await client.connect(self.base, {"visitor_token": token, **auth})
        self.clients.append(client)
        return client

    async def book(self, start: str, name: str, email: str, **extra: Any) -> dict[str, Any]:
        """Someone books PARIS01 through the API (as another shopper would, meanwhile)."""
        body = {"store": "PARIS01", "type": "in-store", "start": start, **extra}
        body["customer"] = {"name": name, "email": email}
        async with self.http.post(f"{self.base}/api/appointments", json=body) as response:
            assert response.status == 201, await response.text()
            return dict(await response.json())

    async def ambassador(self, token: str, *, available: bool = True) -> Client:
        client = Client("/console")
        await client.connect(self.base, {"token": token})
        self.clients.append(client)
        if available:
            assert await client.call("presence", {"status": "available"}) == {"status": "available"}
        return client


@pytest.fixture
async def session(server: HubProcess) -> AsyncIterator[Session]:
    async with aiohttp.ClientSession() as http:
        current = Session(server.base, http)
        yield current
        for client in current.clients:
            if client.sio.connected:
                await client.close()
