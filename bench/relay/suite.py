"""The whole session: each target in turn, load runs, idle connections, the summary."""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.relay import probe, profile
from bench.relay.load import (
    Collected,
    RunSpec,
    SentReport,
    WorkerPlan,
    WorkerPool,
    process_cpu_seconds,
    rss_kib,
    split,
)
from bench.relay.stats import Summary, ms, table
from bench.relay.targets import STORE, Running, Target, email, serving

MAX_CAPACITY = 50  # hub.validation.capacity
CONTENDED = 0.3  # cores used by other processes during a run, above which it is flagged


@dataclass(frozen=True)
class Options:
    targets: tuple[Target, ...]
    parts: frozenset[str]
    conversations: int
    ambassadors: int
    seconds: float
    rate: float
    idle: int
    workers: int
    client_loop: str
    reply_every: int
    lift_visitor_limit: bool
    profile: bool
    folder: Path
    repeat: int = 1
    interleave: bool = True
    quiet_wait: float = 0.0  # before each run, wait up to this long for an idle machine
    ack_timeout: float = 30.0


@dataclass
class RunResult:
    target: str
    mode: str
    seconds: float
    offered: float | None
    sent: int
    ok: int
    statuses: Counter[str]
    acked_per_s: float
    delivered_per_s: float
    ack: Summary
    delivery: Summary
    missing: int
    duplicates: int
    delivered_unacked: int
    reply: Summary
    reply_acks: Counter[str]
    server_cores: float
    client_cores: float
    machine_cores: float
    late_sends: int
    db_cores: float | None = None
    # CPU per acked message, microseconds: what a message costs whatever the contention
    server_us: float = 0.0
    client_us: float = 0.0
    db_us: float | None = None
    sql_per_message: dict[str, float] = field(default_factory=dict)
    # the server's garbage collections during the run: (generation, pause ms)
    gc_pauses: list[tuple[int, float]] = field(default_factory=list)

    @property
    def other_cores(self) -> float:
        """The machine's CPU not used by the server, the client or the hub's database:
        other tenants of the machine, the kernel's share of loopback traffic aside."""
        used = self.server_cores + self.client_cores + (self.db_cores or 0.0)
        return max(0.0, self.machine_cores - used)


@dataclass
class IdleResult:
    target: str
    connections: int
    failed: int
    rss_before_kib: int
    rss_after_kib: int
    client_rss_kib: int
    seconds: float

    @property
    def per_connection_kib(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / max(1, self.connections)


@dataclass
class Session:
    options: Options
    runs: list[RunResult] = field(default_factory=list)
    idle: list[IdleResult] = field(default_factory=list)
    probes: list[probe.ProbeResult] = field(default_factory=list)
    setups: dict[str, dict[str, Any]] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    run_ids: int = 0


def machine_busy_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def code_state() -> str:
    """The commit and the uncommitted changes under test (the hub is edited meanwhile)."""
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout

    head = git("rev-parse", "--short", "HEAD").strip() or "?"
    paths = ("hub", "adapters", "routing")
    changed = [line for line in git("status", "--porcelain", "--", *paths).splitlines() if line]
    if not changed:
        return f"{head} (clean)"
    hasher = hashlib.sha1(git("diff", "HEAD", "--", *paths).encode())
    for line in changed:
        if line.startswith("??"):
            new = root / line[3:].strip()
            for file in sorted(new.rglob("*.py")) if new.is_dir() else [new]:
                hasher.update(file.read_bytes())
    digest = hasher.hexdigest()[:10]
    return f"{head} + {len(changed)} uncommitted paths under hub/adapters/routing (state {digest})"


def compact(values: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items() if v
    )


async def wait_for_quiet(limit: float, cores: float = CONTENDED) -> None:
    """Until the machine's busy CPU over one second is under ``cores`` (our servers and
    clients sit idle between runs), at most ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy, total = machine_busy_jiffies()
        await asyncio.sleep(1.0)
        busy_after, total_after = machine_busy_jiffies()
        used = (busy_after - busy) / max(1, total_after - total) * (os.cpu_count() or 1)
        if used < cores:
            return
    say(f"  (the machine stayed busy for {limit:g} s: running anyway)")


def say(text: str) -> None:
    print(text, flush=True)


# -- load runs ----------------------------------------------------------------------


def plans(options: Options, base: str, store: str | None) -> list[WorkerPlan]:
    workers = max(1, options.workers)
    ambassadors = split([(i, email(i)) for i in range(options.ambassadors)], workers)
    shoppers = split(list(range(options.conversations)), workers)
    return [
        WorkerPlan(
            index=w,
            base=base,
            store=store,
            ambassadors=tuple(ambassadors[w]),
            shoppers=tuple(shoppers[w]),
            total_shoppers=options.conversations,
            client_loop=options.client_loop,
        )
        for w in range(workers)
    ]


@asynccontextmanager
async def prepared(session: Session, target: Target) -> AsyncIterator[tuple[Running, WorkerPool]]:
    """A server with its ambassadors available and every shopper's conversation assigned."""
    options = session.options
    per_ambassador = math.ceil(options.conversations / options.ambassadors)
    capacity = min(MAX_CAPACITY, per_ambassador + 2)
    if target.is_hub and per_ambassador > MAX_CAPACITY:
        say(
            f"! {per_ambassador} conversations per ambassador exceed the hub's maximum "
            f"capacity ({MAX_CAPACITY}): some shoppers will wait in the queue"
        )
    say(f"== setting up {target.label}")
    started = time.perf_counter()
    async with serving(
        target,
        options.folder,
        ambassadors=options.ambassadors,
        capacity=capacity,
        lift_visitor_limit=options.lift_visitor_limit,
    ) as server:
        ready = time.perf_counter()
        pool = WorkerPool(plans(options, server.base, STORE if target.is_hub else None))
        try:
            await pool.call("ambassadors")
            shoppers = await pool.call("shoppers")
            counts = Counter[str]()
            for part in await pool.call("counts"):
                counts.update(part)
            session.setups[target.label] = {
                "server_start_s": ready - started,
                "connect_s": max(s["connect_seconds"] for s in shoppers),
                "open_s": max(s["open_seconds"] for s in shoppers),
                "assign_s": max(s["assign_seconds"] for s in shoppers),
                "shoppers": sum(s["shoppers"] for s in shoppers),
                "not_opened": sum(s["not_opened"] for s in shoppers),
                "never_assigned": sum(s["never_assigned"] for s in shoppers),
                "typing_acks": sum(s["typing_acks"] for s in shoppers),
                **counts,
                "notes": server.notes,
            }
            say(f"  {target.label} set up: {compact(session.setups[target.label])}")
            if session.setups[target.label]["shoppers"] < options.conversations:
                say("  ! some shoppers have no assigned conversation and sit the runs out")
            yield server, pool
        except Exception:
            say(f"server log tail ({target.label}):\n{server.log_tail()}")
            raise
        finally:
            await pool.close()


def load_runs(options: Options) -> list[tuple[str, bool]]:
    """(mode, profiled) in order: saturation and rate, repeated, then the profiled run."""
    runs: list[tuple[str, bool]] = []
    for _ in range(max(1, options.repeat)):
        if "saturation" in options.parts:
            runs.append(("closed", False))
        if "rate" in options.parts:
            runs.append(("open", False))
    if options.profile:
        if "saturation" in options.parts or "rate" not in options.parts:
            runs.append(("closed", True))
        if "rate" in options.parts:
            runs.append(("open", True))
    return runs


async def load_phase(session: Session) -> None:
    """Every target's runs; interleaved (all servers up, one run each in turn, so a busy
    spell on a shared machine hits every target alike) or one target after the other."""
    options = session.options
    runs = load_runs(options)
    if not options.interleave:
        for target in options.targets:
            async with prepared(session, target) as (server, pool):
                for mode, profiled in runs:
                    await one_run(session, server, pool, mode, profiled=profiled)
        return
    async with AsyncExitStack() as stack:
        ready = [await stack.enter_async_context(prepared(session, t)) for t in options.targets]
        for mode, profiled in runs:
            for server, pool in ready:
                await one_run(session, server, pool, mode, profiled=profiled)


async def one_run(
    session: Session, server: Running, pool: WorkerPool, mode: str, *, profiled: bool = False
) -> RunResult:
    options = session.options
    session.run_ids += 1
    await asyncio.sleep(1.0)
    if options.quiet_wait > 0:
        await wait_for_quiet(options.quiet_wait)
    start_ns = time.monotonic_ns() + 1_000_000_000
    spec = RunSpec(
        run_id=session.run_ids,
        mode=mode,
        seconds=options.seconds,
        rate=options.rate,
        start_ns=start_ns,
        reply_every=options.reply_every,
        ack_timeout=options.ack_timeout,
    )
    server_cpu = server.cpu_seconds()
    sql_before = server.sql()
    database_pids = await server.database_pids()
    database_cpu = {pid: process_cpu_seconds(pid) for pid in database_pids}
    busy, total = machine_busy_jiffies()
    wall = time.perf_counter()
    spy: asyncio.Task[Path | None] | None = None
    if profiled:
        name = f"{server.target.label.replace(':', '-')}-{mode}"
        out = options.folder / f"pyspy-{name}-{session.run_ids}.txt"
        spy = asyncio.ensure_future(_spy_later(server.pid, start_ns, options.seconds, out))
    timeout = options.seconds + options.ack_timeout + 120
    run_started = time.time()
    sent: list[SentReport] = await pool.call("run", spec, wait_seconds=timeout)
    run_ended = time.time()
    wall = time.perf_counter() - wall
    server_cores = (server.cpu_seconds() - server_cpu) / wall
    busy_after, total_after = machine_busy_jiffies()
    machine = (busy_after - busy) / max(1, total_after - total) * (os.cpu_count() or 1)
    database_pids |= await server.database_pids()
    database_seconds = sum(
        process_cpu_seconds(pid) - database_cpu.get(pid, 0.0) for pid in database_pids
    )
    collected: list[Collected] = await pool.call("collect", spec.run_id, 0.5, 20.0, wait_seconds=60)
    result = evaluate(server.target.label, spec, sent, collected)
    result.server_cores = server_cores
    messages = max(1, result.ok)
    result.server_us = server_cores * wall / messages * 1e6
    result.client_us = sum(r.cpu_seconds for r in sent) / messages * 1e6
    result.machine_cores = machine
    if database_pids:
        result.db_cores = database_seconds / wall
        result.db_us = database_seconds / messages * 1e6
    await asyncio.sleep(0.6)  # hubproc writes its SQL counts and GC log every half second
    result.gc_pauses = server.gc_pauses(run_started, run_ended)
    sql = server.sql()
    sql.subtract(sql_before)
    if result.sent:
        result.sql_per_message = {k: v / result.sent for k, v in sql.most_common() if v > 0}
    if profiled:
        result.mode += "+py-spy"
    if spy is not None:
        path = await spy
        if path is not None:
            run_name = "saturation" if mode == "closed" else f"{options.rate:g} msg/s"
            session.profiles[f"{server.target.label} at {run_name}"] = profile.summarise(path)
    session.runs.append(result)
    say(run_table([result]))
    return result


async def _spy_later(pid: int, start_ns: int, seconds: float, out: Path) -> Path | None:
    await asyncio.sleep(max(0.0, (start_ns - time.monotonic_ns()) / 1e9) + 0.5)
    return await profile.record(pid, max(1.0, seconds - 1.0), out)


def evaluate(
    label: str, spec: RunSpec, sent: list[SentReport], collected: list[Collected]
) -> RunResult:
    messages = [m for report in sent for m in report.messages]
    statuses = Counter(m[4] for m in messages)
    ok = [m for m in messages if m[4] == "ok"]
    first: dict[tuple[int, int], tuple[int, int]] = {}
    received: Counter[tuple[int, int]] = Counter()
    for part in collected:
        for shopper, n, scheduled, at in part.deliveries:
            key = (shopper, n)
            received[key] += 1
            if key not in first or at < first[key][1]:
                first[key] = (scheduled, at)
    acked = {(m[0], m[1]) for m in ok}
    end = spec.start_ns + int(spec.seconds * 1e9)
    last_ack = max((m[3] for m in ok), default=end)
    last_delivery = max((at for _s, at in first.values()), default=end)
    reply_acks: Counter[str] = Counter()
    for part in collected:
        reply_acks.update(part.reply_acks)
    wall = max(r.wall_seconds for r in sent)
    return RunResult(
        target=label,
        mode="saturation" if spec.mode == "closed" else "rate",
        seconds=spec.seconds,
        offered=spec.rate if spec.mode == "open" else None,
        sent=len(messages),
        ok=len(ok),
        statuses=statuses,
        acked_per_s=len(ok) / (max(last_ack, end) - spec.start_ns) * 1e9,
        delivered_per_s=len(first) / (max(last_delivery, end) - spec.start_ns) * 1e9,
        ack=Summary.of([(m[3] - m[2]) / 1e6 for m in ok]),
        delivery=Summary.of([(at - scheduled) / 1e6 for scheduled, at in first.values()]),
        missing=len(acked - received.keys()),
        duplicates=sum(c - 1 for c in received.values() if c > 1),
        delivered_unacked=len(received.keys() - acked),
        reply=Summary.of([n / 1e6 for part in collected for n in part.reply_latencies_ns]),
        reply_acks=reply_acks,
        server_cores=0.0,
        client_cores=sum(r.cpu_seconds for r in sent) / max(wall, 1e-9),
        machine_cores=0.0,
        late_sends=sum(r.late_sends for r in sent),
    )


def run_table(results: list[RunResult]) -> str:
    headers = [
        "target",
        "run",
        "offered/s",
        "sent",
        "acked ok",
        "acked/s",
        "deliv/s",
        "ack p50",
        "p95",
        "p99",
        "max",
        "deliv p50",
        "p95",
        "p99",
        "max",
        "lost",
        "dup",
        "errors",
        "cpu srv",
        "cpu cli",
        "cpu db",
        "cpu other",
        "srv us/msg",
        "db us/msg",
    ]
    rows = []
    for r in results:
        errors = ",".join(f"{k}={v}" for k, v in sorted(r.statuses.items()) if k != "ok") or "0"
        rows.append(
            [
                r.target,
                r.mode,
                f"{r.offered:.0f}" if r.offered else "closed",
                str(r.sent),
                str(r.ok),
                f"{r.acked_per_s:.0f}",
                f"{r.delivered_per_s:.0f}",
                *r.ack.cells(),
                *r.delivery.cells(),
                str(r.missing),
                str(r.duplicates),
                errors,
                f"{r.server_cores:.2f}",
                f"{r.client_cores:.2f}",
                f"{r.db_cores:.2f}" if r.db_cores is not None else "-",
                f"{r.other_cores:.2f}",
                f"{r.server_us:.0f}",
                f"{r.db_us:.0f}" if r.db_us is not None else "-",
            ]
        )
    text = table(headers, rows)
    extra = []
    for r in results:
        if r.reply.count:
            acks = ",".join(f"{k}={v}" for k, v in sorted(r.reply_acks.items()))
            extra.append(
                f"  {r.target} {r.mode}: replies {r.reply.count} delivered "
                f"(acks {acks}), p50/p95/p99/max {'/'.join(r.reply.cells())} ms"
            )
        if r.other_cores > CONTENDED:
            extra.append(
                f"! {r.target} {r.mode}: {r.other_cores:.2f} cores went to other processes "
                "during the run (a shared machine): its numbers are contended"
            )
        if r.late_sends:
            extra.append(f"  {r.target} {r.mode}: {r.late_sends} sends left >5 ms late")
        if r.delivered_unacked:
            extra.append(f"  {r.target} {r.mode}: {r.delivered_unacked} delivered but not acked")
        if r.gc_pauses:
            worst = max(ms for _, ms in r.gc_pauses)
            total = sum(ms for _, ms in r.gc_pauses)
            extra.append(
                f"  {r.target} {r.mode}: {len(r.gc_pauses)} garbage collections in the server, "
                f"{total:.0f} ms in all, the longest {worst:.1f} ms"
            )
        if r.sql_per_message:
            per = ", ".join(f"{k} {v:.2f}" for k, v in r.sql_per_message.items() if v >= 0.01)
            extra.append(f"  {r.target} {r.mode}: per message sent: {per}")
    return "\n".join([text, *extra])


# -- idle connections ---------------------------------------------------------------


async def connections(server: Running) -> int | None:
    async with aiohttp.ClientSession() as http:
        if server.target.is_hub:
            async with http.get(f"{server.base}/metrics") as response:
                for line in (await response.text()).splitlines():
                    if line.startswith("hub_socket_connections"):
                        return int(float(line.split()[-1]))
            return None
        async with http.get(f"{server.base}/healthz") as response:
            return int((await response.json())["connections"])


async def idle_target(session: Session, target: Target) -> None:
    options = session.options
    async with serving(target, options.folder, ambassadors=0, capacity=1) as server:
        store = STORE if target.is_hub else None
        warm = WorkerPool(
            [WorkerPlan(0, server.base, store, (), tuple(range(100)), 100, options.client_loop)]
        )
        pool: WorkerPool | None = None
        try:
            await warm.call("idle")
            await asyncio.sleep(2)
            before = server.rss_kib()
            shoppers = split(list(range(100, 100 + options.idle)), max(1, options.workers))
            pool = WorkerPool(
                [
                    WorkerPlan(
                        w, server.base, store, (), tuple(part), options.idle, options.client_loop
                    )
                    for w, part in enumerate(shoppers)
                ]
            )
            started = time.perf_counter()
            answers = await pool.call("idle", wait_seconds=900)
            seconds = time.perf_counter() - started
            await asyncio.sleep(3)
            after = server.rss_kib()
            connected = sum(a["connected"] for a in answers)
            failed = sum(a["failed"] for a in answers)
            open_now = await connections(server)
            result = IdleResult(
                target=target.label,
                connections=connected,
                failed=failed,
                rss_before_kib=before,
                rss_after_kib=after,
                client_rss_kib=sum(rss_kib(pid) for pid in pool.pids),
                seconds=seconds,
            )
            session.idle.append(result)
            errors = [a["first_error"] for a in answers if a["first_error"]]
            say(
                idle_table([result])
                + f"\n  server sees {open_now} open sockets"
                + (f"; first failure: {errors[0]}" if errors else "")
            )
        finally:
            if pool is not None:
                await pool.close(graceful=False)
            await warm.close(graceful=False)


def idle_table(results: list[IdleResult]) -> str:
    headers = [
        "target",
        "idle conns",
        "failed",
        "RSS before MiB",
        "after MiB",
        "KiB/conn",
        "vs bare",
        "connect s",
        "client RSS MiB",
    ]
    bare = {
        r.target.split(":")[1]: r.per_connection_kib for r in results if r.target.startswith("bare")
    }
    rows = []
    for r in results:
        reference = bare.get(r.target.split(":")[1]) or next(iter(bare.values()), None)
        rows.append(
            [
                r.target,
                str(r.connections),
                str(r.failed),
                f"{r.rss_before_kib / 1024:.0f}",
                f"{r.rss_after_kib / 1024:.0f}",
                f"{r.per_connection_kib:.1f}",
                f"{r.per_connection_kib / reference:.2f}x" if reference else "-",
                f"{r.seconds:.1f}",
                f"{r.client_rss_kib / 1024:.0f}",
            ]
        )
    return table(headers, rows)


# -- the session --------------------------------------------------------------------


async def run_session(options: Options) -> Session:
    session = Session(options)
    say(
        f"bench.relay: {options.conversations} conversations / {options.ambassadors} "
        f"ambassadors, {options.seconds:g} s runs, open loop at {options.rate:g} msg/s, "
        f"{options.idle} idle; {options.workers} client processes on {options.client_loop}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    say(f"code under test: {code_state()}")
    kinds = {t.kind for t in options.targets}
    if "rate" in options.parts or "saturation" in options.parts:
        if any(k.startswith("postgresql") for k in kinds):
            session.probes.append(await probe.postgresql())
        if "sqlite" in kinds:
            session.probes.append(probe.sqlite(options.folder))
        for result in session.probes:
            say(probe_line(result))
    if options.parts & {"saturation", "rate"} or options.profile:
        await load_phase(session)
    if "idle" in options.parts:
        for target in options.targets:
            say(f"== idle: {target.label}")
            await idle_target(session, target)
    say(summary(session))
    return session


def probe_line(result: probe.ProbeResult) -> str:
    t, a = result.transaction, result.autocommit
    return (
        f"INSERT+COMMIT probe ({result.database}; {result.settings}): "
        f"BEGIN/INSERT/COMMIT p50 {ms(t.p50)} p99 {ms(t.p99)} max {ms(t.max)} ms; "
        f"autocommit INSERT p50 {ms(a.p50)} p99 {ms(a.p99)} ms"
    )


def summary(session: Session) -> str:
    lines = ["", "==== summary ===="]
    if session.runs:
        lines.append(run_table([r for r in session.runs if "py-spy" not in r.mode]))
    if session.idle:
        lines.append("")
        lines.append(idle_table(session.idle))
    for result in session.probes:
        lines.append(probe_line(result))
    lines += checks(session)
    for label, text in session.profiles.items():
        lines += ["", f"profile of {label} (py-spy, samples while not idle):", text]
    return "\n".join(lines)


def median_run(runs: list[RunResult], mode: str) -> RunResult:
    """The middle one of repeated runs: by throughput (saturation) or delivery p99 (rate)."""
    if mode == "saturation":
        ordered = sorted(runs, key=lambda r: r.acked_per_s)
    else:
        ordered = sorted(runs, key=lambda r: r.delivery.p99)
    return ordered[(len(ordered) - 1) // 2]


def checks(session: Session) -> list[str]:
    """The issue's targets, where this session measured both sides (medians of repeats)."""
    found = ["", "targets (issue 10):"]
    grouped: dict[tuple[str, str], list[RunResult]] = {}
    for run in session.runs:
        if "py-spy" not in run.mode:
            grouped.setdefault((run.target, run.mode), []).append(run)
    runs = {key: median_run(group, key[1]) for key, group in grouped.items()}
    bare = {
        (label.partition(":")[2], mode): run
        for (label, mode), run in runs.items()
        if label.startswith("bare")
    }
    probes = {p.database: p for p in session.probes}
    for (label, mode), run in runs.items():
        same_loop = bare.get((label.partition(":")[2], mode))
        reference = same_loop or next((r for (_l, m), r in bare.items() if m == mode), None)
        if label.startswith("bare") or reference is None:
            continue
        database = "postgresql" if label.startswith("postgresql") else "sqlite"
        if mode == "saturation":
            share = run.acked_per_s / reference.acked_per_s
            verdict = "meets" if share >= 0.7 else "misses"
            found.append(
                f"  {label} saturation: {run.acked_per_s:.0f} msg/s = {100 * share:.0f}% of "
                f"{reference.target} {reference.acked_per_s:.0f} ({verdict} >= 70%)"
            )
            found.append(
                f"    CPU per message: {run.server_us:.0f} us in the hub process"
                + (f" (+ {run.db_us:.0f} us in PostgreSQL)" if run.db_us is not None else "")
                + f" vs {reference.server_us:.0f} us in the bare relay: on a core of its own "
                f"the hub's event loop tops out near {1e6 / max(run.server_us, 1):.0f} msg/s, "
                f"the relay's near {1e6 / max(reference.server_us, 1):.0f}"
            )
        elif mode == "rate" and database in probes:
            insert = probes[database].transaction.p99
            limit = reference.delivery.p99 + 2 * insert
            verdict = "meets" if run.delivery.p99 <= limit else "misses"
            found.append(
                f"  {label} rate: delivery p99 {ms(run.delivery.p99)} ms vs "
                f"{reference.target} p99 {ms(reference.delivery.p99)} + 2 x INSERT p99 "
                f"{ms(insert)} = {ms(limit)} ms ({verdict})"
            )
    idle_bare = [r for r in session.idle if r.target.startswith("bare")]
    for result in session.idle:
        if result.target.startswith("bare") or not idle_bare:
            continue
        ratio = result.per_connection_kib / idle_bare[0].per_connection_kib
        verdict = "meets" if ratio <= 1.5 else "misses"
        found.append(
            f"  {result.target} idle: {result.per_connection_kib:.1f} KiB/conn = {ratio:.2f}x "
            f"{idle_bare[0].target} ({verdict} <= 1.5x)"
        )
    return found if len(found) > 2 else []
