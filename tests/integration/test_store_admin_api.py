"""Store administration over HTTP on both databases: who reaches which store, creation
with the CLI's checks, edits that booking and routing see at once, special hours and
appointment types, every change audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.db.models import AuditEntry, StaffStore
from hub.services import SERVICES
from hub.stores import store_by_code
from tests.integration.staff_admin_support import World, client, world

__all__ = ["client", "world"]  # fixtures

# The fake clock starts on Wednesday 2026-11-25 10:00 UTC (11:00 in Paris).
THURSDAY = "2026-11-26"
NEW_STORE = {
    "code": "nice01",
    "name": "Boutique Nice",
    "timezone": "Europe/Paris",
    "country": "fr",
    "languages": ["fr", "en"],
    "address": "12 promenade des Anglais, Nice",
    "hours": "Mon-Sat 10:00-19:00; Sun 12:00-17:00",
    "region": "riviera",
}


async def availability(world: World, store: str = "PARIS01", day: str = THURSDAY) -> list[Any]:
    params = {"store": store, "type": "in-store", "from": day, "to": day}
    response = await world.client.get("/api/availability", params=params)
    assert response.status == 200, await response.text()
    return [slot for slot in (await response.json())["slots"] if slot["available"]]


async def audit_actions(world: World) -> list[AuditEntry]:
    async with world.db.reading() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def test_who_reaches_which_store(world: World) -> None:
    status, body = await world.call("GET", "/api/admin/stores", "admin")
    assert status == 200
    assert [s["code"] for s in body["stores"]] == ["LONDON01", "LYON01", "PARIS01"]
    status, body = await world.call("GET", "/api/admin/stores", "paris_manager")
    assert [s["code"] for s in body["stores"]] == ["PARIS01"]
    paris = body["stores"][0]
    assert paris["hours"] is None and paris["opening_hours"] is None  # always open
    assert paris["timezone"] == "Europe/Paris" and paris["relax_language"] is True

    london = "/api/admin/stores/LONDON01"
    for method, path, payload in (
        ("GET", london, None),
        ("PATCH", london, {"name": "Mine now"}),
        ("PUT", f"{london}/special-hours/2026-12-25", {"hours": None}),
        ("DELETE", f"{london}/special-hours/2026-12-25", None),
        ("PUT", f"{london}/appointment-types/bridal", {"name": "B", "kind": "in_store"}),
        ("GET", "/api/admin/stores/NOPE99", None),
        ("GET", "/api/admin/stores/..%2Fetc", None),
    ):
        status, body = await world.call(method, path, "paris_manager", json=payload)
        assert (status, body["error"]["code"]) == (404, "unknown_store"), (method, path)

    for method, path in (
        ("GET", "/api/admin/stores"),
        ("POST", "/api/admin/stores"),
        ("GET", "/api/admin/stores/PARIS01"),
        ("PATCH", "/api/admin/stores/PARIS01"),
    ):
        status, body = await world.call(method, path, "amelie", json={})
        assert (status, body["error"]["code"]) == (403, "not_manager"), (method, path)
    status, _ = await world.call("GET", "/api/admin/stores")
    assert status == 401


async def test_a_manager_opens_a_store_that_shoppers_can_book(world: World) -> None:
    status, body = await world.call("POST", "/api/admin/stores", "paris_manager", json=NEW_STORE)
    assert status == 201, body
    store = body["store"]
    assert store["code"] == "NICE01" and store["country"] == "FR"
    assert store["hours"] == "Mon-Sat 10:00-19:00; Sun 12:00-17:00"
    assert store["opening_hours"]["sun"] == [["12:00", "17:00"]]
    assert store["region"] == "riviera" and store["service_centre"] is False

    # The manager works there now: it is theirs to manage.
    status, body = await world.call("GET", "/api/admin/stores/NICE01", "paris_manager")
    assert status == 200
    assert [t["code"] for t in body["appointment_types"]] == ["in-store", "virtual"]
    assert body["special_hours"] == []
    async with world.db.reading() as session:
        nice = await store_by_code(session, "NICE01")
        links = await session.scalars(select(StaffStore).where(StaffStore.store_id == nice.id))
        assert [link.staff_id for link in links] == [world.id("paris_manager")]

    response = await world.client.get("/api/stores")
    public = {s["code"]: s for s in await response.json()}
    assert {t["code"] for t in public["NICE01"]["appointment_types"]} == {"virtual", "in-store"}
    assert world.client.app[SERVICES].routing._stores[nice.id].region == "riviera"

    status, body = await world.call("POST", "/api/admin/stores", "admin", json=NEW_STORE)
    assert (status, body["error"]["code"]) == (409, "store_exists")
    created = [e for e in await audit_actions(world) if e.action == "store.created"]
    assert created[-1].actor_kind == "staff"
    assert created[-1].actor_id == world.id("paris_manager")


async def test_bad_stores_are_refused_naming_the_field(world: World) -> None:
    for field, value in (
        ("code", "x"),
        ("timezone", "Mars/Olympus"),
        ("country", "France"),
        ("languages", []),
        ("hours", "Mon-Sat 19:00-10:00"),
        ("hours", 42),
        ("region", "a region with spaces"),
        ("service_centre", "yes"),
        ("name", ""),
        ("colour", "blue"),
    ):
        status, body = await world.call(
            "POST", "/api/admin/stores", "admin", json={**NEW_STORE, field: value}
        )
        assert (status, body["error"]["field"]) == (400, field), (field, value, body)
    status, body = await world.call("PATCH", "/api/admin/stores/PARIS01", "admin", json=[1])
    assert status == 400


async def test_special_hours_close_the_store_for_booking_that_day(world: World) -> None:
    assert await availability(world)
    path = f"/api/admin/stores/PARIS01/special-hours/{THURSDAY}"
    status, body = await world.call(
        "PUT", path, "paris_manager", json={"hours": None, "note": "Inventaire"}
    )
    assert status == 200
    assert body["special_hours"] == {"date": THURSDAY, "hours": None, "note": "Inventaire"}
    assert await availability(world) == []

    status, body = await world.call("PUT", path, "paris_manager", json={"hours": "10:00-12:00"})
    assert body["special_hours"]["hours"] == "10:00-12:00"
    starts = [slot["start"] for slot in await availability(world)]
    assert starts and all("T10:" in s or "T11:" in s for s in starts)

    status, body = await world.call("GET", "/api/admin/stores/PARIS01", "paris_manager")
    assert body["special_hours"] == [{"date": THURSDAY, "hours": "10:00-12:00", "note": None}]

    status, _ = await world.call("DELETE", path, "paris_manager")
    assert status == 204
    assert len(await availability(world)) > len(starts)
    status, body = await world.call("DELETE", path, "paris_manager")
    assert (status, body["error"]["code"]) == (404, "unknown_special_hours")

    for day, payload, field in (
        ("2026-13-01", {"hours": None}, "date"),
        ("2020-01-01", {"hours": None}, "date"),
        (THURSDAY, {}, "hours"),
        (THURSDAY, {"hours": "noon"}, "hours"),
        (THURSDAY, {"hours": None, "note": "x" * 201}, "note"),
    ):
        status, body = await world.call(
            "PUT", f"/api/admin/stores/PARIS01/special-hours/{day}", "admin", json=payload
        )
        assert (status, body["error"]["field"]) == (400, field), (day, payload)
    actions = [e.action for e in await audit_actions(world)]
    assert actions.count("store.special_hours") == 2
    assert "store.special_hours_removed" in actions


async def test_edited_hours_and_topology_reach_booking_and_routing(world: World) -> None:
    assert await availability(world)
    status, body = await world.call(
        "PATCH",
        "/api/admin/stores/PARIS01",
        "paris_manager",
        json={"hours": "Mon-Wed 10:00-19:00", "region": "west", "service_centre": True},
    )
    assert status == 200, body
    assert body["store"]["hours"] == "Mon-Wed 10:00-19:00"
    assert await availability(world) == []  # Thursday is closed now

    async with world.db.reading() as session:
        paris = await store_by_code(session, "PARIS01")
    seen = world.client.app[SERVICES].routing._stores[paris.id]
    assert (seen.region, seen.service_centre, seen.hours) == ("west", True, paris.opening_hours)

    status, body = await world.call(
        "PATCH", "/api/admin/stores/PARIS01", "admin", json={"hours": None, "address": None}
    )
    assert body["store"]["hours"] is None
    assert await availability(world)
    updates = [e for e in await audit_actions(world) if e.action == "store.updated"]
    assert updates[0].data is not None
    assert set(updates[0].data["changes"]) == {"hours", "region", "service_centre"}
    assert updates[0].data["changes"]["region"] == {"from": None, "to": "west"}


async def test_appointment_types_are_added_and_changed(world: World) -> None:
    path = "/api/admin/stores/PARIS01/appointment-types/bridal"
    payload = {
        "name": "Bridal consultation",
        "kind": "in_store",
        "duration_minutes": 90,
        "buffer_after_minutes": 15,
        "languages": ["fr"],
        "skills": ["bridal"],
    }
    status, body = await world.call("PUT", path, "paris_manager", json=payload)
    assert status == 200, body
    assert body["appointment_type"] == {
        "code": "bridal",
        "name": "Bridal consultation",
        "kind": "in_store",
        "duration_minutes": 90,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 15,
        "min_notice_minutes": 120,
        "max_ahead_days": 60,
        "languages": ["fr"],
        "skills": ["bridal"],
        "active": True,
    }
    status, body = await world.call(
        "PUT", path, "paris_manager", json={**payload, "active": False, "duration_minutes": 60}
    )
    assert body["appointment_type"]["active"] is False
    status, body = await world.call("GET", "/api/admin/stores/PARIS01", "paris_manager")
    bridal = next(t for t in body["appointment_types"] if t["code"] == "bridal")
    assert bridal["duration_minutes"] == 60
    response = await world.client.get("/api/stores")
    paris = next(s for s in await response.json() if s["code"] == "PARIS01")
    assert "bridal" not in {t["code"] for t in paris["appointment_types"]}  # inactive

    for changes, field in (
        ({"duration_minutes": 1}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"kind": "phone"}, "kind"),
        ({"min_notice_minutes": -1}, "min_notice_minutes"),
        ({"max_ahead_days": 999}, "max_ahead_days"),
        ({"buffer_before_minutes": 500}, "buffer_before_minutes"),
        ({"skills": "bridal"}, "skills"),
        ({"languages": ["not a tag"]}, "languages"),
        ({"active": "no"}, "active"),
        ({"price": 10}, "price"),
    ):
        status, body = await world.call("PUT", path, "admin", json={**payload, **changes})
        assert (status, body["error"]["field"]) == (400, field), (changes, body)
    status, body = await world.call(
        "PUT", "/api/admin/stores/PARIS01/appointment-types/br!dal", "admin", json=payload
    )
    assert (status, body["error"]["field"]) == (400, "type")
    actions = [e.action for e in await audit_actions(world)]
    assert actions.count("store.appointment_type") == 2


async def test_nul_characters_are_refused_naming_the_field(world: World) -> None:
    """PostgreSQL refuses NUL in text: the API says which field, never a 500."""
    for method, path, payload, field in (
        ("POST", "/api/admin/stores", {**NEW_STORE, "name": "Nice\x00"}, "name"),
        ("PATCH", "/api/admin/stores/PARIS01", {"address": "1 rue\x00"}, "address"),
        (
            "PUT",
            f"/api/admin/stores/PARIS01/special-hours/{THURSDAY}",
            {"hours": None, "note": "No\x00ël"},
            "note",
        ),
        (
            "PUT",
            "/api/admin/stores/PARIS01/appointment-types/bridal",
            {"name": "B\x00", "kind": "virtual", "duration_minutes": 30},
            "name",
        ),
        (
            "POST",
            "/api/admin/channels/mailboxes",
            {"address": "a\x00b@example.com", "store": "PARIS01"},
            "address",
        ),
    ):
        status, body = await world.call(method, path, "admin", json=payload)
        assert (status, body["error"]["field"]) == (400, field), (path, body)
    status, body = await world.call("DELETE", "/api/admin/channels/mailboxes/a%00b@x.com", "admin")
    assert (status, body["error"]["code"]) == (404, "unknown_mailbox")
