"""The audit viewer on both databases: every staff change is there, newest first, paged
by id; an admin reads everything, a manager what concerns their stores and their people."""

from __future__ import annotations

from typing import Any

from hub import schedules
from hub.stores import store_by_code
from tests.conftest import FakeClock
from tests.fakes.smtp import FakeSmtpServer
from tests.integration.staff_admin_support import World, client, world

__all__ = ["client", "world"]  # fixtures


async def entries(world: World, who: str, query: str = "") -> list[dict[str, Any]]:
    status, body = await world.call("GET", f"/api/audit{query}", who)
    assert status == 200, body
    return list(body["entries"])


async def changes(world: World, clock: FakeClock, smtp: FakeSmtpServer) -> None:
    """A manager's day in Paris and in London, and an admin's special hours for Lyon."""
    clock.advance(minutes=1)
    status, _ = await world.call(
        "PATCH", f"/api/staff/{world.id('amelie')}", "paris_manager", json={"capacity": 5}
    )
    assert status == 200
    clock.advance(minutes=1)
    status, _ = await world.call(
        "PATCH", f"/api/staff/{world.id('james')}", "london_manager", json={"capacity": 2}
    )
    assert status == 200
    clock.advance(minutes=1)
    status, _ = await world.call(
        "POST",
        "/api/staff/invitations",
        "paris_manager",
        json={
            "email": "new@example.com",
            "name": "Noé Petit",
            "stores": ["PARIS01"],
            "languages": ["fr"],
        },
    )
    assert status == 201
    await smtp.next_message()
    clock.advance(minutes=1)
    async with world.db.transaction() as session:
        lyon = await store_by_code(session, "LYON01")
        await schedules.set_special_hours(
            session, lyon, clock().date(), [], note="Inventory", now=clock(), actor=("cli", None)
        )


async def test_a_manager_reads_what_concerns_their_stores_and_people_newest_first(
    world: World, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    await changes(world, clock, smtp)
    paris = await entries(world, "paris_manager")
    seen = {(e["action"], e["subject"]["id"]) for e in paris}
    assert ("staff.updated", world.id("amelie")) in seen
    assert (
        "staff.invited",
        next(e["subject"]["id"] for e in paris if e["action"] == "staff.invited"),
    ) in seen
    assert all(e["subject"]["id"] != world.id("james") for e in paris)
    assert not any(e["action"] == "store.special_hours" for e in paris)  # Lyon's
    created = {e["data"].get("code") for e in paris if e["action"] == "store.created"}
    assert created == {"PARIS01"}
    assert [e["id"] for e in paris] == sorted((e["id"] for e in paris), reverse=True)
    updated = next(e for e in paris if e["action"] == "staff.updated")
    assert updated["actor"] == {
        "kind": "staff",
        "id": world.id("paris_manager"),
        "name": "Marc Dubois",
    }
    assert updated["data"]["changes"] == {"capacity": {"from": 3, "to": 5}}

    london = await entries(world, "london_manager")
    assert {e["subject"]["id"] for e in london if e["action"] == "staff.updated"} == {
        world.id("james")
    }
    everything = await entries(world, "admin", "?limit=200")
    assert {"store.special_hours", "staff.invited", "staff.updated"} <= {
        e["action"] for e in everything
    }
    assert len(everything) > len(paris)

    status, body = await world.call("GET", "/api/audit", "amelie")
    assert (status, body["error"]["code"]) == (403, "not_manager")


async def test_filters_and_keyset_pages(
    world: World, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    await changes(world, clock, smtp)
    everything = await entries(world, "admin", "?limit=200")
    first_page_status, first = await world.call("GET", "/api/audit?limit=3", "admin")
    assert first_page_status == 200 and len(first["entries"]) == 3
    second = await entries(world, "admin", f"?limit=3&before={first['next_before']}")
    assert [e["id"] for e in first["entries"] + second] == [e["id"] for e in everything[:6]]
    last_status, last = await world.call(
        "GET", f"/api/audit?limit=200&before={everything[-1]['id'] + 1}", "admin"
    )
    assert (
        last_status == 200 and last["entries"] == [everything[-1]] and last["next_before"] is None
    )

    amelie = await entries(world, "admin", f"?subject_type=staff&subject_id={world.id('amelie')}")
    assert {e["action"] for e in amelie} == {"staff.created", "staff.login", "staff.updated"}
    by_london = await entries(world, "admin", f"?actor_id={world.id('london_manager')}")
    assert [e["action"] for e in by_london] == ["staff.updated", "staff.login"]
    only = await entries(world, "admin", "?action=staff.invited")
    assert [e["data"]["email"] for e in only] == ["new@example.com"]
    window = await entries(
        world, "admin", "?from=2026-11-25T10:02:00Z&to=2026-11-25T10:03:30%2B00:00"
    )
    assert [e["action"] for e in window] == ["staff.invited", "staff.updated"]
    for query, field in (
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?before=abc", "before"),
        ("?from=yesterday", "from"),
        ("?to=2026-11-25T10:00", "to"),
    ):
        status, body = await world.call("GET", f"/api/audit{query}", "admin")
        assert (status, body["error"]["field"]) == (400, field), query
