"""A running hub with two boutiques for the attention tests: PARIS01 (Amélie and Chloé,
ambassadors; Marc, manager) and LONDON01 (James). Shoppers write through the inbox, consoles
speak over real socket.io connections."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.app import create_app
from hub.db.engine import Database
from hub.db.models import AuditEntry, Conversation
from hub.profiles.identity import Identity
from hub.services import SERVICES
from hub.staff import Principal
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store, widget_message

PEOPLE = (
    ("amelie", "PARIS01", "ambassador", "Amélie Laurent"),
    ("chloe", "PARIS01", "ambassador", "Chloé Martin"),
    ("marc", "PARIS01", "manager", "Marc Dubois"),
    ("james", "LONDON01", "ambassador", "James Whitfield"),
)


@dataclass
class Console:
    """One signed-in console socket, with the events it heard."""

    sio: socketio.AsyncClient
    heard: dict[str, asyncio.Queue[Any]] = field(default_factory=dict)

    async def call(self, event: str, data: dict[str, Any]) -> Any:
        return await self.sio.call(event, data, namespace="/console", timeout=10)

    async def next(self, event: str) -> Any:
        return await asyncio.wait_for(self.heard[event].get(), 10)


@dataclass
class World:
    client: TestClient
    clock: FakeClock
    people: dict[str, Principal] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    consoles: list[Console] = field(default_factory=list)

    @property
    def db(self) -> Database:
        return self.client.app[SERVICES].db

    async def get(self, path: str, who: str) -> tuple[int, Any]:
        response = await self.client.get(path, headers=self._auth(who))
        return response.status, await response.json()

    async def put(self, path: str, who: str, body: Any) -> tuple[int, Any]:
        response = await self.client.put(path, json=body, headers=self._auth(who))
        return response.status, await response.json()

    def _auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def shopper_writes(
        self,
        text: str,
        *,
        store: str = "PARIS01",
        visitor: str | None = None,
        name: str | None = None,
        email: str | None = None,
    ) -> str:
        """A shopper's message in the widget; returns the conversation's id."""
        message = widget_message(visitor or secrets.token_hex(8), text, store=store)
        if name or email:
            claimed = (Identity("email", email),) if email else ()
            message = replace(message, display_name=name, claimed=claimed)
        stored = await self.client.app[SERVICES].inbox.receive(message)
        return stored.conversation.id

    async def reply(self, who: str, conversation_id: str, text: str) -> None:
        inbox = self.client.app[SERVICES].inbox
        await inbox.reply(self.people[who], conversation_id, secrets.token_hex(4), text)

    async def assign(self, conversation_id: str, who: str) -> None:
        """Routing's result, written directly: the conversation is ``who``'s."""
        async with self.db.transaction() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            conversation.status = "assigned"
            conversation.assigned_staff_id = self.people[who].id
            conversation.assigned_at = self.clock()

    async def console(self, who: str, *events: str) -> Console:
        sio = socketio.AsyncClient(reconnection=False)
        found = Console(sio)
        for event in events:
            queue: asyncio.Queue[Any] = asyncio.Queue()
            found.heard[event] = queue
            sio.on(event, queue.put_nowait, namespace="/console")
        await sio.connect(
            str(self.client.make_url("/")),
            namespaces=["/console"],
            auth={"token": self.tokens[who]},
            transports=["websocket"],
        )
        self.consoles.append(found)
        return found

    async def audit(self, action: str) -> list[AuditEntry]:
        async with self.db.reading() as session:
            return list(
                await session.scalars(
                    select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
                )
            )


@pytest.fixture
async def world(aiohttp_client: Any, database_url: str, clock: FakeClock) -> AsyncIterator[World]:
    settings = make_settings(database_url, public_url="http://127.0.0.1:8080")
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    found = World(client, clock)
    await make_store(found.db, clock())
    await make_store(found.db, clock(), "LONDON01", languages="en", timezone="Europe/London")
    for key, store, role, name in PEOPLE:
        email = f"{key}@test.concierge"
        found.people[key] = await make_staff(
            found.db, clock(), store, role=role, name=name, email=email
        )
        response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status == 200, await response.text()
        found.tokens[key] = (await response.json())["token"]
    yield found
    for console in found.consoles:
        await console.sio.disconnect()
