"""Unread counts and the outcome of a close, over the console socket, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.integration.attention_support import World, world

__all__ = ["world"]  # the fixture


async def unread_of(world: World, who: str, conversation_id: str, query: str = "") -> int:
    status, body = await world.get(f"/api/conversations?{query}", who)
    assert status == 200, body
    (found,) = [c for c in body["conversations"] if c["id"] == conversation_id]
    return int(found["unread"])


async def test_unread_counts_follow_messages_and_each_ambassadors_reads(world: World) -> None:
    visitor = "visitor-anna"
    conversation = await world.shopper_writes("Bonjour", visitor=visitor)
    await world.assign(conversation, "amelie")
    await world.shopper_writes("Someone else's question")
    amelie = await world.console("amelie", "conversation_read")
    amelie_tab = await world.console("amelie", "conversation_read")
    assert await unread_of(world, "amelie", conversation) == 1
    # Two more from the shopper (seq 2 and 3); Amélie's answer (seq 4) is not unread.
    await world.shopper_writes("Une alliance en or", visitor=visitor)
    await world.shopper_writes("Taille 52", visitor=visitor)
    await world.reply("amelie", conversation, "Avec plaisir")
    assert await unread_of(world, "amelie", conversation) == 3

    ack = await amelie.call("read", {"conversation_id": conversation, "seq": 2})
    assert ack == {"conversation_id": conversation, "last_read_seq": 2, "unread": 1}
    # Her other tab clears the same badge; the one that read hears nothing back.
    assert await amelie_tab.next("conversation_read") == ack
    assert amelie.heard["conversation_read"].empty()

    # A stale tab cannot move the marker back.
    stale = await amelie_tab.call("read", {"conversation_id": conversation, "seq": 1})
    assert stale["last_read_seq"] == 2 and stale["unread"] == 1
    assert await unread_of(world, "amelie", conversation) == 1

    # The manager reads nothing by Amélie reading: counts are per person.
    assert await unread_of(world, "marc", conversation, "scope=stores") == 3

    # Past the end is the end; a new message is unread again, and survives a reload.
    done = await amelie.call("read", {"conversation_id": conversation, "seq": 999})
    assert done["last_read_seq"] == 4 and done["unread"] == 0
    await world.shopper_writes("Vous êtes là ?", visitor=visitor)
    assert await unread_of(world, "amelie", conversation) == 1
    status, body = await world.get(f"/api/conversations/{conversation}", "amelie")
    assert status == 200 and body["conversation"]["unread"] == 1


async def test_reading_is_for_conversations_the_caller_can_see(world: World) -> None:
    conversation = await world.shopper_writes("Bonjour")
    james = await world.console("james")
    ack = await james.call("read", {"conversation_id": conversation, "seq": 1})
    assert ack["error"]["code"] == "not_found"
    amelie = await world.console("amelie")
    for seq in (-1, "1", True, None, 1.5):
        bad = await amelie.call("read", {"conversation_id": conversation, "seq": seq})
        assert bad["error"]["field"] == "seq", seq
    missing = await amelie.call("read", {"conversation_id": "no-such-id", "seq": 1})
    assert missing["error"]["code"] == "not_found"
    # An ambassador of the store may read a colleague's conversation (a manager's view).
    fine = await amelie.call("read", {"conversation_id": conversation, "seq": 1})
    assert fine["unread"] == 0


async def test_the_outcome_of_a_close_is_stored_shown_and_audited(world: World) -> None:
    conversation = await world.shopper_writes("Je voudrais la bague Étoile")
    await world.assign(conversation, "amelie")
    amelie = await world.console("amelie")

    wrong = await amelie.call("close", {"conversation_id": conversation, "outcome": "sold"})
    assert wrong["error"]["field"] == "outcome"
    status, body = await world.get(f"/api/conversations/{conversation}", "amelie")
    assert body["conversation"]["status"] == "assigned"  # nothing happened

    ack = await amelie.call(
        "close",
        {"conversation_id": conversation, "outcome": "purchase", "note": "  Étoile, taille 52 "},
    )
    closed = ack["conversation"]
    assert closed["status"] == "closed" and closed["outcome"] == "purchase"
    assert closed["outcome_note"] == "Étoile, taille 52"
    assert closed["closed_by"] == world.people["amelie"].id

    status, body = await world.get(f"/api/conversations/{conversation}", "marc")
    assert status == 200 and body["conversation"]["outcome"] == "purchase"
    status, listed = await world.get("/api/conversations?status=closed&scope=stores", "marc")
    assert [c["outcome"] for c in listed["conversations"]] == ["purchase"]
    (entry,) = await world.audit("conversation.closed")
    assert entry.actor_id == world.people["amelie"].id
    assert entry.data == {"outcome": "purchase", "with_note": True}


async def test_closing_without_an_outcome_still_works(world: World) -> None:
    conversation = await world.shopper_writes("Merci, au revoir")
    await world.assign(conversation, "amelie")
    amelie = await world.console("amelie")
    ack = await amelie.call("close", {"conversation_id": conversation})
    assert ack["conversation"]["status"] == "closed"
    assert ack["conversation"]["outcome"] is None
    (entry,) = await world.audit("conversation.closed")
    assert entry.data is None


async def test_the_list_costs_the_same_queries_for_two_conversations_or_ten(world: World) -> None:
    """Unread counts, tags and previews come in one query each, never one per conversation."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = world.db.engine.sync_engine

    async def queries_for_the_list() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            status, _ = await world.get("/api/conversations?scope=stores", "marc")
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert status == 200
        return len(statements)

    for n in range(2):
        await world.shopper_writes(f"Question {n}")
    await queries_for_the_list()  # the first opens connections: not the list's own cost
    few = await queries_for_the_list()
    for n in range(8):
        await world.shopper_writes(f"Autre question {n}")
    _, body = await world.get("/api/conversations?scope=stores", "marc")
    assert len(body["conversations"]) == 10 and {c["unread"] for c in body["conversations"]} == {1}
    assert await queries_for_the_list() == few
