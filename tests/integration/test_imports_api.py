"""Managers upload the daily POS file from the console; it runs as a job and reports back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store

FILE = Path(__file__).parent.parent / "fixtures" / "pos" / "messy.csv"


@pytest.fixture
async def client(aiohttp_client: Any, sqlite_url: str, clock: FakeClock) -> TestClient:
    app = create_app(make_settings(sqlite_url), clock=clock)
    client = await aiohttp_client(app)
    db = client.app[SERVICES].db
    await make_store(db, clock(), "PARIS01")
    await make_store(
        db, clock(), "GENEVA01", country="CH", timezone="Europe/Zurich", languages="fr,de"
    )
    await make_staff(db, clock(), role="manager", email="claire@test.concierge")
    await make_staff(db, clock(), email="amelie@test.concierge")
    return client


async def token(client: TestClient, who: str) -> str:
    response = await client.post(
        "/api/auth/login", json={"email": f"{who}@test.concierge", "password": PASSWORD}
    )
    return str((await response.json())["token"])


def form() -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field(
        "file", FILE.read_bytes(), filename="paris-2026-11-24.csv", content_type="text/csv"
    )
    return data


async def test_a_manager_uploads_and_gets_progress_and_the_summary_live(client: TestClient) -> None:
    claire = await token(client, "claire")
    console = socketio.AsyncClient(reconnection=False)
    done: asyncio.Queue[Any] = asyncio.Queue()
    console.on("import_done", done.put_nowait, namespace="/console")
    await console.connect(
        str(client.make_url("/")),
        namespaces=["/console"],
        auth={"token": claire},
        transports=["websocket"],
    )
    try:
        response = await client.post(
            "/api/imports", data=form(), headers={"Authorization": f"Bearer {claire}"}
        )
        assert response.status == 202
        job = await response.json()
        result = await asyncio.wait_for(done.get(), 30)
    finally:
        await console.disconnect()
    assert result["job_id"] == job["job_id"] and result["status"] == "done"
    assert result["summary"]["imported"] > 0 and result["summary"]["failed"] > 0
    listed = await (
        await client.get("/api/imports", headers={"Authorization": f"Bearer {claire}"})
    ).json()
    assert listed["imports"][0]["filename"] == "paris-2026-11-24.csv"


async def test_ambassadors_cannot_import(client: TestClient) -> None:
    amelie = await token(client, "amelie")
    response = await client.post(
        "/api/imports", data=form(), headers={"Authorization": f"Bearer {amelie}"}
    )
    assert response.status == 403
