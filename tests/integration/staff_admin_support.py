"""A hub with three boutiques and their people, for the staff administration tests.

PARIS01, LONDON01 and LYON01; an admin (in Paris), a manager each for Paris and London,
ambassadors in Paris (Amélie) and London (James), and Chloé, who works in Paris and Lyon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.db.engine import Database
from hub.db.models import StaffStore
from hub.jobs.runner import InProcessRunner
from hub.services import SERVICES
from hub.staff import Principal
from hub.stores import store_by_code
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store
from tests.fakes.smtp import FakeSmtpServer

PUBLIC_URL = "https://hub.example.com"
INVITE_LINK = re.compile(re.escape(PUBLIC_URL) + r"/invite#([A-Za-z0-9_-]+)")


@dataclass
class World:
    client: TestClient
    db: Database
    people: dict[str, Principal] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def id(self, who: str) -> str:
        return self.people[who].id

    async def call(
        self, method: str, path: str, who: str | None = None, **kw: Any
    ) -> tuple[int, Any]:
        headers = self.headers[who] if who else {}
        response = await self.client.request(method, path, headers=headers, **kw)
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


async def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def jobs_settled(client: TestClient) -> None:
    runner = client.app[SERVICES].jobs
    assert isinstance(runner, InProcessRunner)
    await runner.run_due()


async def also_works_in(db: Database, person: Principal, code: str) -> None:
    async with db.transaction() as session:
        store = await store_by_code(session, code)
        session.add(StaffStore(staff_id=person.id, store_id=store.id))


def invite_token(text: str) -> str:
    found = INVITE_LINK.search(text)
    assert found is not None, text
    return found.group(1)


@pytest.fixture
async def client(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> TestClient:
    settings = make_settings(
        database_url, smtp_relay=smtp.relay, public_url=PUBLIC_URL, anonymous_burst=40
    )
    return await aiohttp_client(create_app(settings, clock=clock))


@pytest.fixture
async def world(client: TestClient, clock: FakeClock) -> World:
    db: Database = client.app[SERVICES].db
    now = clock()
    await make_store(db, now, "PARIS01")
    await make_store(db, now, "LONDON01", languages="en", timezone="Europe/London", country="GB")
    await make_store(db, now, "LYON01")
    found = World(client, db)
    for key, store, role, name in (
        ("admin", "PARIS01", "admin", "Adèle Admin"),
        ("paris_manager", "PARIS01", "manager", "Marc Dubois"),
        ("london_manager", "LONDON01", "manager", "Margaret Hale"),
        ("amelie", "PARIS01", "ambassador", "Amélie Laurent"),
        ("james", "LONDON01", "ambassador", "James Whitfield"),
        ("chloe", "PARIS01", "ambassador", "Chloé Martin"),
    ):
        email = f"{key.replace('_', '.')}@test.concierge"
        found.people[key] = await make_staff(db, now, store, role=role, name=name, email=email)
        found.headers[key] = await login(client, email)
    await also_works_in(db, found.people["chloe"], "LYON01")
    return found
