"""Canned replies over HTTP on both databases: personal and store replies, who may write,
change, use and fill in which, and the audit trail of every change."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from hub.db.models import AuditEntry, Customer
from hub.services import SERVICES
from tests.factories import widget_message
from tests.integration.staff_admin_support import World, also_works_in, client, world

__all__ = ["client", "world"]  # fixtures

RESIZE = {
    "scope": "store",
    "store": "PARIS01",
    "language": "en",
    "title": "Resize ready",
    "shortcut": "resize",
    "text": "Dear {customer.first_name}, your ring is ready at {store.name}. {ambassador.name}",
}


async def create(world: World, who: str, **body: Any) -> tuple[int, Any]:
    return await world.call("POST", "/api/canned-replies", who, json=body)


async def conversation_in(world: World, store: str, name: str | None = "Zoë Ångström") -> str:
    hub = world.client.app[SERVICES]
    stored = await hub.inbox.receive(
        replace(widget_message(f"visitor-{store}-{name}", store=store), display_name=name)
    )
    if name is None:
        async with world.db.transaction() as session:
            customer = await session.get(Customer, stored.conversation.customer_id)
            assert customer is not None
            customer.name = None
    return stored.conversation.id


def titles(body: Any) -> list[str]:
    return [reply["title"] for reply in body["replies"]]


async def test_a_manager_shares_a_reply_with_the_store_and_its_people_fill_it_in(
    world: World,
) -> None:
    status, body = await create(world, "paris_manager", **RESIZE)
    assert status == 201, body
    reply = body["reply"]
    assert reply["scope"] == "store" and reply["store"] == "PARIS01" and reply["editable"]
    assert reply["placeholders"] == ["customer.first_name", "store.name", "ambassador.name"]

    status, body = await world.call("GET", "/api/canned-replies?q=RESIZE", "amelie")
    assert status == 200 and titles(body) == ["Resize ready"]
    assert body["replies"][0]["editable"] is False
    status, body = await world.call("GET", "/api/canned-replies", "james")
    assert titles(body) == []  # London sees nothing of Paris

    conversation = await conversation_in(world, "PARIS01")
    status, body = await world.call(
        "POST",
        f"/api/canned-replies/{reply['id']}/render",
        "amelie",
        json={"conversation_id": conversation},
    )
    assert status == 200
    assert body == {
        "text": "Dear Zoë, your ring is ready at Boutique PARIS01. Amélie Laurent",
        "missing": [],
    }


async def test_an_unknown_name_is_left_out_and_reported(world: World) -> None:
    _, body = await create(world, "paris_manager", **RESIZE)
    conversation = await conversation_in(world, "PARIS01", name=None)
    status, rendered = await world.call(
        "POST",
        f"/api/canned-replies/{body['reply']['id']}/render",
        "chloe",
        json={"conversation_id": conversation},
    )
    assert status == 200
    assert rendered == {
        "text": "Dear, your ring is ready at Boutique PARIS01. Chloé Martin",
        "missing": ["customer.first_name"],
    }


async def test_ambassadors_write_personal_replies_only_and_foreign_stores_do_not_exist(
    world: World,
) -> None:
    status, body = await create(world, "amelie", **RESIZE)
    assert (status, body["error"]["code"]) == (403, "not_manager")
    status, body = await create(world, "paris_manager", **{**RESIZE, "store": "LONDON01"})
    assert (status, body["error"]["code"]) == (404, "unknown_store")
    status, body = await create(world, "amelie", **{**RESIZE, "store": "LONDON01"})
    assert status == 404  # the store's existence is not told before the role
    status, body = await create(
        world, "amelie", scope="personal", language="fr", title="Merci", text="Merci !"
    )
    assert status == 201 and body["reply"]["store"] is None and body["reply"]["editable"]
    status, body = await world.call("GET", "/api/canned-replies", "chloe")
    assert titles(body) == []  # another's personal reply is theirs alone


async def test_anothers_personal_reply_is_not_found_for_any_use(world: World) -> None:
    _, body = await create(
        world, "amelie", scope="personal", language="en", title="Mine", text="Hello!"
    )
    mine = f"/api/canned-replies/{body['reply']['id']}"
    conversation = await conversation_in(world, "PARIS01")
    for who in ("chloe", "paris_manager", "admin"):
        for method, path, payload in (
            ("PATCH", mine, {"title": "Theirs"}),
            ("DELETE", mine, None),
            ("POST", f"{mine}/render", {"conversation_id": conversation}),
        ):
            status, body = await world.call(method, path, who, json=payload)
            assert (status, body["error"]["code"]) == (404, "unknown_canned_reply"), (who, method)
    status, body = await world.call("PATCH", mine, "amelie", json={"title": "Still mine"})
    assert status == 200 and body["reply"]["title"] == "Still mine"
    status, _ = await world.call("DELETE", mine, "amelie")
    assert status == 204
    status, _ = await world.call("DELETE", mine, "amelie")
    assert status == 404


async def test_a_store_reply_is_changed_by_its_managers_only(world: World) -> None:
    _, body = await create(world, "paris_manager", **RESIZE)
    path = f"/api/canned-replies/{body['reply']['id']}"
    for who in ("amelie", "london_manager"):
        status, body = await world.call("PATCH", path, who, json={"title": "Mine now"})
        assert (status, body["error"]["code"]) == (404, "unknown_canned_reply"), who
        status, _ = await world.call("DELETE", path, who)
        assert status == 404, who
    status, body = await world.call("PATCH", path, "admin", json={"shortcut": "Ring-Ready"})
    assert status == 200 and body["reply"]["shortcut"] == "ring-ready"


async def test_rendering_a_conversation_of_another_store_is_not_found(world: World) -> None:
    _, body = await create(world, "paris_manager", **RESIZE)
    london = await conversation_in(world, "LONDON01")
    status, rendered = await world.call(
        "POST",
        f"/api/canned-replies/{body['reply']['id']}/render",
        "amelie",
        json={"conversation_id": london},
    )
    assert status == 404 and rendered["error"]["code"] == "not_found"
    status, rendered = await world.call(
        "POST", f"/api/canned-replies/{body['reply']['id']}/render", "amelie", json={}
    )
    assert (status, rendered["error"]["field"]) == (400, "conversation_id")
    for odd in ("a\x00b", "x" * 65):
        status, _ = await world.call(
            "POST",
            f"/api/canned-replies/{body['reply']['id']}/render",
            "amelie",
            json={"conversation_id": odd},
        )
        assert status == 404
    status, _ = await world.call("DELETE", "/api/canned-replies/a%00b", "paris_manager")
    assert status == 404


async def test_bad_texts_are_refused_naming_the_placeholder(world: World) -> None:
    for text, says in (
        ("Dear {customer.age}", "{customer.age}"),
        ("Dear {customer.name", "never closed"),
        ("Dear }", "lone }"),
    ):
        status, body = await create(world, "paris_manager", **{**RESIZE, "text": text})
        assert (status, body["error"]["field"]) == (400, "text")
        assert says in body["error"]["message"]
    status, body = await create(world, "paris_manager", **{**RESIZE, "language": "xx"})
    assert (status, body["error"]["field"]) == (400, "language")
    status, body = await create(world, "paris_manager", **{**RESIZE, "shortcut": "two words"})
    assert (status, body["error"]["field"]) == (400, "shortcut")
    status, body = await create(world, "paris_manager", **{**RESIZE, "owner": "me"})
    assert status == 400
    for name in ("title", "text", "shortcut"):  # PostgreSQL cannot store a NUL
        status, body = await create(world, "paris_manager", **{**RESIZE, name: "a\x00b"})
        assert (status, body["error"]["field"]) == (400, name)


async def test_a_shortcut_is_unique_per_store_and_language(world: World) -> None:
    assert (await create(world, "paris_manager", **RESIZE))[0] == 201
    status, body = await create(world, "admin", **{**RESIZE, "title": "Other"})
    assert (status, body["error"]["code"], body["error"]["field"]) == (
        409,
        "shortcut_taken",
        "shortcut",
    )
    assert (await create(world, "admin", **{**RESIZE, "language": "fr"}))[0] == 201
    personal = {**RESIZE, "scope": "personal", "store": None}
    assert (await create(world, "amelie", **personal))[0] == 201
    assert (await create(world, "chloe", **personal))[0] == 201


async def test_listing_filters_by_language_store_and_words(world: World) -> None:
    await create(world, "paris_manager", **RESIZE)
    await create(
        world,
        "paris_manager",
        **{**RESIZE, "language": "fr", "title": "Écrin prêt", "shortcut": None, "text": "Voilà"},
    )
    status, _ = await create(world, "admin", **{**RESIZE, "store": "LYON01", "title": "Lyon"})
    assert status == 404  # an admin writes for the stores they work in
    await also_works_in(world.db, world.people["admin"], "LYON01")
    await create(world, "admin", **{**RESIZE, "store": "LYON01", "title": "Lyon"})
    await create(world, "chloe", scope="personal", language="en", title="Own", text="Hi")
    _, body = await world.call("GET", "/api/canned-replies", "chloe")
    assert titles(body) == ["Écrin prêt", "Lyon", "Own", "Resize ready"]
    _, body = await world.call("GET", "/api/canned-replies?language=fr", "chloe")
    assert titles(body) == ["Écrin prêt"]
    _, body = await world.call("GET", "/api/canned-replies?store=LYON01", "chloe")
    assert titles(body) == ["Lyon", "Own"]
    _, body = await world.call("GET", "/api/canned-replies?q=%C3%A9CRIN", "chloe")
    assert titles(body) == ["Écrin prêt"]  # case-insensitive beyond ASCII
    status, body = await world.call("GET", "/api/canned-replies?store=LONDON01", "chloe")
    assert (status, body["error"]["code"]) == (404, "unknown_store")


async def test_every_change_is_audited(world: World) -> None:
    _, body = await create(world, "paris_manager", **RESIZE)
    path = f"/api/canned-replies/{body['reply']['id']}"
    await world.call("PATCH", path, "paris_manager", json={"text": "Ready, {customer.name}."})
    await world.call("DELETE", path, "paris_manager")
    _, own = await create(world, "amelie", scope="personal", language="en", title="Mine", text="x")
    async with world.db.reading() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_type == "canned_reply")
                .order_by(AuditEntry.id)
            )
        )
    assert [(e.action, e.actor_id) for e in entries] == [
        ("canned_reply.created", world.id("paris_manager")),
        ("canned_reply.updated", world.id("paris_manager")),
        ("canned_reply.deleted", world.id("paris_manager")),
        ("canned_reply.created", world.id("amelie")),
    ]
    assert entries[0].data == {"scope": "store", "store": "PARIS01", "language": "en"}
    assert entries[1].data is not None and entries[1].data["text"] is True
    assert entries[3].subject_id == own["reply"]["id"]
    # The store's manager finds them in the audit viewer (data.store names their store).
    status, viewer = await world.call(
        "GET", "/api/audit?subject_type=canned_reply", "paris_manager"
    )
    assert status == 200
    assert {"canned_reply.created", "canned_reply.deleted"} <= {
        e["action"] for e in viewer["entries"]
    }
