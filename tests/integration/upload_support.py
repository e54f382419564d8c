"""A hub with two boutiques for the attachment tests, and the shopper's and staff's moves:
upload a file, send it over the socket, download it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.services import SERVICES, Services
from hub.staff import Principal
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store

LIMIT = 200_000


def form(data: bytes, filename: str = "photo.png", content_type: str = "image/png") -> Any:
    body = aiohttp.FormData(quote_fields=False)  # names as browsers send them
    body.add_field("file", data, filename=filename, content_type=content_type)
    return body


@dataclass
class Shopper:
    token: str
    socket: socketio.AsyncClient
    received: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def send(self, client_id: str, text: str, attachments: list[str]) -> Any:
        return await self.socket.call(
            "message",
            {"client_id": client_id, "text": text, "attachments": attachments},
            namespace="/shopper",
            timeout=10,
        )


@dataclass
class UploadHub:
    client: TestClient
    files: Path
    people: dict[str, Principal] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    sockets: list[socketio.AsyncClient] = field(default_factory=list)

    @property
    def hub(self) -> Services:
        return self.client.app[SERVICES]

    def stored_files(self) -> list[Path]:
        """Every file under HUB_ATTACHMENTS_DIR, temporary ones included."""
        return sorted(p for p in self.files.rglob("*") if p.is_file())

    async def shopper(self, store: str = "PARIS01") -> Shopper:
        visitor = await self.client.post("/api/visitors")
        token = (await visitor.json())["visitor_token"]
        socket = socketio.AsyncClient(reconnection=False)
        shopper = Shopper(token, socket)
        socket.on("message", shopper.received.put_nowait, namespace="/shopper")
        await socket.connect(
            str(self.client.make_url("/")),
            namespaces=["/shopper"],
            auth={"visitor_token": token, "store": store},
            transports=["websocket"],
        )
        self.sockets.append(socket)
        return shopper

    async def console(self, who: str) -> socketio.AsyncClient:
        token = self.headers[who]["Authorization"].removeprefix("Bearer ")
        socket = socketio.AsyncClient(reconnection=False)
        await socket.connect(
            str(self.client.make_url("/")),
            namespaces=["/console"],
            auth={"token": token},
            transports=["websocket"],
        )
        self.sockets.append(socket)
        return socket

    async def upload(self, shopper: Shopper, data: bytes, **kw: Any) -> aiohttp.ClientResponse:
        return await self.client.post(
            "/api/webchat/attachments", data=form(data, **kw), headers=shopper.auth
        )

    async def download(self, attachment_id: str, headers: dict[str, str] | None = None) -> Any:
        return await self.client.get(f"/api/attachments/{attachment_id}", headers=headers or {})

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.disconnect()


@pytest.fixture
async def uploads(
    aiohttp_client: Any, database_url: str, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[UploadHub]:
    settings = make_settings(
        database_url,
        attachments_dir=tmp_path / "files",
        attachment_max_bytes=LIMIT,
        anonymous_per_minute=1000.0,
        anonymous_burst=200,
    )
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    world = UploadHub(client, tmp_path / "files")
    db = world.hub.db
    await make_store(db, clock())
    await make_store(db, clock(), "LYON01")
    world.people["amelie"] = await make_staff(
        db, clock(), name="Amélie Laurent", email="amelie@test.concierge", role="manager"
    )
    world.people["lucas"] = await make_staff(
        db, clock(), "LYON01", name="Lucas Martin", email="lucas@test.concierge", role="manager"
    )
    for who in world.people:
        login = await client.post(
            "/api/auth/login", json={"email": f"{who}@test.concierge", "password": PASSWORD}
        )
        world.headers[who] = {"Authorization": f"Bearer {(await login.json())['token']}"}
    yield world
    await world.close()
