"""Production mode at size: three `hub serve` processes and a `hub worker` on one PostgreSQL
and one Redis, as behind a load balancer.

- a chat whose shopper and ambassador sit on different processes (every live event crosses);
- sixty shoppers at once against four ambassadors on three processes: nobody over capacity,
  no conversation assigned twice, every other conversation waiting in line;
- a web process killed with SIGKILL under a hundred shoppers' traffic: every acknowledged
  message stored exactly once and seen by its ambassador, the shoppers resuming elsewhere;
- what a killed process leaves behind in routing's state (an offer it made, its consoles,
  a conversation it never routed): the surviving processes take it over.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.security.tokens import VisitorTokens
from tests.conftest import truncate_pg
from tests.e2e.conftest import Client, Session
from tests.e2e.production_support import (
    REDIS_URL,
    Cluster,
    Desk,
    Progress,
    Shopper,
    add_ambassadors,
    eventually,
    forget_redis,
    sql,
    store_unrouted,
    write_like_a_job,
)


@pytest.fixture
def database_url(pg_url: str) -> str:
    """Production runs on PostgreSQL only; start from empty tables."""
    asyncio.run(truncate_pg(pg_url))
    return pg_url


@pytest.fixture
def prefix() -> Iterator[str]:
    """Redis keys of the test's own: routing state, the socket.io channel, the rq queue."""
    value = f"test:{uuid.uuid4().hex}:"
    yield value
    asyncio.run(forget_redis(value))


@pytest.fixture
def cluster(hub_env: dict[str, str], prefix: str, tmp_path: Path) -> Iterator[Cluster]:
    """Three web processes (A, B, C) and one worker."""
    env = {**hub_env, "HUB_REDIS_URL": REDIS_URL, "HUB_REDIS_PREFIX": prefix}
    env["HUB_CHANGE_POLL_SECONDS"] = "0.2"  # what the worker writes shows sooner
    running = Cluster.start(env, tmp_path, web=3)
    yield running
    running.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _login(http: aiohttp.ClientSession, base: str, email: str) -> str:
    return await Session(base, http).staff_token(email)


async def _close_all(*clients: Shopper | Desk | Client) -> None:
    await asyncio.gather(*(c.close() for c in clients if not isinstance(c, Client)))
    for client in clients:
        if isinstance(client, Client) and client.sio.connected:
            await client.close()


# -- 1. one chat, every event across processes ----------------------------------------------


async def test_every_live_event_crosses_processes(
    cluster: Cluster, http: aiohttp.ClientSession, hub_env: dict[str, str]
) -> None:
    a, b, c = (Session(base, http) for base in cluster.bases)
    for one in (a, b, c):
        async with http.get(f"{one.base}/healthz") as response:
            assert await response.json() == {"status": "ok", "database": "ok", "redis": "ok"}

    token = await b.staff_token()
    ambassador = await b.ambassador(token)  # on B
    shopper = await a.shopper(await a.visitor_token(), store="PARIS01")  # on A
    try:
        # A stores the message and routes it; the offer reaches B.
        first = await shopper.call("message", {"client_id": "m1", "text": "Bonjour from A"})
        offer = await ambassador.next("offer")
        assert offer["conversation"]["id"] == first["conversation_id"]
        assert offer["customer"]["id"] and offer["expires_at"]
        conversation_id = first["conversation_id"]

        # B accepts; A's shopper learns who is with them.
        accepted = await ambassador.call("accept", {"offer_id": offer["offer_id"]})
        assert accepted["conversation"]["status"] == "assigned"
        assert await shopper.next("assigned") == {"ambassador": {"name": "Amélie Laurent"}}

        # Replies B -> A, messages A -> B, in order, with their seq.
        reply = await ambassador.call(
            "reply", {"conversation_id": conversation_id, "client_id": "r1", "text": "Bonjour !"}
        )
        pushed = await shopper.next("message")
        assert (pushed["id"], pushed["seq"], pushed["text"]) == (reply["id"], 2, "Bonjour !")
        second = await shopper.call("message", {"client_id": "m2", "text": "Is it in stock?"})
        live = await ambassador.next("message")
        assert (live["id"], live["seq"], live["author"]["kind"]) == (second["id"], 3, "customer")

        # Typing, both ways.
        await shopper.call("typing", {"typing": True})
        typing = await ambassador.next("typing")
        assert typing["conversation_id"] == conversation_id and typing["typing"] is True
        await ambassador.call("typing", {"conversation_id": conversation_id, "typing": True})
        assert (await shopper.next("typing"))["author"] == {
            "kind": "ambassador",
            "name": "Amélie Laurent",
        }

        # A message the worker writes (a reminder in the chat) reaches both, once each:
        # every web process reads the change feed and tells only its own sockets.
        reminder = await write_like_a_job(
            hub_env["HUB_DATABASE_URL"], conversation_id, "Reminder: your fitting tomorrow"
        )
        assert (await shopper.next("message"))["id"] == reminder
        assert (await ambassador.next("message"))["id"] == reminder

        # A profile edit through the console REST of C reaches the console on B.
        customer_id = offer["customer"]["id"]
        watched = await ambassador.call("watch_customer", {"customer_id": customer_id})
        assert watched == {"customer_id": customer_id}
        async with http.patch(
            f"{c.base}/api/customers/{customer_id}",
            json={"name": "Claire Dubois"},
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            assert response.status == 200, await response.text()
        assert (await ambassador.next("customer_updated"))["customer_id"] == customer_id

        # Queue updates: C routes a second shopper while the ambassador is away (C's own
        # update), then B's presence change updates C's shopper.
        assert await ambassador.call("presence", {"status": "away"}) == {"status": "away"}
        waiting = await c.shopper(await c.visitor_token(), store="PARIS01")
        queued = await waiting.call("message", {"client_id": "w1", "text": "Anyone there?"})
        line = await waiting.next("queue")
        assert line["position"] == 1 and line["offline"] is True
        assert await ambassador.call("presence", {"status": "away"}) == {"status": "away"}
        again = await waiting.next("queue")  # published by B
        assert again["position"] == 1
        assert await ambassador.call("presence", {"status": "available"}) == {"status": "available"}
        offer = await ambassador.next("offer")  # B offers C's shopper to B's ambassador
        assert offer["conversation"]["id"] == queued["conversation_id"]
        await ambassador.call("accept", {"offer_id": offer["offer_id"]})
        assert (await waiting.next("assigned"))["ambassador"]["name"] == "Amélie Laurent"

        # Closing on B tells the shopper on A.
        closed = await ambassador.call("close", {"conversation_id": conversation_id})
        assert closed["conversation"]["status"] == "closed"
        assert (await shopper.next("closed"))["conversation_id"] == conversation_id
        # Every event came once.
        assert shopper.pending("message") == shopper.pending("assigned") == 0
        assert ambassador.pending("message") == ambassador.pending("offer") == 0

        # A first message whose process died between its commit and telling routing is
        # routed when the widget, having had no ack, sends it again to another process.
        visitor, late_token = VisitorTokens(hub_env["HUB_SECRET_KEY"]).issue()
        stored = await store_unrouted(
            hub_env["HUB_DATABASE_URL"], visitor, "lost-1", "Hello? Still there?"
        )
        late = await c.shopper(late_token, store="PARIS01")
        resent = await late.call("message", {"client_id": "lost-1", "text": "Hello? Still there?"})
        assert resent["id"] == stored
        offer = await ambassador.next("offer")
        assert offer["conversation"]["id"] == resent["conversation_id"]
    finally:
        await _close_all(*a.clients, *b.clients, *c.clients)
    assert cluster.problems() == []


# -- 2. routing across processes ------------------------------------------------------------

SHOPPERS = 60
DESKS = 4
CAPACITY = 3


async def test_shoppers_arriving_at_once_never_overfill_an_ambassador(
    cluster: Cluster, http: aiohttp.ClientSession, hub_env: dict[str, str]
) -> None:
    database = hub_env["HUB_DATABASE_URL"]
    bases = cluster.bases
    emails = await add_ambassadors(database, DESKS, CAPACITY)
    progress = Progress()
    desks = [Desk(f"desk{i}", progress) for i in range(DESKS)]
    tokens = VisitorTokens(hub_env["HUB_SECRET_KEY"])
    shoppers = [Shopper(tokens.issue()[1], f"shopper{i}", progress) for i in range(SHOPPERS)]
    try:
        for i, (desk, email) in enumerate(zip(desks, emails, strict=True)):
            base = bases[i % len(bases)]  # A, B, C, A
            await desk.connect(base, await _login(http, base, email))
        staff_of = {
            row["email"]: row["id"]
            for row in await sql(
                database, "SELECT id, email FROM staff WHERE email = ANY($1)", emails
            )
        }
        await asyncio.gather(*(s.connect(bases[i % 3]) for i, s in enumerate(shoppers)))
        acks = await asyncio.gather(*(s.send("hello", f"Hello from {s.label}") for s in shoppers))
        assert all(ack is not None for ack in acks)
        conversation_of = {
            s.label: ack["conversation_id"]
            for s, ack in zip(shoppers, acks, strict=True)
            if ack is not None
        }
        assert len(set(conversation_of.values())) == SHOPPERS

        full = DESKS * CAPACITY
        await progress.until(
            lambda: sum(len(d.accepted) for d in desks) >= full,
            timeout=30,
            what=f"{full} offers accepted",
        )
        await asyncio.gather(*(d.settle() for d in desks))

        # In the offers they received: nobody was offered more than they can hold (nothing
        # was declined, expired or closed, so every offer still counts), none refused.
        for desk in desks:
            assert len(desk.offers) <= CAPACITY, (desk.label, len(desk.offers))
            assert desk.refused == []
        offered = Counter(o["conversation"]["id"] for d in desks for o in d.offers)
        assert max(offered.values()) == 1, "a conversation was offered twice"
        accepted = {cid: d.label for d in desks for cid in d.accepted}
        assert len(accepted) == sum(len(d.accepted) for d in desks) == full

        # In PostgreSQL: the same assignments, one accepted offer each, nobody over capacity.
        async def settled() -> bool:
            rows = await sql(database, "SELECT status, count(*) AS n FROM conversations GROUP BY 1")
            return {r["status"]: r["n"] for r in rows} == {
                "assigned": full,
                "queued": SHOPPERS - full,
            }

        await eventually(settled, timeout=10, what="every conversation assigned or queued")
        rows = await sql(
            database, "SELECT id, assigned_staff_id FROM conversations WHERE status = 'assigned'"
        )
        label_of = {staff_of[email]: desk.label for desk, email in zip(desks, emails, strict=True)}
        assert {r["id"]: label_of[r["assigned_staff_id"]] for r in rows} == accepted
        per_staff = Counter(r["assigned_staff_id"] for r in rows)
        assert max(per_staff.values()) <= CAPACITY
        offers = await sql(database, "SELECT conversation_id, staff_id, status FROM offers")
        assert Counter(o["status"] for o in offers) == {"accepted": full}
        assert max(Counter(o["staff_id"] for o in offers).values()) <= CAPACITY
        assigned_twice = await sql(
            database,
            "SELECT subject_id FROM audit_log WHERE action = 'conversation.assigned' "
            "GROUP BY subject_id HAVING count(*) > 1",
        )
        assert assigned_twice == []

        # Routing's state (Redis), as a manager's live queue shows it from any process: the
        # other conversations wait in line, each once; every load is what PostgreSQL says.
        queued_ids = {
            r["id"]
            for r in await sql(database, "SELECT id FROM conversations WHERE status = 'queued'")
        }
        (manager_email,) = await add_ambassadors(database, 1, role="manager")
        manager = await _login(http, bases[2], manager_email)
        board: dict[str, Any] = {}

        async def lined_up() -> bool:
            nonlocal board
            async with http.get(
                f"{bases[2]}/api/queue", headers={"Authorization": f"Bearer {manager}"}
            ) as response:
                assert response.status == 200, await response.text()
                (board,) = (await response.json())["stores"]
            waiting = [w["conversation_id"] for w in board["waiting"]]
            return len(waiting) == len(set(waiting)) and set(waiting) == queued_ids

        await eventually(lined_up, timeout=10, what="the waiting conversations in line")
        loads = {a["id"]: a["load"] for a in board["ambassadors"]}
        assert loads == {staff_id: per_staff[staff_id] for staff_id in staff_of.values()}

        # The shoppers: the assigned ones were told who, across processes; the others their
        # place in line.
        by_label = {s.label: s for s in shoppers}
        await progress.until(
            lambda: (
                all(
                    by_label[label].events.get("assigned")
                    for label, cid in conversation_of.items()
                    if cid in accepted
                )
                and all(
                    by_label[label].events.get("queue")
                    for label, cid in conversation_of.items()
                    if cid in queued_ids
                )
            ),
            timeout=10,
            what="assigned shoppers told who, waiting ones their place",
        )
    finally:
        await _close_all(*desks, *shoppers)
    assert cluster.problems() == []


# -- 3. SIGKILL under traffic ------------------------------------------------------------------

CROWD = 100
STREAM = 10  # messages per shopper after the first
WINDOW = 3  # a shopper sends up to this many before waiting for acks
KILLED = 0  # process A: a third of the shoppers, no ambassador


def _text(shopper: Shopper, client_id: str) -> str:
    return f"{shopper.label}/{client_id}"


async def _stream(shopper: Shopper, client_ids: list[str], survivors: list[str]) -> None:
    """Send in windows; when the process dies, reconnect to a survivor with the same token
    and send what was not acknowledged again, with the same client ids."""
    pending = list(client_ids)
    while pending:
        window = pending[:WINDOW]
        acks = await asyncio.gather(*(shopper.send(c, _text(shopper, c)) for c in window))
        unacked = [c for c, ack in zip(window, acks, strict=True) if ack is None]
        pending = unacked + pending[len(window) :]
        if unacked:
            assert shopper.base not in survivors, f"{shopper.label} dropped by a survivor"
            shopper.drops += 1
            shopper.resent += unacked
            await shopper.close()
            await shopper.connect(survivors[(int(shopper.label[1:]) + shopper.drops) % 2])


async def test_a_web_process_killed_under_traffic_loses_no_acknowledged_message(
    cluster: Cluster, http: aiohttp.ClientSession, hub_env: dict[str, str]
) -> None:
    database = hub_env["HUB_DATABASE_URL"]
    bases = cluster.bases
    survivors = [base for i, base in enumerate(bases) if i != KILLED]
    emails = await add_ambassadors(database, 2, CROWD // 2)
    progress = Progress()
    desks = [Desk(f"desk{i}", progress) for i in range(2)]
    tokens = VisitorTokens(hub_env["HUB_SECRET_KEY"])
    issued = [tokens.issue() for _ in range(CROWD)]
    shoppers = [Shopper(token, f"s{i:03d}", progress) for i, (_, token) in enumerate(issued)]
    visitor_of = {s.label: visitor for s, (visitor, _) in zip(shoppers, issued, strict=True)}
    replies: dict[str, dict[str, Any]] = {}  # conversation id -> the ambassador's reply ack
    started = time.monotonic()
    try:
        for desk, email, base in zip(desks, emails, survivors, strict=True):  # on B and C
            await desk.connect(base, await _login(http, base, email))
        await asyncio.gather(*(s.connect(bases[i % 3]) for i, s in enumerate(shoppers)))
        doomed = [s for s in shoppers if s.base == bases[KILLED]]
        assert len(doomed) == 34

        # Everyone's conversation is assigned first (each desk can hold half the crowd).
        await asyncio.gather(*(s.send("m00", _text(s, "m00")) for s in shoppers))
        await progress.until(
            lambda: sum(len(d.accepted) for d in desks) == CROWD,
            timeout=30,
            what="every conversation assigned",
        )
        await asyncio.gather(*(d.settle() for d in desks))
        desk_of = {cid: d for d in desks for cid in d.accepted}
        assigned_in = time.monotonic() - started

        # Midway through its stream, each ambassador answers once (the shopper may be
        # between processes by then: history brings it back).
        async def answer(message: dict[str, Any]) -> None:
            if message["text"].endswith("/m05"):
                cid = message["conversation_id"]
                replies[cid] = await desk_of[cid].call(
                    "reply", {"conversation_id": cid, "client_id": f"r-{cid}", "text": "Noted."}
                )

        for desk in desks:
            desk.on_message = answer

        # The stream, and SIGKILL on A when about a third of it is acknowledged.
        total = CROWD * (STREAM + 1)
        ids = [f"m{n:02d}" for n in range(1, STREAM + 1)]
        streams = asyncio.gather(*(_stream(s, ids, survivors) for s in shoppers))
        await progress.until(
            lambda: sum(len(s.acks) for s in shoppers) >= CROWD + total // 3,
            timeout=30,
            what="a third of the stream acknowledged",
        )
        killed_at = time.monotonic()
        killed_wall = datetime.now(UTC)
        cluster.kill(KILLED)
        await asyncio.wait_for(streams, 40)
        resumed_in = time.monotonic() - killed_at

        # The kill really cut traffic: A's shoppers lost acks in flight and moved.
        assert all(s.base in survivors for s in shoppers)
        assert {s.label for s in shoppers if s.drops} == {s.label for s in doomed}
        resent = sum(len(s.resent) for s in doomed)
        assert resent > 0

        # The ambassadors: every message acknowledged after the conversation was assigned
        # (m00 came before it: the offer and the timeline show that one) reached the one
        # it is assigned to, live. Then their answers (to m05) are all written.
        acked = {
            f"webchat:{visitor_of[s.label]}:{cid}": (s, cid, ack)
            for s in shoppers
            for cid, ack in s.acks.items()
        }

        def unseen() -> list[str]:
            return [
                key
                for key, (_, cid, ack) in acked.items()
                if cid != "m00" and ack["id"] not in desk_of[ack["conversation_id"]].messages
            ]

        with contextlib.suppress(AssertionError):
            await progress.until(lambda: not unseen(), timeout=10, what="")
        await asyncio.gather(*(d.settle() for d in desks))

        # The database, in one snapshot: each acknowledged message exactly once (by its
        # dedupe key and by its text), nothing stored that was not acknowledged, one
        # conversation per shopper, seq gapless up to the conversation's last_seq.
        rows = await sql(
            database,
            "SELECT c.id AS conversation_id, c.last_seq, m.id, m.seq, m.text, m.dedupe_key, "
            "m.author_kind, m.created_at FROM conversations c "
            "LEFT JOIN messages m ON m.conversation_id = c.id ORDER BY c.id, m.seq",
        )
        stored = {r["dedupe_key"]: r for r in rows if r["author_kind"] == "customer"}
        lost = sorted(key for key in acked if key not in stored)
        wrong_id = sorted(
            key for key, (_, _, ack) in acked.items() if stored.get(key, ack)["id"] != ack["id"]
        )
        texts = Counter((r["conversation_id"], r["text"]) for r in rows)
        duplicates = sorted(key for key, n in texts.items() if n > 1)
        unacked = sorted(key for key in stored if key not in acked)
        assert (lost, wrong_id, duplicates, unacked) == ([], [], [], [])
        assert len(acked) == total
        seqs: dict[str, list[int]] = {}
        last_seq: dict[str, int] = {}
        for r in rows:
            seqs.setdefault(r["conversation_id"], []).append(r["seq"])
            last_seq[r["conversation_id"]] = r["last_seq"]
        assert len(seqs) == CROWD
        gaps = {
            cid: numbers
            for cid, numbers in seqs.items()
            if numbers != list(range(1, last_seq[cid] + 1))
        }
        assert gaps == {}

        # ... and the ambassadors' side, counted.
        missed = unseen()
        where = Counter(
            (bases.index(acked[key][0].bases[0]), bases.index(acked[key][0].bases[-1]))
            for key in missed
        )
        assert missed == [], (
            f"{len(missed)} acknowledged messages never reached their ambassador (by the "
            f"first and last process of their shopper: {dict(where)}): {missed[:5]}"
        )
        assert len(replies) == CROWD
        assert all("id" in ack for ack in replies.values()), list(replies.values())[:3]

        # A console's resume (after a reconnect, or a gap in seq): every timeline over REST,
        # from either surviving process, has everything in order.
        token = await _login(http, survivors[0], emails[0])

        async def timeline(index: int, cid: str) -> list[int]:
            async with http.get(
                f"{survivors[index % 2]}/api/conversations/{cid}",
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 200, await response.text()
                return [m["seq"] for m in (await response.json())["messages"]]

        timelines = await asyncio.gather(*(timeline(i, cid) for i, cid in enumerate(desk_of)))
        assert all(t == list(range(1, STREAM + 3)) for t in timelines)

        # The shoppers: history after the last seq each saw without a gap catches up with
        # everything, its own messages and the ambassador's answer, in order.
        for shopper in shoppers:
            after = shopper.contiguous_seq()
            caught = await shopper.call("history", {"after_seq": after})
            seen = shopper.known_seqs() | {m["seq"] for m in caught["messages"]}
            assert [m["seq"] for m in caught["messages"]] == list(
                range(after + 1, after + 1 + len(caught["messages"]))
            )
            assert seen == set(range(1, STREAM + 3)), shopper.label
        stored_by_a = sum(
            1
            for s in doomed
            for cid in set(s.resent)
            if stored[f"webchat:{visitor_of[s.label]}:{cid}"]["created_at"] < killed_wall
        )
        print(
            f"\n{CROWD} conversations assigned in {assigned_in:.1f}s; killed A with "
            f"{len(doomed)} shoppers: {resent} messages re-sent ({stored_by_a} of them stored "
            f"by A before it died), all resumed within {resumed_in:.1f}s; "
            f"{sum(d.message_events for d in desks)} message events for {len(acked)} messages; "
            f"{time.monotonic() - started:.1f}s in all"
        )
    finally:
        await _close_all(*desks, *shoppers)
    assert cluster.problems() == []


# -- 4. what a killed process leaves behind in routing: the others take it over -----------


async def _small_cluster(hub_env: dict[str, str], prefix: str, tmp: Path, **env: str) -> Cluster:
    settings = {"HUB_REDIS_URL": REDIS_URL, "HUB_REDIS_PREFIX": prefix, **env}
    return await asyncio.to_thread(Cluster.start, {**hub_env, **settings}, tmp, web=2)


async def test_an_offer_made_by_a_killed_process_still_expires(
    hub_env: dict[str, str], prefix: str, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    cluster = await _small_cluster(hub_env, prefix, tmp_path, HUB_OFFER_TIMEOUT_SECONDS="2")
    progress = Progress()
    desk = Desk("desk", progress, accept=False)
    shopper = Shopper(VisitorTokens(hub_env["HUB_SECRET_KEY"]).issue()[1], "s", progress)
    try:
        a, b = cluster.bases
        await desk.connect(b, await _login(http, b, "amelie@test.concierge"))
        await shopper.connect(a)
        ack = await shopper.send("m1", "Hello from A")
        assert ack is not None
        await progress.until(lambda: bool(desk.offers), timeout=10, what="the offer from A")
        cluster.kill(0)  # A made the offer, and armed its expiry
        # The ambassador does not answer: after 2 s the offer should lapse, the console be
        # told, and the conversation wait in line again instead of being "offered" forever.
        await progress.until(
            lambda: bool(desk.events.get("offer_revoked")), timeout=5, what="the offer lapsed"
        )
        status = await sql(
            hub_env["HUB_DATABASE_URL"],
            "SELECT status FROM conversations WHERE id = $1",
            ack["conversation_id"],
        )
        assert status[0]["status"] == "queued"
    finally:
        await _close_all(desk, shopper)
        await asyncio.to_thread(cluster.stop)


async def test_an_ambassador_whose_process_was_killed_can_still_leave(
    hub_env: dict[str, str], prefix: str, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    # A process silent for 2 s (four beats missed) is given up: its consoles disconnected.
    cluster = await _small_cluster(
        hub_env,
        prefix,
        tmp_path,
        HUB_DISCONNECT_GRACE_SECONDS="1",
        HUB_ROUTING_RECONCILE_SECONDS="0.5",
        HUB_ROUTING_PROCESS_TIMEOUT_SECONDS="2",
    )
    progress = Progress()
    desk = Desk("desk", progress)
    shopper = Shopper(VisitorTokens(hub_env["HUB_SECRET_KEY"]).issue()[1], "s", progress)
    try:
        a, b = cluster.bases
        token = await _login(http, b, "amelie@test.concierge")
        await desk.connect(a, token)  # the console on A
        await shopper.connect(b)
        assert await shopper.send("m1", "Hello from B") is not None
        await progress.until(lambda: bool(desk.accepted), timeout=10, what="the chat assigned")
        cluster.kill(0)
        await desk.close()
        desk = Desk("desk", progress)
        await desk.connect(b, token)  # the console comes back on B ...
        await desk.close()  # ... and the ambassador leaves for the day
        # Past the grace period the chat should go back in line, the shopper told so.
        await progress.until(
            lambda: any(m.get("author", {}).get("kind") == "system" for m in shopper.live.values()),
            timeout=5,
            what="the conversation requeued after the grace period",
        )
    finally:
        await _close_all(desk, shopper)
        await asyncio.to_thread(cluster.stop)


async def test_a_waiting_conversation_routing_never_heard_of_is_routed(
    hub_env: dict[str, str], prefix: str, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    cluster = await asyncio.to_thread(
        Cluster.start,
        {**hub_env, "HUB_REDIS_URL": REDIS_URL, "HUB_REDIS_PREFIX": prefix},
        tmp_path,
        web=1,
    )
    progress = Progress()
    desk = Desk("desk", progress, accept=False)
    try:
        (base,) = cluster.bases
        await desk.connect(base, await _login(http, base, "amelie@test.concierge"))
        # Acknowledged (so the widget never sends it again), then the process died.
        visitor, _ = VisitorTokens(hub_env["HUB_SECRET_KEY"]).issue()
        await store_unrouted(hub_env["HUB_DATABASE_URL"], visitor, "m1", "Hello?")
        await progress.until(lambda: bool(desk.offers), timeout=8, what="an offer for it")
    finally:
        await _close_all(desk)
        await asyncio.to_thread(cluster.stop)
