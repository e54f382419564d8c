"""A change made by another process (``hub import-pos`` from a terminal) reaches the
consoles viewing that customer, as a change made in the console does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import HubProcess, Session, hub, start_hub

HEADER = "transaction_id,line_no,store_code,purchased_at,customer_no,first_name,last_name,"
HEADER += "description,unit_price,currency\n"


@pytest.fixture
def server(hub_env: dict[str, str], tmp_path: Path):  # type: ignore[no-untyped-def]
    process = start_hub({**hub_env, "HUB_CHANGE_POLL_SECONDS": "0.1"}, tmp_path)
    yield process
    process.terminate()


def _import(server: HubProcess, path: Path, *lines: str) -> None:
    path.write_text(HEADER + "".join(line + "\n" for line in lines))
    done = hub(server.env, "import-pos", str(path))
    assert done.returncode == 0, done.stderr


async def test_a_cli_import_updates_the_open_profile(
    server: HubProcess, session: Session, tmp_path: Path
) -> None:
    _import(
        server,
        tmp_path / "day1.csv",
        "T1,1,PARIS01,2026-11-20T14:05:00,C-77,Anne,Martin,Solitaire ring,12500.00,EUR",
    )
    token = await session.staff_token()
    headers = {"Authorization": f"Bearer {token}"}
    async with session.http.get(
        f"{session.base}/api/customers", params={"q": "C-77"}, headers=headers
    ) as response:
        assert response.status == 200
        (found,) = (await response.json())["customers"]
    console = await session.ambassador(token, available=False)
    assert await console.call("watch_customer", {"customer_id": found["id"]}) == {
        "customer_id": found["id"]
    }

    _import(
        server,
        tmp_path / "day2.csv",
        "T2,1,PARIS01,2026-11-21T11:00:00,C-77,Anne,Martin,Eternity band,3200.00,EUR",
        "T3,1,PARIS01,2026-11-21T12:00:00,C-99,Other,Client,Pendant,900.00,EUR",
    )
    assert await console.next("customer_updated") == {"customer_id": found["id"]}
    async with session.http.get(
        f"{session.base}/api/customers/{found['id']}", headers=headers
    ) as response:
        profile = await response.json()
    assert {p["description"] for p in profile["purchases"]} == {"Solitaire ring", "Eternity band"}
