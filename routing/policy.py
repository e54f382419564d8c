"""The routing decision, pure: who may take a waiting conversation, who should, and in
what order conversations are served. Time comes in as ``now``; nothing here does I/O.

Queue order is a static score: ``enqueued_at - priority * priority_step``. Effective
priority grows linearly with waiting (aging), so two tickets' order never changes while
they wait, a higher tier is served first, and a ticket is overtaken only by higher-tier
tickets that arrived at most ``(priority gap) * priority_step`` after it — never starved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from booking.hours import is_open
from routing.config import RoutingConfig
from routing.model import (
    Ambassador,
    Assignment,
    Choice,
    Presence,
    QueuePosition,
    Scope,
    StoreInfo,
    Ticket,
)

_EPSILON = 1e-9
_NEVER = datetime.min


@dataclass(frozen=True)
class Requirements:
    """What a ticket asks of an ambassador at one instant, after relaxing for its wait."""

    skills: frozenset[str]
    language: str | None
    scope: Scope


def queue_score(ticket: Ticket, config: RoutingConfig) -> float:
    """Lower is served first; constant while the ticket waits."""
    return ticket.enqueued_at.timestamp() - ticket.priority * config.priority_step.total_seconds()


def waited(ticket: Ticket, now: datetime) -> timedelta:
    return now - ticket.enqueued_at


def requirements(
    ticket: Ticket, store: StoreInfo | None, now: datetime, config: RoutingConfig
) -> Requirements:
    wait = waited(ticket, now)
    skills = ticket.required_skills
    if wait < config.relax_skills_after:
        skills = skills | ticket.optional_skills
    language = ticket.language
    relaxable = store is None or store.relax_language
    if language is not None and relaxable and wait >= config.relax_language_after:
        language = None
    if wait >= config.overflow_service_centre_after:
        scope = Scope.SERVICE_CENTRE
    elif wait >= config.overflow_region_after:
        scope = Scope.REGION
    else:
        scope = Scope.STORE
    return Requirements(skills, language, scope)


def speaks(languages: Iterable[str], wanted: str) -> bool:
    """Language tags match on their primary subtag: an ``fr`` speaker serves ``fr-CA``."""
    primary = wanted.split("-")[0].lower()
    return any(tag.split("-")[0].lower() == primary for tag in languages)


def fits(ambassador: Ambassador, ticket: Ticket, config: RoutingConfig) -> bool:
    need = config.weight(ticket.channel, ambassador.profile.capacity)
    return ambassador.free_capacity + _EPSILON >= need


def in_scope(
    ambassador: Ambassador, ticket: Ticket, scope: Scope, stores: Mapping[str, StoreInfo]
) -> bool:
    """Home store always; the region's stores after the first overflow; service centres last."""
    if ticket.store_id in ambassador.profile.store_ids:
        return True
    if scope is Scope.STORE:
        return False
    home = stores.get(ticket.store_id)
    for store_id in ambassador.profile.store_ids:
        other = stores.get(store_id)
        if other is None:
            continue
        if home is not None and other.region == home.region:
            return True
        if scope is Scope.SERVICE_CENTRE and other.service_centre:
            return True
    return False


def is_eligible(
    ambassador: Ambassador,
    ticket: Ticket,
    need: Requirements,
    stores: Mapping[str, StoreInfo],
    config: RoutingConfig,
) -> bool:
    if ambassador.presence is not Presence.AVAILABLE or ambassador.id == ticket.last_offered_to:
        return False
    if not fits(ambassador, ticket, config) or not need.skills <= ambassador.profile.skills:
        return False
    if not in_scope(ambassador, ticket, need.scope, stores):
        return False
    home = ticket.store_id in ambassador.profile.store_ids
    # Overflow always matches the shopper's language: relaxing it is a home-store favour.
    language = need.language if home else ticket.language
    return language is None or speaks(ambassador.profile.languages, language)


def _rank(ambassador: Ambassador, ticket: Ticket) -> tuple[bool, float, datetime, str]:
    idle = ambassador.idle_since.replace(tzinfo=None) if ambassador.idle_since else _NEVER
    return (
        ambassador.id not in ticket.known_ambassador_ids,  # someone who knows them first
        ambassador.load / ambassador.profile.capacity,  # then the least loaded
        idle,  # then whoever has idled longest
        ambassador.id,
    )


def _waits_for_preferred(
    ticket: Ticket, preferred: Ambassador | None, now: datetime, config: RoutingConfig
) -> bool:
    """Online but busy: hold the ticket for them a while. Offline: go straight on."""
    return (
        preferred is not None
        and preferred.connected
        and preferred.id != ticket.last_offered_to  # they just let it go: do not hold it
        and waited(ticket, now) < config.preferred_wait
    )


def preferred_can_take(preferred: Ambassador | None, ticket: Ticket, config: RoutingConfig) -> bool:
    return (
        preferred is not None
        and preferred.presence is Presence.AVAILABLE
        and preferred.id != ticket.last_offered_to
        and fits(preferred, ticket, config)
    )


def choose(
    ticket: Ticket,
    candidates: Iterable[Ambassador],
    *,
    preferred: Ambassador | None,
    stores: Mapping[str, StoreInfo],
    now: datetime,
    config: RoutingConfig,
) -> Choice:
    """Who gets this ticket now, or when to look again."""
    if preferred_can_take(preferred, ticket, config):
        assert preferred is not None
        return Choice(preferred.id)
    if ticket.preferred_ambassador_id and _waits_for_preferred(ticket, preferred, now, config):
        return Choice(None, ticket.enqueued_at + config.preferred_wait, waiting_for_preferred=True)
    need = requirements(ticket, stores.get(ticket.store_id), now, config)
    pool = [a for a in candidates if is_eligible(a, ticket, need, stores, config)]
    if not pool:
        return Choice(None, next_review_at(ticket, now, config))
    return Choice(min(pool, key=lambda a: _rank(a, ticket)).id)


def may_take(
    ambassador: Ambassador,
    ticket: Ticket,
    *,
    preferred: Ambassador | None,
    stores: Mapping[str, StoreInfo],
    now: datetime,
    config: RoutingConfig,
) -> bool:
    """Whether a freed ambassador may be offered this ticket (the ambassador-first view)."""
    if ticket.preferred_ambassador_id == ambassador.id:
        return preferred_can_take(ambassador, ticket, config)
    if ticket.preferred_ambassador_id and (
        preferred_can_take(preferred, ticket, config)
        or _waits_for_preferred(ticket, preferred, now, config)
    ):
        return False
    need = requirements(ticket, stores.get(ticket.store_id), now, config)
    return is_eligible(ambassador, ticket, need, stores, config)


def next_review_at(ticket: Ticket, now: datetime, config: RoutingConfig) -> datetime | None:
    """The next moment the ticket's requirements widen, if any is still ahead."""
    steps = [config.overflow_region_after, config.overflow_service_centre_after]
    if ticket.optional_skills:
        steps.append(config.relax_skills_after)
    if ticket.language is not None:
        steps.append(config.relax_language_after)
    if ticket.preferred_ambassador_id:
        steps.append(config.preferred_wait)
    ahead = [ticket.enqueued_at + step for step in steps if ticket.enqueued_at + step > now]
    return min(ahead) if ahead else None


def plan(
    tickets: Iterable[Ticket],
    ambassadors: Iterable[Ambassador],
    *,
    stores: Mapping[str, StoreInfo],
    now: datetime,
    config: RoutingConfig,
) -> list[Assignment]:
    """Every offer to make at once, in queue order, loads growing as the plan fills them.

    The service makes the same decisions one event at a time; this whole-queue form is the
    reference the property tests hold it to.
    """
    pool = {a.id: a for a in ambassadors}
    result: list[Assignment] = []
    for ticket in sorted(tickets, key=lambda t: (queue_score(t, config), t.conversation_id)):
        preferred = pool.get(ticket.preferred_ambassador_id or "")
        choice = choose(
            ticket, pool.values(), preferred=preferred, stores=stores, now=now, config=config
        )
        if choice.ambassador_id is None:
            continue
        chosen = pool[choice.ambassador_id]
        weight = config.weight(ticket.channel, chosen.profile.capacity)
        pool[chosen.id] = replace(chosen, load=chosen.load + weight)
        result.append(Assignment(ticket.conversation_id, chosen.id))
    return result


OFFLINE_OPTIONS = ("leave_message", "callback", "appointment")


def store_is_open(store: StoreInfo | None, now: datetime) -> bool:
    return store is None or is_open(dict(store.hours) if store.hours else None, store.timezone, now)


def line_positions(
    ordered_ids: Iterable[str],
    *,
    serving: float,
    handle_seconds: float,
    offline: bool = False,
) -> list[QueuePosition]:
    """1-based places in one store's line; the wait is handling time per place over capacity."""
    lanes = max(1.0, serving)
    options = OFFLINE_OPTIONS if offline else ()
    return [
        QueuePosition(cid, index, round(index * handle_seconds / lanes), offline, options)
        for index, cid in enumerate(ordered_ids, start=1)
    ]


def queue_positions(
    tickets: Iterable[Ticket],
    *,
    serving: Mapping[str, float],
    handle_seconds: float,
    config: RoutingConfig,
    offline_stores: frozenset[str] = frozenset(),
) -> list[QueuePosition]:
    """1-based place in each store's line and a wait estimate from recent handling times.

    ``serving`` is the capacity online per store; with none, the wait is one handling time
    per place ahead.
    """
    per_store: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        per_store[ticket.store_id].append(ticket)
    positions: list[QueuePosition] = []
    for store_id, items in per_store.items():
        items.sort(key=lambda t: (queue_score(t, config), t.conversation_id))
        positions += line_positions(
            [t.conversation_id for t in items],
            serving=serving.get(store_id, 0.0),
            handle_seconds=handle_seconds,
            offline=store_id in offline_stores,
        )
    return positions
