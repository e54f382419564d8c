"""Routing settings over HTTP on both databases: managers read them, admins change them,
each field checked by name; the next offer uses a new time-out at once in this process,
another process follows on its next tick, and channel weights recount the work
ambassadors hold."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.app import create_app
from hub.db.models import AuditEntry, Offer
from hub.messages import Inbound
from hub.realtime.console import profile_of
from hub.routing_settings import SETTINGS_WATCH
from hub.services import SERVICES
from routing.model import Presence
from tests.conftest import FakeClock, make_settings
from tests.e2e.production_support import REDIS_URL, forget_redis
from tests.factories import make_staff, make_store
from tests.integration.staff_admin_support import World, client, login, world

__all__ = ["client", "world"]  # fixtures

PATH = "/api/admin/routing"


async def online(world: World, who: str) -> None:
    routing = world.client.app[SERVICES].routing
    await routing.connected(profile_of(world.people[who]), f"console-{who}")
    await routing.set_presence(world.id(who), Presence.AVAILABLE)


async def shopper_writes(world: World, who: str) -> None:
    """A web shopper opens a conversation in PARIS01; routing has offered it on return."""
    hub = world.client.app[SERVICES]
    await hub.inbox.receive(
        Inbound(
            channel="webchat",
            contact=who,
            identity_kind="visitor",
            identity_value=who,
            dedupe_key=f"webchat:{who}",
            text="Bonjour",
            received_at=hub.clock(),
            store_code="PARIS01",
        ),
        wait_for_routing=True,
    )


async def offers(world: World) -> list[Offer]:
    async with world.db.reading() as session:
        return list(await session.scalars(select(Offer).order_by(Offer.created_at, Offer.id)))


async def test_managers_read_and_admins_change_the_settings(world: World) -> None:
    status, body = await world.call("GET", PATH, "paris_manager")
    assert status == 200
    assert body["settings"] == body["defaults"]
    assert body["defaults"]["offer_timeout_seconds"] == 30
    assert body["defaults"]["channel_weights"] == {
        "webchat": 1.0,
        "wechat": 1.0,
        "email": 0.5,
        "voice": None,
    }
    assert (body["updated_at"], body["updated_by"]) == (None, None)

    status, body = await world.call(
        "PATCH", PATH, "paris_manager", json={"preferred_wait_seconds": 5}
    )
    assert (status, body["error"]["code"]) == (403, "admin_only")
    for method in ("GET", "PATCH"):
        status, body = await world.call(method, PATH, "amelie", json={})
        assert (status, body["error"]["code"]) == (403, "not_manager")

    status, body = await world.call(
        "PATCH",
        PATH,
        "admin",
        json={"offer_timeout_seconds": 45, "channel_weights": {"email": 0.25, "voice": 1}},
    )
    assert status == 200, body
    assert body["settings"]["offer_timeout_seconds"] == 45
    assert body["settings"]["channel_weights"]["email"] == 0.25
    assert body["defaults"]["offer_timeout_seconds"] == 30
    assert body["updated_by"] == {"id": world.id("admin"), "name": "Adèle Admin"}
    assert body["updated_at"] == "2026-11-25T10:00:00Z"

    status, body = await world.call(
        "PATCH",
        PATH,
        "admin",
        json={"offer_timeout_seconds": None, "channel_weights": {"voice": None}},
    )
    assert body["settings"]["offer_timeout_seconds"] == 30  # back to the default
    assert body["settings"]["channel_weights"] == {
        **body["defaults"]["channel_weights"],
        "email": 0.25,
    }
    status, body = await world.call("PATCH", PATH, "admin", json={"channel_weights": None})
    assert body["settings"] == body["defaults"]

    async with world.db.reading() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "routing_settings.updated")
            )
        )
    assert len(entries) == 3
    assert entries[0].data == {
        "changes": {
            "channel_weights": {"from": None, "to": {"email": 0.25, "voice": 1.0}},
            "offer_timeout_seconds": {"from": None, "to": 45},
        }
    }


async def test_bad_settings_are_refused_naming_the_field(world: World) -> None:
    for payload, field in (
        ({"offer_timeout_seconds": 3}, "offer_timeout_seconds"),
        ({"offer_timeout_seconds": 601}, "offer_timeout_seconds"),
        ({"disconnect_grace_seconds": -1}, "disconnect_grace_seconds"),
        ({"preferred_wait_seconds": "soon"}, "preferred_wait_seconds"),
        ({"relax_skills_after_seconds": True}, "relax_skills_after_seconds"),
        ({"overflow_region_after_seconds": 3601}, "overflow_region_after_seconds"),
        ({"channel_weights": {"email": 0}}, "channel_weights.email"),
        ({"channel_weights": {"email": 51}}, "channel_weights.email"),
        ({"channel_weights": {"fax": 1}}, "channel_weights.fax"),
        ({"channel_weights": [1]}, "channel_weights"),
        ({"priority_step_seconds": 1}, "priority_step_seconds"),
    ):
        status, body = await world.call("PATCH", PATH, "admin", json=payload)
        assert (status, body["error"]["field"]) == (400, field), payload
    status, body = await world.call("GET", PATH, "admin")
    assert body["settings"] == body["defaults"] and body["updated_by"] is None


async def test_the_next_offer_uses_the_new_time_out(world: World, clock: FakeClock) -> None:
    await online(world, "amelie")
    await shopper_writes(world, "visitor-1")
    (first,) = await offers(world)
    assert first.expires_at - first.created_at == timedelta(seconds=30)
    routing = world.client.app[SERVICES].routing
    await routing.decline(first.id, world.id("amelie"))

    status, _ = await world.call("PATCH", PATH, "admin", json={"offer_timeout_seconds": 90})
    assert status == 200
    clock.advance(seconds=5)
    await online(world, "chloe")
    await shopper_writes(world, "visitor-2")
    later = [o for o in await offers(world) if o.created_at == clock()]
    assert later and all(o.expires_at - o.created_at == timedelta(seconds=90) for o in later)
    assert routing.config.disconnect_grace == timedelta(seconds=30)  # untouched


async def test_channel_weights_recount_the_work_held(world: World) -> None:
    await online(world, "amelie")
    await shopper_writes(world, "visitor-1")
    (offer,) = await offers(world)
    routing = world.client.app[SERVICES].routing
    await routing.accept(offer.id, world.id("amelie"))

    async def load() -> float:
        found = await routing.store.ambassador(world.id("amelie"))
        assert found is not None
        return found.load

    assert await load() == 1.0  # a web chat, by default
    await world.call("PATCH", PATH, "admin", json={"channel_weights": {"webchat": 2.5}})
    assert await load() == 2.5
    await world.call("PATCH", PATH, "admin", json={"channel_weights": {"webchat": None}})
    assert await load() == 3.0  # all of her attention: her whole capacity
    await world.call("PATCH", PATH, "admin", json={"channel_weights": None})
    assert await load() == 1.0


async def test_another_process_follows_on_its_next_tick(
    world: World, aiohttp_client: Any, database_url: str, clock: FakeClock
) -> None:
    status, _ = await world.call("PATCH", PATH, "admin", json={"disconnect_grace_seconds": 12})
    assert status == 200
    other: TestClient = await aiohttp_client(create_app(make_settings(database_url), clock=clock))
    routing = other.app[SERVICES].routing
    assert routing.config.disconnect_grace == timedelta(seconds=12)  # loaded at start-up

    await world.call(
        "PATCH", PATH, "admin", json={"disconnect_grace_seconds": None, "offer_timeout_seconds": 20}
    )
    assert routing.config.disconnect_grace == timedelta(seconds=12)  # not yet
    await other.app[SETTINGS_WATCH].tick()
    assert routing.config.disconnect_grace == timedelta(seconds=30)
    assert routing.config.offer_timeout == timedelta(seconds=20)


async def test_an_edited_store_reaches_another_process_through_redis(
    aiohttp_client: Any, database_url: str, clock: FakeClock
) -> None:
    """Production mode: routing's store topology lives in Redis; the process that edits a
    store writes it there, another one takes it on its next tick."""
    prefix = f"test:{uuid.uuid4().hex}:"
    settings = make_settings(database_url, redis_url=REDIS_URL, redis_prefix=prefix)
    try:
        editor: TestClient = await aiohttp_client(create_app(settings, clock=clock))
        db = editor.app[SERVICES].db
        paris = await make_store(db, clock(), "PARIS01")
        admin = await make_staff(db, clock(), role="admin", email="root@test.concierge")
        other: TestClient = await aiohttp_client(create_app(settings, clock=clock))
        headers = await login(editor, admin.email)
        response = await editor.patch(
            "/api/admin/stores/PARIS01",
            json={"region": "west", "service_centre": True},
            headers=headers,
        )
        assert response.status == 200, await response.text()
        assert editor.app[SERVICES].routing._stores[paris].region == "west"

        routing = other.app[SERVICES].routing
        assert routing._stores[paris].region == "FR"  # the country, as at its start-up
        await other.app[SETTINGS_WATCH].tick()
        assert (routing._stores[paris].region, routing._stores[paris].service_centre) == (
            "west",
            True,
        )
    finally:
        await forget_redis(prefix)
