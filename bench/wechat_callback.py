"""WeChat callback bursts against a real ``hub serve``: answer times, backlog, duplicates.

    .venv/bin/python -m bench.wechat_callback [--rate 500] [--seconds 4] [--retry-share 0.15]
        [--shoppers 200] [--databases sqlite,postgresql] [--connections 256]

For each database (a temporary SQLite file; a fresh PostgreSQL database, dropped after),
the hub is set up through the real CLI (migrate, seed-demo, ``wechat add cn --mode safe``)
and served on a free port, WeChat's API pointed at a stub in this process. Then:

a. every request is built first, so encryption is not timed (tests.wechat_signing:
   wechatpy's signatures and AES): ``rate x seconds`` texts with distinct MsgIds from
   ``--shoppers`` followers in turn, a ``--retry-share`` of them re-sent byte for byte 1-3
   times, 0.02-1 s after the previous copy (WeChat waits 5 s; sooner keeps the retries
   inside the burst, some while the original is unanswered);
b. they go out open-loop at their planned times over keep-alive connections; an answer's
   time runs from its planned send time, so a client falling behind counts (no
   coordinated omission);
c. the database is polled until no spooled callback is queued, then each MsgId answered
   ``success`` must be exactly one ``inbound_spool`` row and one inbound message.

Target (the issue): max answer well under WeChat's 5 s at 500 callbacks/s (here: under
half), no errors, no duplicates. The hub, this client and PostgreSQL share the machine's
CPUs, so the load average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from sqlalchemy import text
from yarl import URL

from bench.hub_server import Command, HubServer, Phase, Stopwatch, serving
from hub.db.engine import Database
from tests.wechat_signing import callback, echo_query, make_account, text_xml

ACCOUNT_NAME = "cn"
APP_SECRET = "0123456789abcdef0123456789abcdef"
ACCOUNT = make_account(name=ACCOUNT_NAME, app_secret=APP_SECRET, token="conciergetoken")
WECHAT_ADD = Command(
    (
        "wechat", "add", ACCOUNT_NAME, "--app-id", ACCOUNT.app_id, "--token", ACCOUNT.token,
        "--aes-key", ACCOUNT.aes_key, "--store", "PARIS01", "--mode", "safe",
        "--app-secret-stdin",
    ),
    stdin=APP_SECRET + "\n",
)  # fmt: skip
WECHAT_TIMEOUT_MS = 5000.0  # WeChat gives up on an answer and retries after this
TARGET_MAX_MS = WECHAT_TIMEOUT_MS / 2  # "well under 5 s"
MSG_ID_BASE = 7_100_000_000_000_000_000  # 19 digits, as WeChat's 64-bit MsgIds
RETRY_GAP = (0.02, 1.0)  # seconds between two copies of one callback
POLL_SECONDS = 0.25
WARM_UP = 64  # signed URL checks (GET) before the burst: connections, the account cache


# -- what WeChat sends, and its API as the hub sees it ---------------------------------


@dataclass(frozen=True)
class Call:
    """One POST: the planned offset from the burst's start, its MsgId and which copy."""

    at: float
    msg_id: str
    copy: int  # 0: the original; 1-3: WeChat's retries of the same bytes
    path: str  # path and signed query string, encoded once
    body: bytes


def plan(args: argparse.Namespace, now: datetime) -> list[Call]:
    """Every request of the burst, signed and encrypted, in the order they go out."""
    rng = random.Random(args.seed)
    openids = [f"oBench{rng.getrandbits(88):022x}" for _ in range(args.shoppers)]
    calls = []
    for n in range(round(args.rate * args.seconds)):
        at = n / args.rate
        openid, msg_id = openids[n % len(openids)], str(MSG_ID_BASE + n)
        created = now + timedelta(seconds=at)
        inner = text_xml(f"Bonjour, message {n}", openid=openid, create_time=created, msg_id=msg_id)
        nonce = str(rng.randrange(10**9, 10**10))
        query, body = callback(ACCOUNT, "aes", inner, created, nonce=nonce)
        path = f"/wechat/{ACCOUNT_NAME}?{urlencode({**query, 'openid': openid})}"
        calls.append(Call(at, msg_id, 0, path, body))
        if rng.random() < args.retry_share:
            for copy in range(1, rng.randint(1, 3) + 1):
                at += rng.uniform(*RETRY_GAP)
                calls.append(Call(at, msg_id, copy, path, body))
    calls.sort(key=lambda call: call.at)
    return calls


class WechatApiStub:
    """``HUB_WECHAT_API_BASE`` for the hub: tokens and follower profiles, answered at once."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    async def handle(self, request: web.Request) -> web.Response:
        self.calls[request.path] += 1
        if request.path == "/cgi-bin/token":
            return web.json_response({"access_token": secrets.token_hex(16), "expires_in": 7200})
        if request.path == "/cgi-bin/user/info":
            openid = request.query.get("openid", "")
            nickname = f"Shopper {openid[-4:]}"
            return web.json_response({"subscribe": 1, "openid": openid, "nickname": nickname})
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            yield f"http://127.0.0.1:{runner.addresses[0][1]}"
        finally:
            await runner.cleanup()


# -- the burst -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    call: Call
    sent: float  # when the request actually started, seconds after the burst's start
    done: float  # when its answer was read, seconds after the burst's start
    outcome: str  # "success", another HTTP status, or the client's exception

    @property
    def ms(self) -> float:
        """From the planned send time: a request the client sent late counts as slow."""
        return (self.done - self.call.at) * 1000


async def _post(http: aiohttp.ClientSession, base: str, call: Call, origin: float) -> Answer:
    loop = asyncio.get_running_loop()
    sent = loop.time() - origin
    try:
        async with http.post(URL(base + call.path, encoded=True), data=call.body) as response:
            body = await response.text()
            outcome = "success" if response.status == 200 and body == "success" else ""
            outcome = outcome or f"HTTP {response.status}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        outcome = type(exc).__name__
    return Answer(call, sent, loop.time() - origin, outcome)


async def _warm_up(http: aiohttp.ClientSession, base: str) -> None:
    now = datetime.now(UTC)

    async def check(n: int) -> None:
        query = echo_query(ACCOUNT, now, echostr=f"warm{n}", nonce=str(10**9 + n))
        async with http.get(f"{base}/wechat/{ACCOUNT_NAME}", params=query) as response:
            if await response.text() != f"warm{n}":
                raise SystemExit(f"the URL check failed: HTTP {response.status}")

    await asyncio.gather(*(check(n) for n in range(WARM_UP)))


async def burst(
    http: aiohttp.ClientSession, base: str, calls: list[Call], origin: float
) -> list[Answer]:
    """Each request at its planned time (after ``origin``, on the loop's clock), whatever
    the earlier ones are doing."""
    loop = asyncio.get_running_loop()
    tasks = []
    for call in calls:
        delay = origin + call.at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_post(http, base, call, origin)))
    return list(await asyncio.gather(*tasks))


# -- after the burst: processing and what was stored -----------------------------------


@dataclass
class Stored:
    drained_after: float | None = None  # seconds from the burst's start; None: timed out
    backlog: int = 0  # spool rows still queued when the last answer came
    spool: Counter[str] = field(default_factory=Counter)  # rows by status
    spool_keys: list[str] = field(default_factory=list)
    message_keys: list[str] = field(default_factory=list)
    conversations: int = 0
    followers: int = 0
    # A follower's later MsgId before an earlier one: in the spool (by arrival), in the
    # conversation (by seq).
    spooled_out_of_order: int = 0
    stored_out_of_order: int = 0
    counters: dict[str, float] = field(default_factory=dict)  # hub_wechat_callbacks_total


MESSAGES = "FROM messages WHERE direction = 'in' AND channel = 'wechat'"


async def _queued(db: Database) -> int:
    async with db.reading() as session:
        query = text("SELECT count(*) FROM inbound_spool WHERE status = 'queued'")
        return int(await session.scalar(query) or 0)


async def drain(db: Database, stored: Stored, began: float, limit: float) -> None:
    """Poll until no spooled callback is queued; the time it took, from the burst's start."""
    loop = asyncio.get_running_loop()
    stored.backlog = await _queued(db)
    deadline = loop.time() + limit
    while loop.time() < deadline:
        if await _queued(db) == 0:
            stored.drained_after = loop.time() - began
            return
        await asyncio.sleep(POLL_SECONDS)


def _inversions(rows: list[tuple[str, str]]) -> int:
    """Adjacent (group, MsgId) pairs, in order, where the MsgId goes down within a group."""
    return sum(1 for (g1, m1), (g2, m2) in pairwise(rows) if g1 == g2 and int(m1) > int(m2))


def _msg_id(key: str) -> str:
    return key.removeprefix("wechat:").partition("@")[0]


async def read_back(db: Database, stored: Stored) -> None:
    async with db.reading() as session:
        arrivals = []
        spool = "SELECT status, dedupe_key, payload FROM inbound_spool ORDER BY received_at"
        for status, key, payload in await session.execute(text(spool)):
            stored.spool[status] += 1
            stored.spool_keys.append(key)
            fields = json.loads(payload) if isinstance(payload, str) else payload
            arrivals.append((fields["openid"], _msg_id(key)))
        arrivals.sort(key=lambda row: row[0])  # stable: arrival order within each follower
        stored.spooled_out_of_order = _inversions(arrivals)
        timeline = []
        query = f"SELECT conversation_id, dedupe_key {MESSAGES} ORDER BY conversation_id, seq"
        for conversation_id, key in await session.execute(text(query)):
            stored.message_keys.append(key)
            timeline.append((conversation_id, _msg_id(key)))
        stored.stored_out_of_order = _inversions(timeline)
        stored.conversations = len({conversation for conversation, _ in timeline})
        stored.followers = int(await session.scalar(text("SELECT count(*) FROM wechat_users")) or 0)


# -- one database ----------------------------------------------------------------------


@dataclass
class Outcome:
    database: str
    answers: list[Answer] = field(default_factory=list)
    stored: Stored = field(default_factory=Stored)
    phases: dict[str, Phase] = field(default_factory=dict)
    logged: Counter[str] = field(default_factory=Counter)
    api_calls: Counter[str] = field(default_factory=Counter)


async def _load(server: HubServer, args: argparse.Namespace, outcome: Outcome) -> None:
    """Warm up, burst, drain, read back: everything measured against one running hub."""
    connector = aiohttp.TCPConnector(limit=args.connections)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        await _warm_up(http, server.base)
        calls = plan(args, datetime.now(UTC))
        print(f"{outcome.database}: {len(calls):,} requests ...", flush=True)
        watch = Stopwatch(server)
        began = asyncio.get_running_loop().time() + 0.05
        outcome.answers = await burst(http, server.base, calls, began)
        outcome.phases["burst"] = watch.lap()
        db = Database(server.database_url)
        try:
            await drain(db, outcome.stored, began, args.drain_timeout)
            outcome.phases["drain"] = watch.lap()
            await read_back(db, outcome.stored)
        finally:
            await db.close()
        outcome.stored.counters = await server.counters("hub_wechat_callbacks_total", "outcome")


async def run(kind: str, folder: Path, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(kind)
    stub = WechatApiStub()
    async with stub.running() as api_base:
        env = {"HUB_WECHAT_API_BASE": api_base, "HUB_LOG_FORMAT": "json"}
        env["HUB_LOG_LEVEL"] = "WARNING"  # the access log, one line per request, stays off
        setup = [Command(("seed-demo",)), WECHAT_ADD]
        async with serving(kind, folder, setup=setup, env=env, prefix="bench_wechat") as server:
            await _load(server, args, outcome)
        outcome.logged = server.logged_events()
    outcome.api_calls = stub.calls
    return outcome


# -- report ----------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _table(header: str, rows: list[str]) -> None:
    """Whitespace-separated cells in columns as wide as their widest cell; ``_`` in the
    header is a space, the first column is left-aligned and ``|`` separates groups."""
    table = [[cell.replace("_", " ") for cell in header.split()]]
    table += [row.split() for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        cells = [cell.rjust(width) for cell, width in zip(row, widths, strict=True)]
        print("  " + row[0].ljust(widths[0]) + " " + " ".join(cells[1:]))


def _rate(answers: list[Answer]) -> float:
    """New callbacks per second as sent (retries come on top, and later)."""
    starts = [answer.sent for answer in answers if answer.call.copy == 0]
    span = max(starts) - min(starts)
    return (len(starts) - 1) / span if span > 0 else 0.0


def _most_in_flight(answers: list[Answer]) -> int:
    """The most requests sent and not yet answered at any moment (grows when the hub lags)."""
    events = sorted([(a.sent, 1) for a in answers] + [(a.done, -1) for a in answers])
    most = current = 0
    for _at, step in events:
        current += step
        most = max(most, current)
    return most


def _by_second(answers: list[Answer]) -> str:
    """The slowest answer among the requests planned in each second: rising means queueing."""
    worst: dict[int, float] = {}
    for answer in answers:
        second = int(answer.call.at)
        worst[second] = max(worst.get(second, 0.0), answer.ms)
    return ", ".join(f"{worst[second]:,.0f}" for second in sorted(worst))


def _answer_table(outcomes: list[Outcome]) -> None:
    rows = []
    for outcome in outcomes:
        answers = outcome.answers
        ms = [answer.ms for answer in answers]
        ok = sum(1 for answer in answers if answer.outcome == "success")
        late = max((answer.sent - answer.call.at) * 1000 for answer in answers)
        p50, p90, p99 = (percentile(ms, q) for q in (0.5, 0.9, 0.99))
        slow = sum(1 for v in ms if v > WECHAT_TIMEOUT_MS)
        rows.append(
            f"{outcome.database} {len(answers):,} {_rate(answers):.1f} {ok:,} {len(answers) - ok}"
            f" | {p50:,.1f} {p90:,.1f} {p99:,.1f} {max(ms):,.1f} {slow}"
            f" | {late:.0f} {_most_in_flight(answers)}"
        )
    _table("answers requests sent/s success other | p50_ms p90 p99 max >5_s | late flight", rows)
    for outcome in outcomes:
        print(f"  {outcome.database} max ms by second of the plan: {_by_second(outcome.answers)}")
        failures = Counter(a.outcome for a in outcome.answers if a.outcome != "success")
        if failures:
            print(f"  {outcome.database} other answers: {dict(failures)}")


def _key(call: Call) -> str:
    """The dedupe key the hub gives this callback's message (MsgId scoped to the account)."""
    return f"wechat:{call.msg_id}@{ACCOUNT_NAME}"


def _duplicates(stored: Stored) -> int:
    """Rows beyond the first for any key, in the spool and in the timeline."""
    spool, messages = stored.spool_keys, stored.message_keys
    return len(spool) - len(set(spool)) + len(messages) - len(set(messages))


def _lost(outcome: Outcome) -> int:
    answered = {_key(a.call) for a in outcome.answers if a.outcome == "success"}
    return len(answered - set(outcome.stored.message_keys))


def _stored_table(outcomes: list[Outcome]) -> None:
    rows = []
    for outcome in outcomes:
        s = outcome.stored
        sent = {_key(a.call) for a in outcome.answers}
        answered = {_key(a.call) for a in outcome.answers if a.outcome == "success"}
        extra = len(set(s.message_keys) - sent)
        rows.append(
            f"{outcome.database} {len(sent):,} {len(answered):,}"
            f" | {len(s.spool_keys):,} {s.spool['queued']} {s.spool['failed']}"
            f" | {len(s.message_keys):,} {_duplicates(s)} {_lost(outcome)} {extra}"
            f" | {s.spooled_out_of_order} {s.stored_out_of_order}"
        )
    _table(
        "stored MsgIds answered | spool queued failed | messages dups lost extra | spooled stored",
        rows,
    )


def _processing_table(outcomes: list[Outcome]) -> None:
    rows = []
    for outcome in outcomes:
        s, burst, drain = outcome.stored, outcome.phases["burst"], outcome.phases["drain"]
        drained = f"{s.drained_after:.1f}" if s.drained_after is not None else ">limit"
        rate = f"{len(s.message_keys) / s.drained_after:.1f}" if s.drained_after else "-"
        rows.append(
            f"{outcome.database} {s.backlog:,} {drained} {rate}"
            f" | {burst.wall:.1f} {burst.hub / burst.wall:.0%} {burst.client / burst.wall:.0%}"
            f" | {drain.wall:.1f} {drain.hub / drain.wall:.0%}"
        )
    _table(
        "processing backlog drained_s messages/s | burst_s hub_cpu client | drain_s hub_cpu",
        rows,
    )


def _retries(answers: list[Answer]) -> tuple[int, int]:
    """Retries sent, and how many of them left while their original was still unanswered."""
    first = {a.call.msg_id: a for a in answers if a.call.copy == 0}
    retries = [a for a in answers if a.call.copy > 0]
    return len(retries), sum(1 for a in retries if a.sent < first[a.call.msg_id].done)


def _hub_lines(outcome: Outcome) -> None:
    retries, overlapping = _retries(outcome.answers)
    hub = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(outcome.stored.counters.items()))
    api = ", ".join(f"{path} {n}" for path, n in sorted(outcome.api_calls.items()))
    print(f"  {outcome.database}: {retries} retries, {overlapping} sent before the first answer;")
    print(
        f"    the hub counted {hub or 'nothing'}; {outcome.stored.conversations}"
        f" conversations, {outcome.stored.followers} followers"
    )
    print(f"    WeChat API stub: {api or 'no calls'}")
    for event, n in outcome.logged.most_common(5):
        print(f"    hub log: {n} x {event}")


def _verdict(outcome: Outcome, rate: float) -> str:
    ms = max(answer.ms for answer in outcome.answers)
    errors = sum(1 for answer in outcome.answers if answer.outcome != "success")
    met = ms < TARGET_MAX_MS and errors == 0 and _rate(outcome.answers) >= 0.95 * rate
    lost = _lost(outcome)
    return (
        f"  {outcome.database}: max {ms:,.0f} ms: target max well under"
        f" {WECHAT_TIMEOUT_MS:.0f} ms at {rate:g}/s {'met' if met else 'not met'};"
        f" duplicates {_duplicates(outcome.stored)}" + (f"; lost {lost}" if lost else "")
    )


def report(outcomes: list[Outcome], args: argparse.Namespace) -> None:
    count = round(args.rate * args.seconds)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    gap = f"{RETRY_GAP[0]:g}-{RETRY_GAP[1]:g} s"
    print(
        f"WeChat callbacks: {count:,} encrypted texts (safe mode) at {args.rate:g}/s for"
        f" {args.seconds:g} s from {args.shoppers} followers, {args.retry_share:.0%} re-sent"
    )
    print(
        f"  1-3 times {gap} apart, to one `hub serve`; {os.cpu_count()} CPUs for the hub,"
        f" this client and PostgreSQL, load {load}"
    )
    print()
    _answer_table(outcomes)
    print("  sent/s: new callbacks (retries on top); ms: planned send time to answer; late:")
    print("  client behind plan, ms; flight: most unanswered at once, those waiting for one of")
    print(f"  the client's {args.connections} connections included")
    print()
    _stored_table(outcomes)
    print("  dups: rows past the first per dedupe key (spool, messages); lost: answered, no")
    print("  message; extra: nobody sent it; spooled, stored: a follower's later MsgId before an")
    print("  earlier one, by arrival in the spool and by seq in the conversation")
    print()
    _processing_table(outcomes)
    print("  backlog: queued spool rows at the last answer; drained: from the burst's start;")
    print("  cpu: % of one CPU, the hub's process (all threads) and this client's (not PostgreSQL)")
    print()
    for outcome in outcomes:
        _hub_lines(outcome)
    print()
    for outcome in outcomes:
        print(_verdict(outcome, args.rate))
    print(
        f"  met: max under {TARGET_MAX_MS:.0f} ms (half of WeChat's time-out), no error answer,"
        " new callbacks sent at 95% of the rate or more"
    )


async def _main(args: argparse.Namespace) -> None:
    outcomes = []
    for kind in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-wechat-") as folder:
            print(f"{kind}: setting up the hub ...", flush=True)
            outcomes.append(await run(kind, Path(folder), args))
    print()
    report(outcomes, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=500.0, help="new callbacks per second")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--retry-share", type=float, default=0.15)
    parser.add_argument("--shoppers", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--drain-timeout", type=float, default=180.0, help="seconds")
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
