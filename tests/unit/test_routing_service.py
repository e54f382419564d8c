"""The routing service, event by event, with the in-memory store and a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from routing.config import RoutingConfig
from routing.model import Presence, StoreInfo
from tests.conftest import FakeClock
from tests.unit.routing_fakes import Rig, make_rig


@pytest.fixture
async def rig(clock: FakeClock) -> Rig:
    return await make_rig(clock)


async def test_a_new_login_gets_no_offers_until_it_says_available(rig: Rig) -> None:
    await rig.ambassador("amelie", available=False)
    await rig.arrive("c1")
    assert rig.events.offers() == []
    await rig.service.set_presence("amelie", Presence.AVAILABLE)
    assert rig.offers_to("amelie") == ["c1"]


async def test_an_unanswered_offer_moves_on_and_never_returns_twice_in_a_row(rig: Rig) -> None:
    await rig.ambassador("a")
    await rig.ambassador("b")
    await rig.arrive("c1")
    first = rig.events.offers()[0]
    await rig.timers.advance(29)
    assert len(rig.events.offers()) == 1
    await rig.timers.advance(1)
    assert ("revoked", (first.id, "expired")) in rig.events.events
    second = rig.events.offers()[1]
    assert second.ambassador_id != first.ambassador_id


async def test_two_missed_offers_in_a_row_put_the_ambassador_away(rig: Rig) -> None:
    await rig.ambassador("a")
    await rig.arrive("c1")
    await rig.timers.advance(30)
    await rig.arrive("c2")
    assert rig.offers_to("a") == ["c1", "c2"]
    await rig.timers.advance(30)
    assert ("presence", ("a", Presence.AWAY, "missed_offers")) in rig.events.events
    await rig.arrive("c3")
    assert rig.offers_to("a") == ["c1", "c2"]


async def test_declining_goes_to_the_next_ambassador(rig: Rig) -> None:
    await rig.ambassador("a")
    await rig.arrive("c1")
    await rig.ambassador("b")
    await rig.service.decline(rig.live_offer("c1").id, "a")
    assert rig.offers_to("b") == ["c1"]


async def test_channel_weights_fill_capacity_exactly(rig: Rig) -> None:
    await rig.ambassador("a", capacity=2)
    await rig.arrive("mail-1", channel="email")
    await rig.arrive("chat-1", channel="webchat")
    await rig.arrive("mail-2", channel="email")
    await rig.arrive("chat-2", channel="webchat")
    await rig.arrive("call", channel="voice")
    assert rig.offers_to("a") == ["mail-1", "chat-1", "mail-2"]
    ambassador = await rig.store.ambassador("a")
    assert ambassador is not None and ambassador.load == 2.0


async def test_a_call_needs_the_whole_ambassador(rig: Rig) -> None:
    await rig.ambassador("a", capacity=3)
    await rig.arrive("chat", channel="webchat")
    await rig.arrive("call", channel="voice")
    assert rig.offers_to("a") == ["chat"]
    await rig.service.accept(rig.live_offer("chat").id, "a")
    await rig.service.finished("a", "webchat")
    assert rig.offers_to("a") == ["chat", "call"]


async def test_an_ambassador_on_a_call_is_offered_no_chat_until_it_ends(rig: Rig) -> None:
    await rig.ambassador("a", capacity=3)
    await rig.arrive("call", channel="voice")
    await rig.service.accept(rig.live_offer("call").id, "a")
    await rig.arrive("chat", channel="webchat")
    await rig.arrive("mail", channel="email")
    assert rig.offers_to("a") == ["call"]
    await rig.service.finished("a", "voice")
    assert rig.offers_to("a") == ["call", "chat", "mail"]


async def test_closing_frees_capacity_for_the_next_in_line_at_once(rig: Rig) -> None:
    await rig.ambassador("a", capacity=1)
    await rig.arrive("c1")
    await rig.arrive("c2")
    await rig.service.accept(rig.live_offer("c1").id, "a")
    assert rig.offers_to("a") == ["c1"]
    await rig.service.finished("a", "webchat")
    assert rig.offers_to("a") == ["c1", "c2"]


async def test_vips_go_first_but_a_long_wait_beats_a_new_vip(clock: FakeClock) -> None:
    rig = await make_rig(clock, RoutingConfig(priority_step=timedelta(minutes=2)))
    await rig.arrive("standard-early", priority=1)
    clock.advance(seconds=60)
    await rig.arrive("vip-soon-after", priority=2)
    clock.advance(seconds=120)
    await rig.arrive("vip-much-later", priority=2)
    await rig.ambassador("a", capacity=3)
    assert rig.offers_to("a") == ["vip-soon-after", "standard-early", "vip-much-later"]


async def test_the_customers_own_ambassador_first_even_when_busier(rig: Rig) -> None:
    await rig.ambassador("stranger", capacity=4)
    await rig.ambassador("own", capacity=4)
    await rig.arrive("warm-up")  # the stranger and own split early work
    await rig.arrive("c1", preferred_ambassador_id="own")
    assert "c1" in rig.offers_to("own")


async def test_waits_for_a_busy_own_ambassador_then_goes_to_anyone(rig: Rig) -> None:
    await rig.ambassador("own", capacity=1)
    await rig.arrive("keeps-own-busy")
    await rig.service.accept(rig.live_offer("keeps-own-busy").id, "own")
    await rig.ambassador("other")
    await rig.arrive("c1", preferred_ambassador_id="own")
    assert "c1" not in rig.offers_to("other")
    await rig.timers.advance(59)
    assert "c1" not in rig.offers_to("other")
    await rig.timers.advance(1)
    assert "c1" in rig.offers_to("other")


async def test_an_offline_own_ambassador_does_not_hold_anyone_up(rig: Rig) -> None:
    await rig.ambassador("other")
    await rig.arrive("c1", preferred_ambassador_id="gone-home")
    assert rig.offers_to("other") == ["c1"]


async def test_someone_who_served_the_customer_before_is_preferred(rig: Rig) -> None:
    await rig.ambassador("a", capacity=4)
    await rig.ambassador("b", capacity=4)
    await rig.arrive("first")
    await rig.arrive("c1", known_ambassador_ids=frozenset({"a"}))
    assert "c1" in rig.offers_to("a")


async def test_overflow_widens_to_the_region_then_the_service_centre(rig: Rig) -> None:
    await rig.ambassador("lyon-amb", stores=("lyon",))
    await rig.ambassador("centre-amb", stores=("centre",))
    await rig.arrive("c1")
    assert rig.events.offers() == []
    await rig.timers.advance(90)
    assert rig.offers_to("lyon-amb") == ["c1"]
    await rig.service.accept(rig.live_offer("c1").id, "lyon-amb")
    await rig.arrive("c2", store_id="london", language="en")
    await rig.timers.advance(90)
    assert rig.offers_to("centre-amb") == []  # London's region has nobody, centre not yet
    await rig.timers.advance(90)
    assert rig.offers_to("centre-amb") == ["c2"]


async def test_optional_skills_are_dropped_after_a_wait_required_ones_never(rig: Rig) -> None:
    await rig.ambassador("generalist")
    await rig.arrive("bridal", optional_skills=frozenset({"bridal"}))
    await rig.arrive("repair", required_skills=frozenset({"after-sales"}))
    assert rig.events.offers() == []
    await rig.timers.advance(60)
    assert rig.offers_to("generalist") == ["bridal"]
    await rig.timers.advance(600)
    assert "repair" not in rig.offers_to("generalist")


async def test_a_reload_within_grace_keeps_the_conversation(rig: Rig) -> None:
    await rig.ambassador("a")
    await rig.arrive("c1")
    await rig.service.accept(rig.live_offer("c1").id, "a")
    await rig.service.disconnected("a", "conn-a")
    await rig.timers.advance(10)
    await rig.ambassador("a")  # the page came back
    await rig.timers.advance(60)
    assert rig.repo.status["c1"] == "assigned"
    assert not any(e[0] == "requeued" for e in rig.events.events)


async def test_past_grace_the_conversations_go_first_in_line_with_a_notice(rig: Rig) -> None:
    await rig.ambassador("a")
    await rig.arrive("c1")
    await rig.service.accept(rig.live_offer("c1").id, "a")
    await rig.arrive("c-waiting")  # offered to a as well (capacity 2)
    await rig.service.disconnected("a", "conn-a")
    await rig.timers.advance(30)
    assert ("requeued", ["c1"]) in rig.events.events
    await rig.ambassador("b")
    assert rig.offers_to("b")[0] == "c1"


async def test_shoppers_are_told_at_once_when_nobody_is_there(rig: Rig) -> None:
    await rig.arrive("c1")
    (position,) = rig.events.last_queue()
    assert position.offline and "callback" in position.options


async def test_shoppers_are_told_at_once_when_the_store_is_closed(clock: FakeClock) -> None:
    closed = StoreInfo(
        "paris", region="FR", timezone="Europe/Paris", hours={"sun": [["10:00", "18:00"]]}
    )
    rig = await make_rig(clock, stores=(closed,))
    await rig.ambassador("a", capacity=1)
    await rig.arrive("busy")
    await rig.arrive("c1")
    positions = {p.conversation_id: p for p in rig.events.last_queue()}
    assert positions["c1"].offline  # Wednesday: the store is closed


async def test_queue_positions_and_eta_follow_the_line(rig: Rig) -> None:
    await rig.ambassador("a", capacity=1)
    await rig.arrive("c1")
    await rig.arrive("c2")
    await rig.arrive("c3")
    positions = {p.conversation_id: p for p in rig.events.last_queue()}
    assert (positions["c2"].position, positions["c3"].position) == (1, 2)
    assert positions["c3"].eta_seconds == 2 * positions["c2"].eta_seconds > 0
    assert not positions["c2"].offline


async def test_waits_and_offer_outcomes_are_measured(rig: Rig) -> None:
    await rig.ambassador("a")
    await rig.arrive("c1")
    await rig.timers.advance(30)  # lapses
    await rig.ambassador("b")
    await rig.service.accept(rig.live_offer("c1").id, "b")
    seen = {name for name, _ in rig.service.metrics.seen}  # type: ignore[attr-defined]
    assert {
        "routing_wait_until_offer_seconds",
        "routing_wait_until_accept_seconds",
        "routing_offers_total",
        "routing_queue_length",
    } <= seen


async def test_when_the_last_ambassador_leaves_waiting_shoppers_are_told_at_once(rig: Rig) -> None:
    await rig.ambassador("a", capacity=1)
    await rig.arrive("busy")
    await rig.arrive("c1")
    assert not rig.events.last_queue()[0].offline
    await rig.service.set_presence("a", Presence.AWAY)
    positions = {p.conversation_id: p for p in rig.events.last_queue()}
    assert positions["c1"].offline
