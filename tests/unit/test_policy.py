"""The first routing rule: arrival order, store access, availability, capacity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing.model import Ambassador, AmbassadorProfile, Assignment, Presence, Waiting
from routing.policy import plan, queue_positions

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def amb(
    aid: str,
    *,
    stores: tuple[str, ...] = ("paris",),
    capacity: int = 2,
    load: int = 0,
    presence: Presence = Presence.AVAILABLE,
) -> Ambassador:
    profile = AmbassadorProfile(aid, aid.title(), frozenset(stores), ("fr",), capacity)
    return Ambassador(profile, presence, load)


def wait(cid: str, minute: int, store: str = "paris", excluded: tuple[str, ...] = ()) -> Waiting:
    return Waiting(cid, store, T0 + timedelta(minutes=minute), excluded=frozenset(excluded))


def test_oldest_conversation_is_offered_first_when_capacity_is_short() -> None:
    result = plan([wait("late", 5), wait("early", 1)], [amb("a", capacity=1)])
    assert result == [Assignment("early", "a")]


def test_away_and_offline_ambassadors_get_nothing() -> None:
    ambassadors = [amb("away", presence=Presence.AWAY), amb("gone", presence=Presence.OFFLINE)]
    assert plan([wait("c1", 0)], ambassadors) == []


def test_only_ambassadors_of_the_conversations_store_are_offered_it() -> None:
    result = plan(
        [wait("c1", 0, store="london")], [amb("paris-only"), amb("l", stores=("london",))]
    )
    assert result == [Assignment("c1", "l")]


def test_full_ambassadors_are_skipped_and_plan_never_exceeds_capacity() -> None:
    waiting = [wait(f"c{i}", i) for i in range(5)]
    result = plan(waiting, [amb("a", capacity=2, load=1), amb("b", capacity=2)])
    per_ambassador = {aid: sum(1 for r in result if r.ambassador_id == aid) for aid in "ab"}
    assert per_ambassador == {"a": 1, "b": 2}
    assert [r.conversation_id for r in result] == ["c0", "c1", "c2"]


def test_work_spreads_to_the_least_loaded_ambassador() -> None:
    result = plan([wait("c1", 0)], [amb("busy", capacity=4, load=3), amb("idle", capacity=4)])
    assert result == [Assignment("c1", "idle")]


def test_an_ambassador_who_passed_is_not_offered_the_same_conversation_again() -> None:
    result = plan([wait("c1", 0, excluded=("a",))], [amb("a"), amb("b")])
    assert result == [Assignment("c1", "b")]


def test_queue_positions_count_per_store_in_arrival_order() -> None:
    positions = queue_positions(
        [wait("p2", 2), wait("l1", 1, store="london"), wait("p1", 1)], average_wait_seconds=30
    )
    by_id = {p.conversation_id: (p.position, p.eta_seconds) for p in positions}
    assert by_id == {"p1": (1, 30), "p2": (2, 60), "l1": (1, 30)}
