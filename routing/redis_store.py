"""The routing state store on Redis, shared by every web process.

Every write touching more than one key is a Lua script, so no process ever sees, or leaves
behind, half an update. Loads are summed in Lua doubles and stored with 17 significant
digits, not with HINCRBYFLOAT: Redis adds in long double and prints rounded, so its sums
drift from the in-memory store's (0.1 + 0.2 comes back as 0.3) and the two stores would
disagree on whether a conversation fits. Scripts derive the keys of a ticket's queue and of
a profile's store indexes from the prefix, so the store needs one Redis, not a Cluster.

Redis is a cache here, rebuilt from the database whenever it restarts empty: ``epoch`` is
written last by a rebuild (``begin_rebuild``/``end_rebuild``, one process at a time), and a
``fenced`` store claims nothing while it is missing, so no offer is ever made against a
half-built state. Lost connections surface as ``StoreUnavailable``.

What a web process killed outright would take with it is kept here instead, with times as
epoch seconds from the processes' own clocks (kept in step by NTP, as offers' expiry in the
database already needs): every claim's deadline in ``deadlines`` (``lapsed`` hands each one
past due to one caller, atomically), every process's heartbeat in ``processes`` and the
console connections it holds in ``held:<process>`` (``reap`` takes a dead process's
connections out of the ambassadors' sets once, atomically).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from string import Template
from typing import Any, ParamSpec, TypeVar

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from routing.config import RoutingConfig
from routing.model import Ambassador, AmbassadorProfile, Presence, StoreInfo, Ticket
from routing.policy import queue_score
from routing.store import Lapsed, Line, StoreUnavailable

_EPSILON = 1e-9

# -- keys: each spelled once; the Lua scripts get the same namespaces by substitution -----
AMBASSADOR = "amb:"  # hash: profile fields (JSON), presence, load, idle_since, misses
CONNECTIONS = "conns:"  # set of console connection ids, per ambassador
INDEX = "index:"  # set of connected ambassador ids, per store
TICKET = "ticket:"  # hash: ticket (JSON), store_id, score, offered_to
QUEUE = "queue:"  # sorted set of queued conversation ids, per store, by queue score
STORES = "stores"  # hash: store id -> StoreInfo (JSON)
EPOCH = "epoch"  # string: the rebuild this state comes from; missing = not (yet) rebuilt
REBUILDING = "rebuilding"  # string: the token of the one process rebuilding, with a TTL
DEADLINES = "deadlines"  # sorted set of claimed conversation ids, by when the claim lapses
PROCESSES = "processes"  # sorted set of web process ids, by when their heartbeat ends
HELD = "held:"  # hash: console connection id -> ambassador id, per web process


def _amb_key(prefix: str, ambassador_id: str) -> str:
    return f"{prefix}{AMBASSADOR}{ambassador_id}"


def _conns_key(prefix: str, ambassador_id: str) -> str:
    return f"{prefix}{CONNECTIONS}{ambassador_id}"


def _index_key(prefix: str, store_id: str) -> str:
    return f"{prefix}{INDEX}{store_id}"


def _ticket_key(prefix: str, conversation_id: str) -> str:
    return f"{prefix}{TICKET}{conversation_id}"


def _queue_key(prefix: str, store_id: str) -> str:
    return f"{prefix}{QUEUE}{store_id}"


def _stores_key(prefix: str) -> str:
    return f"{prefix}{STORES}"


def _held_key(prefix: str, process_id: str) -> str:
    return f"{prefix}{HELD}{process_id}"


def epoch_key(prefix: str) -> str:
    return f"{prefix}{EPOCH}"


def rebuilding_key(prefix: str) -> str:
    return f"{prefix}{REBUILDING}"


# -- scripts: ARGV[1] is always the prefix ------------------------------------------------
_PRELUDE = """
local prefix = ARGV[1]
local function fmt(x) return string.format('%.17g', x) end
local function load_of(key) return tonumber(redis.call('HGET', key, 'load') or '0') end
local function enqueue(cid, store, score, body)
  local key = prefix .. '$ticket' .. cid
  local old = redis.call('HMGET', key, 'store_id', 'offered_to')
  if old[2] then return 0 end
  if old[1] then redis.call('ZREM', prefix .. '$queue' .. old[1], cid) end
  redis.call('HSET', key, 'ticket', body, 'store_id', store, 'score', score)
  redis.call('ZADD', prefix .. '$queue' .. store, score, cid)
  return 1
end
"""
# A claimed ticket stays claimed: only release (which deletes it first) puts it back in line.
_ENQUEUE = "return enqueue(ARGV[2], ARGV[3], ARGV[4], ARGV[5])"
_CLAIM = """
if ARGV[5] == '1' and redis.call('EXISTS', prefix .. '$epoch') == 0 then return false end
local t = redis.call('HMGET', KEYS[1], 'ticket', 'store_id', 'offered_to')
if not t[1] or t[3] then return false end
local a = redis.call('HMGET', KEYS[2], 'capacity', 'presence', 'load')
if not a[1] or a[2] ~= 'available' then return false end
local load, weight = tonumber(a[3] or '0'), tonumber(ARGV[4])
if tonumber(a[1]) - load + $epsilon < weight then return false end
redis.call('HSET', KEYS[1], 'offered_to', ARGV[3])
redis.call('ZREM', prefix .. '$queue' .. t[2], ARGV[2])
redis.call('HSET', KEYS[2], 'load', fmt(load + weight))
if ARGV[6] ~= '' then redis.call('ZADD', prefix .. '$deadlines', ARGV[6], ARGV[2]) end
return t[1]
"""
_RECORD_OFFER = """
if not redis.call('HGET', KEYS[1], 'offered_to') then return 0 end
redis.call('HSET', KEYS[1], 'offer_id', ARGV[3])
redis.call('HDEL', KEYS[1], 'lapses')
redis.call('ZADD', prefix .. '$deadlines', ARGV[4], ARGV[2])
return 1
"""
# ARGV: prefix, before (exclusive), retry at, limit. Each due claim goes to this caller only.
_LAPSED = """
local deadlines = prefix .. '$deadlines'
local due = redis.call('ZRANGEBYSCORE', deadlines, '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[4])
local out = {}
for _, cid in ipairs(due) do
  local key = prefix .. '$ticket' .. cid
  local t = redis.call('HMGET', key, 'offered_to', 'offer_id')
  if t[1] then
    redis.call('ZADD', deadlines, ARGV[3], cid)
    out[#out + 1] = {cid, t[1], t[2] or '', redis.call('HINCRBY', key, 'lapses', 1)}
  else
    redis.call('ZREM', deadlines, cid)
  end
end
return out
"""
_RELEASE = """
if redis.call('HGET', KEYS[1], 'offered_to') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[2], 'load', fmt(math.max(0, load_of(KEYS[2]) - tonumber(ARGV[4]))))
redis.call('DEL', KEYS[1])
redis.call('ZREM', prefix .. '$deadlines', ARGV[2])
if ARGV[5] then enqueue(ARGV[5], ARGV[6], ARGV[7], ARGV[8]) end
return 1
"""
_SETTLE = """
local store = redis.call('HGET', KEYS[1], 'store_id')
if store then redis.call('ZREM', prefix .. '$queue' .. store, ARGV[2]) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', prefix .. '$deadlines', ARGV[2])
"""
_BEAT = """
local processes = prefix .. '$processes'
local known = redis.call('ZSCORE', processes, ARGV[2])
redis.call('ZADD', processes, ARGV[3], ARGV[2])
if known then return 1 end
return 0
"""
# ARGV: prefix, now (exclusive), limit. Only connections still in their ambassador's set
# are handed out (an offline ambassador's were dropped already).
_REAP = """
local processes = prefix .. '$processes'
local dead = redis.call('ZRANGEBYSCORE', processes, '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[3])
local out = {}
for _, pid in ipairs(dead) do
  redis.call('ZREM', processes, pid)
  local held = prefix .. '$held' .. pid
  local flat = redis.call('HGETALL', held)
  redis.call('DEL', held)
  for i = 1, #flat, 2 do
    if redis.call('SREM', prefix .. '$conns' .. flat[i + 1], flat[i]) == 1 then
      out[#out + 1] = {flat[i + 1], flat[i]}
    end
  end
end
return out
"""
_ADD_LOAD = "redis.call('HSET', KEYS[1], 'load', fmt(load_of(KEYS[1]) + tonumber(ARGV[2])))"
_FINISH = """
local load = math.max(0, load_of(KEYS[1]) - tonumber(ARGV[2]))
if load <= $epsilon then
  load = 0
  redis.call('HSET', KEYS[1], 'idle_since', ARGV[3])
end
redis.call('HSET', KEYS[1], 'load', fmt(load))
"""
_CONNECT = """
local old = redis.call('HMGET', KEYS[1], 'store_ids', 'presence')
if old[1] then
  for _, s in ipairs(cjson.decode(old[1])) do
    redis.call('SREM', prefix .. '$index' .. s, ARGV[2])
  end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
if not old[2] or old[2] == 'offline' then redis.call('HSET', KEYS[1], 'presence', 'away') end
redis.call('SADD', KEYS[2], ARGV[3])
for _, s in ipairs(cjson.decode(ARGV[4])) do
  redis.call('SADD', prefix .. '$index' .. s, ARGV[2])
end
if KEYS[3] then redis.call('HSET', KEYS[3], ARGV[3], ARGV[2]) end
return redis.call('SCARD', KEYS[2])
"""
_SET_PRESENCE = """
local a = redis.call('HMGET', KEYS[1], 'store_ids', 'presence', 'idle_since')
if not a[1] then return 'offline' end
if ARGV[3] == 'available' and a[2] ~= 'available' and not a[3] then
  redis.call('HSET', KEYS[1], 'idle_since', ARGV[4])
end
redis.call('HSET', KEYS[1], 'presence', ARGV[3])
if ARGV[3] == 'offline' then
  for _, s in ipairs(cjson.decode(a[1])) do
    redis.call('SREM', prefix .. '$index' .. s, ARGV[2])
  end
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'misses', 0)
end
return ARGV[3]
"""

# Reads in one round trip each: the hot path of every routing decision.
_PRESENT = """
local seen, out = {}, {}
for i = 2, #ARGV do
  local ids = redis.call('SMEMBERS', prefix .. '$index' .. ARGV[i])
  table.sort(ids)
  for _, id in ipairs(ids) do
    if not seen[id] then
      seen[id] = true
      out[#out + 1] = {id, redis.call('HGETALL', prefix .. '$amb' .. id)}
    end
  end
end
return out
"""
_QUEUED = """
local limit, heads = tonumber(ARGV[2]), {}
for i = 3, #ARGV do
  local flat = redis.call('ZRANGE', prefix .. '$queue' .. ARGV[i], 0, limit - 1, 'WITHSCORES')
  for j = 1, #flat, 2 do heads[#heads + 1] = {tonumber(flat[j + 1]), flat[j]} end
end
table.sort(heads, function(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  return a[2] < b[2]
end)
local out = {}
for i = 1, math.min(limit, #heads) do
  local body = redis.call('HGET', prefix .. '$ticket' .. heads[i][2], 'ticket')
  if body then out[#out + 1] = body end
end
return out
"""

_LINE = """
local queue = prefix .. '$queue' .. ARGV[2]
local limit = tonumber(ARGV[3])
local ids = {}
if limit > 0 then ids = redis.call('ZRANGE', queue, 0, limit - 1) end
local capacity, available = 0, 0
for _, id in ipairs(redis.call('SMEMBERS', prefix .. '$index' .. ARGV[2])) do
  local a = redis.call('HMGET', prefix .. '$amb' .. id, 'presence', 'capacity')
  if a[1] == 'available' and a[2] then
    capacity = capacity + tonumber(a[2])
    available = available + 1
  end
end
return {ids, redis.call('ZCARD', queue), tostring(capacity), available}
"""


# KEYS: the lock, the epoch. Only the holder of the lock publishes the rebuilt state.
_END_REBUILD = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
return 1
"""
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


def _lua(body: str) -> str:
    names = {
        "ticket": TICKET,
        "queue": QUEUE,
        "index": INDEX,
        "amb": AMBASSADOR,
        "epoch": EPOCH,
        "deadlines": DEADLINES,
        "processes": PROCESSES,
        "held": HELD,
        "conns": CONNECTIONS,
        "epsilon": repr(_EPSILON),
    }
    return Template(_PRELUDE + body).substitute(names)


# -- encoding: JSON with ISO datetimes and sorted lists, so values round-trip exactly -----
_TICKET_SETS = ("required_skills", "optional_skills", "known_ambassador_ids")


def _glob(text: str) -> str:
    """``text`` as a literal SCAN pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def _seconds(when: datetime) -> str:
    """A moment as a sorted-set score: epoch seconds, exact to the microsecond."""
    return repr(when.timestamp())


def _text(value: bytes | str) -> str:
    """The caller's client may or may not decode responses; accept both."""
    return value.decode() if isinstance(value, bytes) else value


def _dump_ticket(ticket: Ticket) -> str:
    data = asdict(ticket)
    data["enqueued_at"] = ticket.enqueued_at.isoformat()
    for name in _TICKET_SETS:
        data[name] = sorted(data[name])
    return json.dumps(data, separators=(",", ":"))


def _load_ticket(raw: bytes | str) -> Ticket:
    data = json.loads(raw)
    data["enqueued_at"] = datetime.fromisoformat(data["enqueued_at"])
    for name in _TICKET_SETS:
        data[name] = frozenset(data[name])
    return Ticket(**data)


def _dump_store(store: StoreInfo) -> str:
    """``hours`` may be any Mapping (a read-only proxy, say), which ``asdict`` cannot copy."""
    data = {f.name: getattr(store, f.name) for f in fields(store)}
    data["hours"] = dict(store.hours) if store.hours is not None else None
    return json.dumps(data, separators=(",", ":"))


def _profile_fields(profile: AmbassadorProfile) -> dict[str, str]:
    return {
        "name": json.dumps(profile.name),
        "store_ids": json.dumps(sorted(profile.store_ids)),
        "languages": json.dumps(list(profile.languages)),
        "capacity": json.dumps(profile.capacity),
        "skills": json.dumps(sorted(profile.skills)),
    }


def _pairs(flat: Sequence[Any]) -> dict[Any, Any]:
    """HGETALL as Lua returns it: a flat list of field, value, field, value."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _load_ambassador(ambassador_id: str, raw: Mapping[Any, Any]) -> Ambassador | None:
    """None for ids only seen through load or misses, as the in-memory store has it."""
    values = {_text(k): _text(v) for k, v in raw.items()}
    if "capacity" not in values:
        return None
    profile = AmbassadorProfile(
        id=ambassador_id,
        name=json.loads(values["name"]),
        store_ids=frozenset(json.loads(values["store_ids"])),
        languages=tuple(json.loads(values["languages"])),
        capacity=json.loads(values["capacity"]),
        skills=frozenset(json.loads(values["skills"])),
    )
    idle = values.get("idle_since")
    return Ambassador(
        profile,
        Presence(values.get("presence", Presence.OFFLINE.value)),
        float(values.get("load", "0")),
        datetime.fromisoformat(idle) if idle else None,
    )


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reachable(
    method: Callable[_P, Coroutine[Any, Any, _R]],
) -> Callable[_P, Coroutine[Any, Any, _R]]:
    """Redis gone (refused, reset, timed out) becomes the store protocol's StoreUnavailable."""

    @functools.wraps(method)
    async def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return await method(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc

    return call


class RedisRoutingStore:
    def __init__(
        self, redis: Redis, config: RoutingConfig, prefix: str, *, fenced: bool = False
    ) -> None:
        """``fenced``: claim only while ``epoch`` exists, i.e. once the state is rebuilt."""
        self.config = config
        self._redis = redis
        self._prefix = prefix
        self._fence = "1" if fenced else "0"
        self._enqueue = redis.register_script(_lua(_ENQUEUE))
        self._claim = redis.register_script(_lua(_CLAIM))
        self._record_offer = redis.register_script(_lua(_RECORD_OFFER))
        self._lapsed = redis.register_script(_lua(_LAPSED))
        self._beat = redis.register_script(_lua(_BEAT))
        self._reap = redis.register_script(_lua(_REAP))
        self._release = redis.register_script(_lua(_RELEASE))
        self._settle = redis.register_script(_lua(_SETTLE))
        self._add_load = redis.register_script(_lua(_ADD_LOAD))
        self._finish = redis.register_script(_lua(_FINISH))
        self._connect = redis.register_script(_lua(_CONNECT))
        self._set_presence = redis.register_script(_lua(_SET_PRESENCE))
        self._present_script = redis.register_script(_lua(_PRESENT))
        self._queued = redis.register_script(_lua(_QUEUED))
        self._line = redis.register_script(_lua(_LINE))
        self._end_rebuild = redis.register_script(_END_REBUILD)
        self._delete_if = redis.register_script(_DELETE_IF_EQUAL)

    def _queue_args(self, ticket: Ticket) -> list[str | float]:
        score = queue_score(ticket, self.config)
        return [ticket.conversation_id, ticket.store_id, score, _dump_ticket(ticket)]

    # -- rebuilding ---------------------------------------------------------------------
    @_reachable
    async def reset(self) -> None:
        """Delete every key of this store but the rebuild lock (whoever holds it goes on)."""
        lock = rebuilding_key(self._prefix).encode()
        batch: list[Any] = []
        async for key in self._redis.scan_iter(match=f"{_glob(self._prefix)}*", count=1000):
            if (key.encode() if isinstance(key, str) else key) != lock:
                batch.append(key)
            if len(batch) >= 1000:
                await self._redis.unlink(*batch)
                batch.clear()
        if batch:
            await self._redis.unlink(*batch)

    @_reachable
    async def epoch(self) -> str | None:
        """The rebuild the state comes from; None when Redis lost it (or never had it)."""
        raw = await self._redis.get(epoch_key(self._prefix))
        return _text(raw) if raw is not None else None

    @_reachable
    async def begin_rebuild(self, token: str, ttl_seconds: int) -> bool:
        """Take the rebuild lock; False when another process is rebuilding."""
        key = rebuilding_key(self._prefix)
        return bool(await self._redis.set(key, token, nx=True, ex=ttl_seconds))

    @_reachable
    async def end_rebuild(self, token: str, epoch: str) -> bool:
        """Publish the rebuilt state under ``epoch`` and free the lock, if still ours."""
        keys = [rebuilding_key(self._prefix), epoch_key(self._prefix)]
        return bool(await self._end_rebuild(keys=keys, args=[token, epoch]))

    @_reachable
    async def abandon_rebuild(self, token: str) -> None:
        """Free the lock after a failed rebuild, if still ours, so another can try."""
        keys = [rebuilding_key(self._prefix)]
        await self._delete_if(keys=keys, args=[token])

    @_reachable
    async def forget_epoch(self, epoch: str) -> bool:
        """Invalidate ``epoch`` (writes were lost while Redis was away): rebuild it all."""
        return bool(await self._delete_if(keys=[epoch_key(self._prefix)], args=[epoch]))

    # -- topology ----------------------------------------------------------------------
    @_reachable
    async def put_store(self, store: StoreInfo) -> None:
        await self._redis.hset(_stores_key(self._prefix), store.id, _dump_store(store))

    @_reachable
    async def stores(self) -> Mapping[str, StoreInfo]:
        raw = await self._redis.hgetall(_stores_key(self._prefix))
        return {_text(k): StoreInfo(**json.loads(v)) for k, v in raw.items()}

    # -- ambassadors -------------------------------------------------------------------
    @_reachable
    async def connect(
        self, profile: AmbassadorProfile, connection_id: str, process_id: str | None = None
    ) -> int:
        values = _profile_fields(profile)
        keys = [_amb_key(self._prefix, profile.id), _conns_key(self._prefix, profile.id)]
        if process_id is not None:
            keys.append(_held_key(self._prefix, process_id))
        args = [self._prefix, profile.id, connection_id, values["store_ids"]]
        args += [part for pair in values.items() for part in pair]
        return int(await self._connect(keys=keys, args=args))

    @_reachable
    async def disconnect(
        self, ambassador_id: str, connection_id: str, process_id: str | None = None
    ) -> int:
        key = _conns_key(self._prefix, ambassador_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            if process_id is not None:
                pipe.hdel(_held_key(self._prefix, process_id), connection_id)
            pipe.srem(key, connection_id)
            pipe.scard(key)
            *_, remaining = await pipe.execute()
        return int(remaining)

    @_reachable
    async def connections(self, ambassador_id: str) -> int:
        return int(await self._redis.scard(_conns_key(self._prefix, ambassador_id)))

    @_reachable
    async def connection_ids(self, ambassador_id: str) -> list[str]:
        members = await self._redis.smembers(_conns_key(self._prefix, ambassador_id))
        return sorted(_text(member) for member in members)

    @_reachable
    async def set_presence(self, ambassador_id: str, presence: Presence, now: datetime) -> Presence:
        keys = [_amb_key(self._prefix, ambassador_id), _conns_key(self._prefix, ambassador_id)]
        args = [self._prefix, ambassador_id, presence.value, now.isoformat()]
        return Presence(_text(await self._set_presence(keys=keys, args=args)))

    @_reachable
    async def ambassador(self, ambassador_id: str) -> Ambassador | None:
        raw = await self._redis.hgetall(_amb_key(self._prefix, ambassador_id))
        return _load_ambassador(ambassador_id, raw)

    @_reachable
    async def candidates(self, store_ids: Iterable[str]) -> list[Ambassador]:
        found = await self._present(store_ids)
        return [a for a in found if a.presence is Presence.AVAILABLE and a.free_capacity > _EPSILON]

    @_reachable
    async def present(self, store_ids: Iterable[str]) -> list[Ambassador]:
        return await self._present(store_ids)

    async def _present(self, store_ids: Iterable[str]) -> list[Ambassador]:
        """One round trip whatever the number of stores or ambassadors."""
        stores = list(dict.fromkeys(store_ids))
        if not stores:
            return []
        rows = await self._present_script(args=[self._prefix, *stores])
        found = (
            _load_ambassador(_text(ambassador_id), _pairs(flat)) for ambassador_id, flat in rows
        )
        return [a for a in found if a is not None and a.presence is not Presence.OFFLINE]

    @_reachable
    async def record_miss(self, ambassador_id: str) -> int:
        key = _amb_key(self._prefix, ambassador_id)
        return int(await self._redis.hincrby(key, "misses", 1))

    @_reachable
    async def clear_misses(self, ambassador_id: str) -> None:
        await self._redis.hset(_amb_key(self._prefix, ambassador_id), "misses", 0)

    @_reachable
    async def add_load(self, ambassador_id: str, weight: float) -> None:
        keys = [_amb_key(self._prefix, ambassador_id)]
        await self._add_load(keys=keys, args=[self._prefix, weight])

    @_reachable
    async def finish(self, ambassador_id: str, weight: float, now: datetime) -> None:
        keys = [_amb_key(self._prefix, ambassador_id)]
        await self._finish(keys=keys, args=[self._prefix, weight, now.isoformat()])

    # -- processes ---------------------------------------------------------------------
    @_reachable
    async def beat(self, process_id: str, until: datetime) -> bool:
        return bool(await self._beat(args=[self._prefix, process_id, _seconds(until)]))

    @_reachable
    async def reap(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = await self._reap(args=[self._prefix, _seconds(now), limit])
        return sorted((_text(ambassador_id), _text(cid)) for ambassador_id, cid in rows)

    # -- queue -------------------------------------------------------------------------
    @_reachable
    async def enqueue(self, ticket: Ticket) -> bool:
        return bool(await self._enqueue(args=[self._prefix, *self._queue_args(ticket)]))

    @_reachable
    async def unknown(self, conversation_ids: Iterable[str]) -> list[str]:
        """One round trip however many ids."""
        ids = list(conversation_ids)
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for cid in ids:
                pipe.exists(_ticket_key(self._prefix, cid))
            found = await pipe.execute()
        return [cid for cid, exists in zip(ids, found, strict=True) if not exists]

    @_reachable
    async def ticket(self, conversation_id: str) -> Ticket | None:
        raw = await self._redis.hget(_ticket_key(self._prefix, conversation_id), "ticket")
        return _load_ticket(raw) if raw is not None else None

    @_reachable
    async def queued(self, store_ids: Iterable[str], limit: int) -> list[Ticket]:
        """One round trip: each store's head merged by (score, id) in Lua, then the bodies."""
        if limit < 0:
            raise ValueError("limit must be >= 0")
        stores = sorted(set(store_ids))
        if limit == 0 or not stores:
            return []
        bodies = await self._queued(args=[self._prefix, limit, *stores])
        return [_load_ticket(body) for body in bodies]

    @_reachable
    async def queue_length(self, store_id: str) -> int:
        return int(await self._redis.zcard(_queue_key(self._prefix, store_id)))

    @_reachable
    async def line(self, store_id: str, limit: int) -> Line:
        """One round trip: the head, the size and the available capacity, in Lua."""
        ids, total, capacity, available = await self._line(args=[self._prefix, store_id, limit])
        return Line([_text(cid) for cid in ids], int(total), float(capacity), int(available))

    @_reachable
    async def waiting_ticket(self, conversation_id: str) -> Ticket | None:
        body, offered = await self._redis.hmget(
            _ticket_key(self._prefix, conversation_id), ["ticket", "offered_to"]
        )
        return _load_ticket(body) if body is not None and offered is None else None

    @_reachable
    async def claim(
        self,
        conversation_id: str,
        ambassador_id: str,
        weight: float,
        *,
        lapse_at: datetime | None = None,
    ) -> Ticket | None:
        keys = [_ticket_key(self._prefix, conversation_id), _amb_key(self._prefix, ambassador_id)]
        args: list[str | float] = [
            self._prefix,
            conversation_id,
            ambassador_id,
            weight,
            self._fence,
            _seconds(lapse_at) if lapse_at is not None else "",
        ]
        raw = await self._claim(keys=keys, args=args)
        return _load_ticket(raw) if raw is not None else None

    @_reachable
    async def record_offer(self, conversation_id: str, offer_id: str, expires_at: datetime) -> None:
        keys = [_ticket_key(self._prefix, conversation_id)]
        args = [self._prefix, conversation_id, offer_id, _seconds(expires_at)]
        await self._record_offer(keys=keys, args=args)

    @_reachable
    async def lapsed(self, before: datetime, retry_at: datetime, limit: int) -> list[Lapsed]:
        args: list[str | int] = [self._prefix, _seconds(before), _seconds(retry_at), limit]
        return [
            Lapsed(_text(cid), _text(ambassador_id), _text(offer_id) or None, int(attempt))
            for cid, ambassador_id, offer_id, attempt in await self._lapsed(args=args)
        ]

    @_reachable
    async def release(
        self, conversation_id: str, ambassador_id: str, weight: float, *, requeue: Ticket | None
    ) -> None:
        keys = [_ticket_key(self._prefix, conversation_id), _amb_key(self._prefix, ambassador_id)]
        args: list[str | float] = [self._prefix, conversation_id, ambassador_id, weight]
        if requeue is not None:
            args += self._queue_args(requeue)
        await self._release(keys=keys, args=args)

    @_reachable
    async def settle(self, conversation_id: str) -> None:
        keys = [_ticket_key(self._prefix, conversation_id)]
        await self._settle(keys=keys, args=[self._prefix, conversation_id])

    @_reachable
    async def offered_to(self, conversation_id: str) -> str | None:
        raw = await self._redis.hget(_ticket_key(self._prefix, conversation_id), "offered_to")
        return _text(raw) if raw is not None else None
