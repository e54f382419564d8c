"""Staff administration over HTTP on both databases: who sees and changes whom, edits,
schedules, time off, and deactivation that ends a colleague's sessions at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.db.models import AuditEntry
from tests.conftest import FakeClock
from tests.factories import PASSWORD
from tests.integration.staff_admin_support import World, client, login, world

__all__ = ["client", "world"]  # fixtures


def names(body: Any) -> list[str]:
    return [person["name"] for person in body["staff"]]


async def test_a_manager_sees_and_changes_only_the_staff_of_their_stores(world: World) -> None:
    status, body = await world.call("GET", "/api/staff", "paris_manager")
    assert status == 200
    assert names(body) == ["Adèle Admin", "Amélie Laurent", "Chloé Martin", "Marc Dubois"]
    amelie = next(p for p in body["staff"] if p["name"] == "Amélie Laurent")
    assert amelie["stores"] == ["PARIS01"] and amelie["status"] == "active"
    assert "password_hash" not in amelie

    james = f"/api/staff/{world.id('james')}"
    for method, path, payload in (
        ("GET", james, None),
        ("PATCH", james, {"capacity": 5}),
        ("PUT", f"{james}/schedule", {"store": "LONDON01", "hours": None}),
        ("POST", f"{james}/time-off", {"from": "2026-12-24T00:00Z", "to": "2026-12-26T00:00Z"}),
        ("POST", f"{james}/deactivate", None),
        ("POST", f"{james}/activate", None),
    ):
        status, body = await world.call(method, path, "paris_manager", json=payload)
        assert (status, body["error"]["code"]) == (404, "unknown_staff"), (method, path)
    status, body = await world.call("GET", "/api/staff?store=LONDON01", "paris_manager")
    assert (status, body["error"]["code"]) == (404, "unknown_store")

    status, body = await world.call("GET", "/api/staff", "admin")
    assert "James Whitfield" in names(body) and len(body["staff"]) == 6


async def test_ambassadors_and_strangers_manage_nobody(world: World) -> None:
    for method, path in (
        ("GET", "/api/staff"),
        ("GET", f"/api/staff/{world.id('chloe')}"),
        ("PATCH", f"/api/staff/{world.id('chloe')}"),
        ("POST", f"/api/staff/{world.id('chloe')}/deactivate"),
        ("POST", "/api/staff/invitations"),
    ):
        status, body = await world.call(method, path, "amelie", json={})
        assert (status, body["error"]["code"]) == (403, "not_manager"), (method, path)
        status, _ = await world.call(method, path, None, json={})
        assert status == 401


async def test_a_manager_cannot_make_admins_touch_admins_or_reach_beyond_their_stores(
    world: World,
) -> None:
    amelie = f"/api/staff/{world.id('amelie')}"
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("PATCH", amelie, {"role": "admin"}, "admin_only"),
        ("PATCH", amelie, {"stores": ["PARIS01", "LONDON01"]}, "outside_your_stores"),
        ("PATCH", f"/api/staff/{world.id('admin')}", {"capacity": 4}, "admin_only"),
        ("POST", f"/api/staff/{world.id('admin')}/deactivate", {}, "admin_only"),
        # Chloé also works in Lyon: what follows her there is for an admin to change.
        ("PATCH", f"/api/staff/{world.id('chloe')}", {"capacity": 5}, "outside_your_stores"),
        ("POST", f"/api/staff/{world.id('chloe')}/deactivate", {}, "outside_your_stores"),
        ("PATCH", f"/api/staff/{world.id('paris_manager')}", {"role": "ambassador"}, "own_account"),
        ("POST", f"/api/staff/{world.id('paris_manager')}/deactivate", {}, "own_account"),
    ]
    for method, path, payload, code in cases:
        status, body = await world.call(method, path, "paris_manager", json=payload)
        assert (status, body["error"]["code"]) == (403, code), (path, payload)
    status, body = await world.call("GET", amelie, "paris_manager")
    assert body["staff"]["role"] == "ambassador" and body["staff"]["stores"] == ["PARIS01"]


async def test_edits_are_checked_like_the_cli_and_audited_with_before_and_after(
    world: World,
) -> None:
    amelie = f"/api/staff/{world.id('amelie')}"
    for payload, field in (
        ({"capacity": 0}, "capacity"),
        ({"languages": []}, "languages"),
        ({"name": " "}, "name"),
        ({"phone": "12"}, "phone"),
        ({"stores": ["NOWHERE"]}, None),
        ({"password": "new password!"}, "password"),
    ):
        status, body = await world.call("PATCH", amelie, "paris_manager", json=payload)
        assert status in (400, 404), payload
        if field:
            assert body["error"]["field"] == field, payload
    status, body = await world.call(
        "PATCH",
        amelie,
        "paris_manager",
        json={
            "languages": ["fr", "en", "ja"],
            "skills": ["Bridal", "watches", "bridal"],
            "capacity": 4,
            "phone": "06 12 34 56 78",
        },
    )
    assert status == 200, body
    changed = body["staff"]
    assert changed["languages"] == ["fr", "en", "ja"]
    assert changed["skills"] == ["bridal", "watches"] and changed["capacity"] == 4
    assert changed["phone"] == "+33612345678"  # a national number, in the store's country
    async with world.db.reading() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.updated"))
    assert entry is not None and entry.actor_id == world.id("paris_manager")
    assert entry.subject_id == world.id("amelie")
    assert entry.data is not None
    assert entry.data["changes"]["capacity"] == {"from": 3, "to": 4}
    assert entry.data["changes"]["skills"] == {"from": [], "to": ["bridal", "watches"]}
    assert "name" not in entry.data["changes"]  # what did not change is not recorded


async def test_an_admin_moves_someone_to_another_store_and_the_managers_reach_follows(
    world: World,
) -> None:
    amelie = f"/api/staff/{world.id('amelie')}"
    status, body = await world.call("PATCH", amelie, "admin", json={"stores": ["LONDON01"]})
    assert status == 200 and body["staff"]["stores"] == ["LONDON01"]
    assert (await world.call("GET", amelie, "paris_manager"))[0] == 404
    assert (await world.call("GET", amelie, "london_manager"))[0] == 200
    # A manager's "stores" is their part only: Chloé keeps Lyon when Paris sets its own.
    chloe = f"/api/staff/{world.id('chloe')}"
    status, body = await world.call("PATCH", chloe, "london_manager", json={"stores": []})
    assert status == 404
    status, body = await world.call("PATCH", chloe, "admin", json={"role": "manager"})
    assert status == 200 and body["staff"]["role"] == "manager"
    status, body = await world.call("PATCH", chloe, "paris_manager", json={"stores": ["PARIS01"]})
    assert status == 200 and body["staff"]["stores"] == ["LYON01", "PARIS01"]


async def test_weekly_hours_and_time_off_are_kept_per_store_on_the_stores_clock(
    world: World, clock: FakeClock
) -> None:
    amelie = f"/api/staff/{world.id('amelie')}"
    status, body = await world.call(
        "PUT", f"{amelie}/schedule", "paris_manager", json={"store": "PARIS01", "hours": "Tue-Sat"}
    )
    assert (status, body["error"]["field"]) == (400, "hours")
    status, body = await world.call(
        "PUT", f"{amelie}/schedule", "paris_manager", json={"store": "LYON01", "hours": None}
    )
    assert (status, body["error"]["code"]) == (400, "not_their_store")
    status, body = await world.call(
        "PUT",
        f"{amelie}/schedule",
        "paris_manager",
        json={"store": "PARIS01", "hours": "Tue-Sat 10:00-19:00"},
    )
    assert status == 200 and body["hours"]["tue"] == [["10:00", "19:00"]]

    status, body = await world.call(
        "POST",
        f"{amelie}/time-off",
        "paris_manager",
        json={"from": "2026-12-24T14:00", "to": "2026-12-26T10:00"},
    )
    assert (status, body["error"]["field"]) == (400, "from")  # no offset and no store
    status, body = await world.call(
        "POST",
        f"{amelie}/time-off",
        "paris_manager",
        json={
            "store": "PARIS01",
            "from": "2026-12-24T14:00",
            "to": "2026-12-26T10:00",
            "reason": "Holidays",
        },
    )
    assert status == 201, body
    away = body["time_off"]
    assert away["from"] == "2026-12-24T13:00:00Z"  # Paris winter time, stored in UTC

    status, detail = await world.call("GET", amelie, "paris_manager")
    assert detail["schedules"] == [{"store": "PARIS01", "hours": body_hours(detail)}]
    assert [t["id"] for t in detail["time_off"]] == [away["id"]]

    james_time_off = f"/api/staff/{world.id('james')}/time-off/{away['id']}"
    assert (await world.call("DELETE", james_time_off, "admin"))[0] == 404
    path = f"{amelie}/time-off/{away['id']}"
    assert (await world.call("DELETE", path, "paris_manager"))[0] == 204
    assert (await world.call("DELETE", path, "paris_manager"))[0] == 404
    status, body = await world.call(
        "PUT", f"{amelie}/schedule", "paris_manager", json={"store": "PARIS01", "hours": None}
    )
    assert status == 200
    status, detail = await world.call("GET", amelie, "paris_manager")
    assert detail["schedules"] == [{"store": "PARIS01", "hours": None}]
    assert detail["time_off"] == []


def body_hours(detail: Any) -> Any:
    hours = detail["schedules"][0]["hours"]
    assert set(hours) == {"tue", "wed", "thu", "fri", "sat"}
    return hours


async def test_deactivation_ends_their_sessions_at_once_and_activation_lets_them_sign_in_again(
    world: World,
) -> None:
    amelie_id = world.id("amelie")
    assert (await world.call("GET", "/api/me", "amelie"))[0] == 200
    status, body = await world.call("POST", f"/api/staff/{amelie_id}/deactivate", "paris_manager")
    assert status == 200
    assert body["staff"]["status"] == "deactivated" and body["staff"]["active"] is False
    status, body = await world.call("GET", "/api/me", "amelie")
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    refused = await world.client.post(
        "/api/auth/login", json={"email": "amelie@test.concierge", "password": PASSWORD}
    )
    assert refused.status == 401
    status, body = await world.call("GET", "/api/staff?active=false", "paris_manager")
    assert names(body) == ["Amélie Laurent"]

    status, body = await world.call("POST", f"/api/staff/{amelie_id}/activate", "paris_manager")
    assert status == 200 and body["staff"]["status"] == "active"
    assert (await world.call("GET", "/api/me", "amelie"))[0] == 401  # no session came back
    await login(world.client, "amelie@test.concierge")
    async with world.db.reading() as session:
        actions = [
            e.action
            for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.subject_id == amelie_id).order_by(AuditEntry.id)
            )
        ]
    assert actions == [
        "staff.created",
        "staff.login",
        "staff.deactivated",
        "staff.activated",
        "staff.login",
    ]
