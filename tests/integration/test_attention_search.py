"""Conversation search, tags and their suggestions over the REST API, on both databases."""

from __future__ import annotations

from urllib.parse import quote

from tests.integration.attention_support import World, world

__all__ = ["world"]  # the fixture


def ids(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [c["id"] for c in body["conversations"]]


async def search(world: World, who: str, query: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    return await world.get(f"/api/conversations?{query}", who)


async def test_search_finds_words_names_and_addresses_within_the_callers_stores(
    world: World,
) -> None:
    ring = await world.shopper_writes("Je cherche une BAGUE de fiançailles")
    anna = await world.shopper_writes("Bonjour", name="Anna Karlsson", email="anna@client.example")
    await world.assign(ring, "chloe")
    await world.reply("chloe", ring, "Nos bagues Étoile sont en vitrine")
    london = await world.shopper_writes("A bague, please", store="LONDON01")
    await world.shopper_writes("Rien à voir")

    status, body = await search(world, "amelie", "q=bague")
    assert status == 200
    assert ids(body) == [ring]  # a colleague's conversation is found; London's never
    (found,) = body["conversations"]
    assert found["snippet"]["source"] == "message" and "bagues" in found["snippet"]["text"]
    assert found["snippet"]["seq"] == 2  # the newest message that matched
    assert found["unread"] == 1 and found["tags"] == []

    status, body = await search(world, "amelie", "q=KARLSSON")
    assert ids(body) == [anna] and body["conversations"][0]["snippet"]["source"] == "name"
    status, body = await search(world, "amelie", "q=anna%40client")
    assert ids(body) == [anna] and body["conversations"][0]["snippet"] == {
        "source": "email",
        "text": "anna@client.example",
        "seq": None,
    }
    status, body = await search(world, "james", "q=bague")
    assert ids(body) == [london]
    # Amélie's own list (no search) is still hers alone: nothing is assigned to her.
    status, body = await search(world, "amelie", "")
    assert status == 200 and body == {"conversations": [], "next_before": None}


async def test_wildcards_are_literal_and_closed_conversations_are_found(world: World) -> None:
    percent = await world.shopper_writes("Vous faites -50% ce soir ?")
    await world.shopper_writes("Mon budget est de 5000 euros")
    underscore = await world.shopper_writes("Référence a_b chez vous")
    await world.shopper_writes("Référence axb chez vous")
    quote_text = await world.shopper_writes("O'Brien'); DROP TABLE messages; --")

    assert ids((await search(world, "marc", f"q={quote('50%')}"))[1]) == [percent]
    assert ids((await search(world, "marc", "q=a_b"))[1]) == [underscore]
    status, body = await search(world, "marc", f"q={quote(chr(39) + ');')}")
    assert status == 200 and ids(body) == [quote_text]

    await world.assign(percent, "amelie")
    amelie = await world.console("amelie")
    await amelie.call("close", {"conversation_id": percent, "outcome": "information"})
    status, body = await search(world, "amelie", f"q={quote('50%')}")
    assert ids(body) == [percent] and body["conversations"][0]["status"] == "closed"
    assert body["conversations"][0]["outcome"] == "information"
    assert ids((await search(world, "amelie", f"q={quote('50%')}&status=open"))[1]) == []


async def test_search_pages_by_last_activity_without_repeats(world: World) -> None:
    made = []
    for n in range(5):
        made.append(await world.shopper_writes(f"Question numéro {n} sur les montres"))
        if n % 2:
            world.clock.advance(minutes=1)  # some share a time: the id breaks the tie
    seen: list[str] = []
    before = ""
    pages = 0
    while True:
        status, body = await search(world, "marc", f"q=montres&limit=2{before}")
        assert status == 200 and len(body["conversations"]) <= 2
        seen += ids(body)
        pages += 1
        if body["next_before"] is None:
            break
        before = f"&before={body['next_before']}"
    assert pages == 3 and sorted(seen) == sorted(made) and len(set(seen)) == 5
    assert seen[0] in made[4:]  # the most recent first
    for bad in ("limit=0", "limit=201", "limit=x", "before=nope", "q=a", "channel=fax"):
        status, body = await search(world, "marc", bad)
        assert status == 400 and body["error"]["field"] == bad.split("=")[0], bad
    status, body = await search(world, "amelie", "q=montres&store=LONDON01")
    assert status == 404 and body["error"]["code"] == "unknown_store"
    assert (
        len(ids((await search(world, "marc", "q=montres&channel=webchat&store=PARIS01"))[1])) == 5
    )


async def test_tags_are_normalised_limited_audited_and_filtered(world: World) -> None:
    conversation = await world.shopper_writes("Je cherche un cadeau")
    other = await world.shopper_writes("Une autre question")
    path = f"/api/conversations/{conversation}/tags"
    chloe = await world.console("chloe", "conversation_updated")
    james = await world.console("james", "conversation_updated")

    status, body = await world.put(
        path, "amelie", {"tags": [" VIP ", "vip", "Cadeau  Noël", "a_b-1"]}
    )
    assert status == 200 and body == {"tags": ["a_b-1", "cadeau noël", "vip"]}
    update = await chloe.next("conversation_updated")
    assert update == {"conversation": {"id": conversation, "tags": ["a_b-1", "cadeau noël", "vip"]}}

    for bad in (
        ["<b>"],
        ["x" * 33],
        [""],
        [f"t{n}" for n in range(11)],
        "vip",
        [3],
    ):
        status, body = await world.put(path, "amelie", {"tags": bad})
        assert status == 400 and body["error"]["field"] == "tags", bad
    status, body = await world.put(path, "james", {"tags": ["vip"]})
    assert status == 404
    status, body = await world.put(path, "amelie", {"tags": ["vip"], "extra": 1})
    assert status == 400

    status, body = await world.put(path, "chloe", {"tags": ["vip", "mariage"]})
    assert body == {"tags": ["mariage", "vip"]}
    entries = await world.audit("conversation.tagged")
    assert [e.data for e in entries] == [
        {"added": ["vip", "cadeau noël", "a_b-1"], "removed": [], "store": "PARIS01"},
        {"added": ["mariage"], "removed": ["a_b-1", "cadeau noël"], "store": "PARIS01"},
    ]
    assert entries[1].actor_id == world.people["chloe"].id
    # The same set again changes nothing and audits nothing.
    await world.put(path, "chloe", {"tags": ["VIP", "mariage"]})
    assert len(await world.audit("conversation.tagged")) == 2
    assert james.heard["conversation_updated"].empty()

    status, body = await world.get("/api/conversations?tag=VIP", "amelie")
    assert ids(body) == [conversation] and body["conversations"][0]["tags"] == ["mariage", "vip"]
    assert other not in ids(body)
    status, body = await world.get(f"/api/conversations/{conversation}", "amelie")
    assert body["conversation"]["tags"] == ["mariage", "vip"]

    status, body = await world.get("/api/tags?store=PARIS01", "amelie")
    assert status == 200 and {t["tag"] for t in body["tags"]} == {"mariage", "vip"}
    status, body = await world.get("/api/tags?store=LONDON01", "amelie")
    assert status == 404
    status, body = await world.get("/api/tags", "james")
    assert body == {"tags": []}
