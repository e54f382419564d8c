"""A deactivated ambassador leaves routing at once: no grace period, their offers and
conversations go to colleagues, and every console of theirs can be found to hang up."""

from __future__ import annotations

import pytest

from routing.model import Presence
from tests.conftest import FakeClock
from tests.unit.routing_fakes import Rig, make_rig


@pytest.fixture
async def rig(clock: FakeClock) -> Rig:
    return await make_rig(clock)


async def test_retiring_requeues_their_conversations_now_not_after_the_grace(rig: Rig) -> None:
    await rig.ambassador("a")
    await rig.arrive("c1")
    await rig.service.accept(rig.live_offer("c1").id, "a")
    await rig.arrive("c2")  # offered to a as well (capacity 2)
    pending = rig.live_offer("c2")
    await rig.ambassador("b", available=False)

    await rig.service.retire("a")

    assert rig.repo.status["c1"] == "queued"
    assert ("requeued", ["c1"]) in rig.events.events
    assert ("revoked", (pending.id, "deactivated")) in rig.events.events
    assert await rig.service.presence_of("a") is Presence.OFFLINE
    await rig.service.set_presence("b", Presence.AVAILABLE)
    assert rig.offers_to("b")[0] == "c1"  # first in line, before the one that waited less
    assert set(rig.offers_to("b")) == {"c1", "c2"}


async def test_a_retired_ambassador_gets_no_new_offers_until_they_connect_again(
    rig: Rig,
) -> None:
    await rig.ambassador("a")
    await rig.service.retire("a")
    await rig.arrive("c1")
    assert rig.offers_to("a") == []
    # Their console's own hang-up, arriving after: nothing more happens, no second notice.
    await rig.service.disconnected("a", "conn-a")
    await rig.timers.advance(60)
    assert [e for e in rig.events.events if e[0] == "requeued"] == []


async def test_consoles_of_lists_every_connection_of_one_ambassador(rig: Rig) -> None:
    profile = await rig.ambassador("a")
    await rig.service.connected(profile, "second-tab")
    await rig.ambassador("b")
    assert await rig.service.consoles_of("a") == ["conn-a", "second-tab"]
    await rig.service.disconnected("a", "second-tab")
    assert await rig.service.consoles_of("a") == ["conn-a"]
    assert await rig.service.consoles_of("nobody") == []
