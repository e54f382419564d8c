"""The routing policy, one behaviour per row: who gets a waiting conversation, and when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from routing import policy
from routing.config import FRONT_OF_QUEUE, RoutingConfig
from routing.model import (
    Ambassador,
    AmbassadorProfile,
    Assignment,
    Choice,
    Presence,
    StoreInfo,
    Ticket,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CONFIG = RoutingConfig()
AWAY, OFFLINE = Presence.AWAY, Presence.OFFLINE
# Paris and Lyon share a region; London is elsewhere; the service centre has a region of
# its own, so only the second overflow reaches it; Geneva never drops the shopper's language.
STORES = {
    s.id: s
    for s in (
        StoreInfo("paris", "FR"),
        StoreInfo("lyon", "FR"),
        StoreInfo("london", "GB"),
        StoreInfo("centre", "EU", service_centre=True),
        StoreInfo("geneva", "CH", relax_language=False),
    )
}


def amb(
    aid: str,
    *,
    stores: Iterable[str] = ("paris",),
    languages: Iterable[str] = ("fr", "en"),
    skills: Iterable[str] = (),
    capacity: float = 2,
    load: float = 0,
    presence: Presence = Presence.AVAILABLE,
    idle_for: int | None = None,
) -> Ambassador:
    """An ambassador; ``idle_for`` is how many seconds before NOW they last became idle."""
    profile = AmbassadorProfile(
        aid, aid.title(), frozenset(stores), tuple(languages), capacity, frozenset(skills)
    )
    idle_since = None if idle_for is None else NOW - timedelta(seconds=idle_for)
    return Ambassador(profile, presence, load, idle_since)


def ticket(
    cid: str = "c1",
    *,
    store: str = "paris",
    waited: float = 0,
    channel: str = "webchat",
    language: str | None = None,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
    priority: int = 1,
    preferred: str | None = None,
    known: Iterable[str] = (),
    last: str | None = None,
) -> Ticket:
    """A conversation that has been waiting ``waited`` seconds at NOW."""
    return Ticket(
        cid,
        store,
        NOW - timedelta(seconds=waited),
        channel=channel,
        language=language,
        required_skills=frozenset(required),
        optional_skills=frozenset(optional),
        priority=priority,
        preferred_ambassador_id=preferred,
        known_ambassador_ids=frozenset(known),
        last_offered_to=last,
    )


def preferred_of(t: Ticket, ambassadors: Iterable[Ambassador]) -> Ambassador | None:
    return next((a for a in ambassadors if a.id == t.preferred_ambassador_id), None)


def decide(t: Ticket, *ambassadors: Ambassador) -> Choice:
    return policy.choose(
        t,
        ambassadors,
        preferred=preferred_of(t, ambassadors),
        stores=STORES,
        now=NOW,
        config=CONFIG,
    )


def offered_to(t: Ticket, *ambassadors: Ambassador) -> str | None:
    return decide(t, *ambassadors).ambassador_id


def served_in_order(*tickets: Ticket) -> list[str]:
    """The order one ambassador with a single seat, freed again and again, would serve them."""
    seat = amb("seat", capacity=1)
    queue, order = list(tickets), []
    while queue:
        [assignment] = policy.plan(queue, [seat], stores=STORES, now=NOW, config=CONFIG)
        order.append(assignment.conversation_id)
        queue = [t for t in queue if t.conversation_id != assignment.conversation_id]
    return order


# -- who is offered the conversation --------------------------------------------------------

WHO_GETS_IT = [
    # presence and capacity
    pytest.param(ticket(), [amb("a")], "a", id="available-ambassador-with-room-is-offered-it"),
    pytest.param(ticket(), [amb("a", presence=AWAY)], None, id="away-ambassador-gets-nothing"),
    pytest.param(
        ticket(), [amb("a", presence=OFFLINE)], None, id="offline-ambassador-gets-nothing"
    ),
    pytest.param(ticket(), [amb("a", load=2)], None, id="full-ambassador-gets-nothing"),
    pytest.param(
        ticket(), [amb("a", load=1.5)], None, id="half-a-seat-left-is-not-enough-for-a-chat"
    ),
    # store
    pytest.param(
        ticket(),
        [amb("lyon", stores=("lyon",)), amb("paris")],
        "paris",
        id="conversation-goes-to-its-own-store-first",
    ),
    pytest.param(
        ticket(),
        [amb("lyon", stores=("lyon",))],
        None,
        id="other-stores-see-nothing-at-first",
    ),
    pytest.param(
        ticket(),
        [amb("both", stores=("lyon", "paris"))],
        "both",
        id="ambassador-of-several-stores-serves-each",
    ),
    # language
    pytest.param(
        ticket(language="fr-CA"), [amb("a", languages=("fr",))], "a", id="fr-speaker-serves-fr-CA"
    ),
    pytest.param(
        ticket(language="fr"), [amb("a", languages=("fr-CA",))], "a", id="fr-CA-speaker-serves-fr"
    ),
    pytest.param(
        ticket(language="FR-ca"),
        [amb("a", languages=("fr",))],
        "a",
        id="language-tags-match-whatever-their-case",
    ),
    pytest.param(
        ticket(language="ja"),
        [amb("en", languages=("en",)), amb("ja", languages=("ja", "en"), load=1)],
        "ja",
        id="shopper-gets-someone-who-speaks-their-language",
    ),
    pytest.param(
        ticket(language="ja"),
        [amb("a", languages=("en",))],
        None,
        id="nobody-speaks-it-nobody-gets-it",
    ),
    pytest.param(
        ticket(language="ja", waited=119),
        [amb("a", languages=("en",))],
        None,
        id="language-still-required-just-before-relax-language-after",
    ),
    pytest.param(
        ticket(language="ja", waited=120),
        [amb("a", languages=("en",))],
        "a",
        id="language-dropped-after-relax-language-after",
    ),
    pytest.param(
        ticket(store="geneva", language="ja", waited=3600),
        [amb("a", stores=("geneva",), languages=("en",))],
        None,
        id="store-that-does-not-relax-language-never-drops-it",
    ),
    pytest.param(
        ticket(language="ja", waited=3600),
        [amb("lyon", stores=("lyon",), languages=("en",))],
        None,
        id="overflow-ambassador-must-always-speak-the-language",
    ),
    pytest.param(
        ticket(language="ja", waited=3600),
        [amb("lyon", stores=("lyon",), languages=("ja",))],
        "lyon",
        id="overflow-ambassador-who-speaks-it-is-offered-it",
    ),
    # skills
    pytest.param(
        ticket(required={"watches"}),
        [amb("a"), amb("b", skills={"watches"}, load=1)],
        "b",
        id="required-skill-must-be-present",
    ),
    pytest.param(
        ticket(required={"watches", "leather"}),
        [amb("a", skills={"watches"})],
        None,
        id="every-required-skill-must-be-present",
    ),
    pytest.param(
        ticket(required={"watches"}, waited=3600),
        [amb("a")],
        None,
        id="required-skill-is-never-dropped",
    ),
    pytest.param(
        ticket(optional={"watches"}, waited=59),
        [amb("a")],
        None,
        id="optional-skill-wanted-before-relax-skills-after",
    ),
    pytest.param(
        ticket(optional={"watches"}, waited=60),
        [amb("a")],
        "a",
        id="optional-skill-dropped-after-relax-skills-after",
    ),
    # channel weights
    pytest.param(
        ticket(channel="voice"),
        [amb("a", load=1, capacity=3)],
        None,
        id="voice-needs-an-idle-ambassador",
    ),
    pytest.param(
        ticket(channel="voice"),
        [amb("a", capacity=3)],
        "a",
        id="voice-goes-to-an-idle-ambassador-of-any-capacity",
    ),
    pytest.param(
        ticket(channel="voice"),
        [amb("a", load=0.5)],
        None,
        id="a-call-needs-an-idle-ambassador",
    ),
    pytest.param(
        ticket(channel="email"), [amb("a", load=1.5)], "a", id="email-fits-where-a-chat-would-not"
    ),
    pytest.param(
        ticket(channel="sms"), [amb("a", load=1.5)], None, id="unknown-channel-weighs-like-a-chat"
    ),
    # preferred ambassador
    pytest.param(
        ticket(preferred="p"),
        [amb("p", load=1), amb("q")],
        "p",
        id="available-preferred-is-chosen-even-if-more-loaded",
    ),
    pytest.param(
        ticket(preferred="p"),
        [amb("p", presence=OFFLINE), amb("q")],
        "q",
        id="offline-preferred-means-straight-to-others",
    ),
    pytest.param(
        ticket(preferred="gone"),
        [amb("q")],
        "q",
        id="unknown-preferred-means-straight-to-others",
    ),
    pytest.param(
        ticket(preferred="p", waited=60),
        [amb("p", load=2), amb("q")],
        "q",
        id="busy-preferred-is-waited-for-only-until-preferred-wait",
    ),
    pytest.param(
        ticket(preferred="p", waited=60),
        [amb("p", presence=AWAY), amb("q")],
        "q",
        id="away-preferred-is-waited-for-only-until-preferred-wait",
    ),
    # ranking
    pytest.param(
        ticket(known={"k"}),
        [amb("k", load=1), amb("s")],
        "k",
        id="someone-who-spoke-with-the-shopper-beats-a-less-loaded-stranger",
    ),
    pytest.param(
        ticket(known={"k"}),
        [amb("k", load=2), amb("s")],
        "s",
        id="full-acquaintance-leaves-it-to-a-stranger",
    ),
    pytest.param(
        ticket(), [amb("a", load=1), amb("b")], "b", id="least-loaded-ambassador-is-chosen"
    ),
    pytest.param(
        ticket(),
        [amb("a", capacity=2, load=1), amb("b", capacity=4, load=1)],
        "b",
        id="load-is-measured-against-capacity",
    ),
    pytest.param(
        ticket(),
        [amb("recent", idle_for=60), amb("longest", idle_for=600)],
        "longest",
        id="equal-load-goes-to-whoever-idled-longest",
    ),
    pytest.param(
        ticket(),
        [amb("b", idle_for=60), amb("a", idle_for=60)],
        "a",
        id="complete-tie-is-settled-by-id",
    ),
    pytest.param(
        ticket(last="a"),
        [amb("a"), amb("b", load=1)],
        "b",
        id="never-offered-to-the-same-ambassador-twice-in-a-row",
    ),
    pytest.param(
        ticket(last="a", waited=3600),
        [amb("a")],
        None,
        id="ambassador-who-let-it-go-is-not-asked-again",
    ),
    pytest.param(
        ticket(preferred="p", last="p", waited=60),
        [amb("p"), amb("q")],
        "q",
        id="preferred-who-let-it-go-is-not-asked-again-either",
    ),
    # overflow
    pytest.param(
        ticket(waited=89),
        [amb("lyon", stores=("lyon",))],
        None,
        id="region-waits-until-overflow-region-after",
    ),
    pytest.param(
        ticket(waited=90),
        [amb("lyon", stores=("lyon",))],
        "lyon",
        id="region-store-helps-after-overflow-region-after",
    ),
    pytest.param(
        ticket(waited=90),
        [amb("lyon", stores=("lyon",), load=1), amb("paris", load=2)],
        "lyon",
        id="region-helps-when-the-home-store-is-full",
    ),
    pytest.param(
        ticket(waited=179),
        [amb("centre", stores=("centre",))],
        None,
        id="service-centre-waits-until-overflow-service-centre-after",
    ),
    pytest.param(
        ticket(waited=180),
        [amb("centre", stores=("centre",))],
        "centre",
        id="service-centre-helps-after-overflow-service-centre-after",
    ),
    pytest.param(
        ticket(waited=3600),
        [amb("london", stores=("london",))],
        None,
        id="store-in-another-region-never-helps",
    ),
    pytest.param(
        ticket(store="nowhere", waited=3600),
        [amb("lyon", stores=("lyon",)), amb("centre", stores=("centre",))],
        "centre",
        id="unknown-store-overflows-only-to-service-centres",
    ),
]


@pytest.mark.parametrize(("t", "ambassadors", "expected"), WHO_GETS_IT)
def test_who_is_offered_the_conversation(
    t: Ticket, ambassadors: list[Ambassador], expected: str | None
) -> None:
    assert offered_to(t, *ambassadors) == expected


# -- waiting for the preferred ambassador --------------------------------------------------

HOLDS_FOR_PREFERRED = [
    pytest.param(amb("p", load=2), 0, id="preferred-full"),
    pytest.param(amb("p", presence=AWAY), 0, id="preferred-away"),
    pytest.param(amb("p", load=2), 59, id="preferred-still-full-just-before-preferred-wait"),
    pytest.param(amb("p", load=1.5), 30, id="preferred-without-room-for-a-chat"),
]


@pytest.mark.parametrize(("preferred", "waited"), HOLDS_FOR_PREFERRED)
def test_shopper_waits_for_a_busy_preferred_ambassador(preferred: Ambassador, waited: int) -> None:
    t = ticket(preferred="p", waited=waited)
    assert decide(t, preferred, amb("q")) == Choice(
        None, review_at=t.enqueued_at + CONFIG.preferred_wait, waiting_for_preferred=True
    )


def test_shopper_is_not_held_for_a_preferred_ambassador_who_just_let_the_offer_go() -> None:
    t = ticket(preferred="p", last="p", waited=30)
    assert decide(t, amb("p"), amb("q")) == Choice("q")


def test_nobody_eligible_means_looking_again_at_the_next_threshold() -> None:
    t = ticket(language="ja", waited=10)
    assert decide(t, amb("a", languages=("en",))) == Choice(
        None, review_at=t.enqueued_at + CONFIG.overflow_region_after
    )


# -- when to look again --------------------------------------------------------------------

NEXT_REVIEW = [
    pytest.param(ticket(), 90, id="plain-ticket-next-looks-at-the-region"),
    pytest.param(ticket(waited=90), 180, id="threshold-reached-now-is-behind-it"),
    pytest.param(ticket(waited=100), 180, id="after-the-region-comes-the-service-centre"),
    pytest.param(ticket(optional={"watches"}), 60, id="optional-skills-relax-first"),
    pytest.param(
        ticket(language="ja", waited=100), 120, id="language-relaxes-before-service-centre"
    ),
    pytest.param(ticket(preferred="p"), 60, id="preferred-wait-ends"),
    pytest.param(ticket(waited=180), None, id="nothing-left-to-relax"),
    pytest.param(ticket(language="ja", optional={"x"}, waited=500), None, id="all-thresholds-past"),
]


@pytest.mark.parametrize(("t", "after"), NEXT_REVIEW)
def test_next_review_is_the_next_threshold(t: Ticket, after: int | None) -> None:
    expected = None if after is None else t.enqueued_at + timedelta(seconds=after)
    assert policy.next_review_at(t, NOW, CONFIG) == expected


# -- queue order ---------------------------------------------------------------------------

QUEUE_ORDER = [
    pytest.param(
        [ticket("first", waited=30), ticket("second", waited=10)],
        ["first", "second"],
        id="same-tier-is-first-come-first-served",
    ),
    pytest.param(
        [ticket("standard", waited=119), ticket("vip", priority=2)],
        ["vip", "standard"],
        id="vip-goes-ahead-of-a-standard-shopper-who-arrived-less-than-priority-step-before",
    ),
    pytest.param(
        [ticket("standard", waited=121), ticket("vip", priority=2)],
        ["standard", "vip"],
        id="vip-does-not-pass-a-standard-shopper-who-arrived-more-than-priority-step-before",
    ),
    pytest.param(
        [ticket("standard", waited=239), ticket("vvip", priority=3)],
        ["vvip", "standard"],
        id="two-tiers-up-overtakes-within-two-priority-steps",
    ),
    pytest.param(
        [ticket("standard", waited=241), ticket("vvip", priority=3)],
        ["standard", "vvip"],
        id="two-tiers-up-does-not-overtake-beyond-two-priority-steps",
    ),
    pytest.param(
        [ticket("old", waited=3600, priority=3), ticket("requeued", priority=FRONT_OF_QUEUE)],
        ["requeued", "old"],
        id="conversation-whose-ambassador-vanished-goes-to-the-front",
    ),
]


@pytest.mark.parametrize(("tickets", "expected"), QUEUE_ORDER)
def test_order_in_which_shoppers_are_served(tickets: list[Ticket], expected: list[str]) -> None:
    assert served_in_order(*tickets) == expected


# -- queue positions shown to shoppers -----------------------------------------------------

QUEUE_POSITIONS = [
    pytest.param(
        [ticket("p2", waited=10), ticket("l1", store="london", waited=5), ticket("p1", waited=20)],
        {},
        {"p1": (1, 300), "p2": (2, 600), "l1": (1, 300)},
        id="each-store-has-its-own-line-one-handling-time-per-place-with-nobody-serving",
    ),
    pytest.param(
        [ticket("p1", waited=30), ticket("p2", waited=20), ticket("p3", waited=10)],
        {"paris": 3.0},
        {"p1": (1, 100), "p2": (2, 200), "p3": (3, 300)},
        id="more-capacity-serving-means-a-shorter-wait",
    ),
    pytest.param(
        [ticket("p1", waited=30)],
        {"paris": 0.5},
        {"p1": (1, 300)},
        id="less-than-one-seat-serving-counts-as-one",
    ),
    pytest.param(
        [ticket("standard", waited=60), ticket("vip", priority=2)],
        {"paris": 1.0},
        {"vip": (1, 300), "standard": (2, 600)},
        id="vip-is-shown-ahead-when-it-will-be-served-first",
    ),
]


@pytest.mark.parametrize(("tickets", "serving", "expected"), QUEUE_POSITIONS)
def test_queue_positions_and_eta(
    tickets: list[Ticket], serving: dict[str, float], expected: dict[str, tuple[int, int]]
) -> None:
    positions = policy.queue_positions(tickets, serving=serving, handle_seconds=300, config=CONFIG)
    assert {p.conversation_id: (p.position, p.eta_seconds) for p in positions} == expected


# -- the ambassador-first direction --------------------------------------------------------

MAY_TAKE = [
    pytest.param(amb("a"), ticket(), [], True, id="free-ambassador-may-take-their-store-ticket"),
    pytest.param(amb("a", presence=AWAY), ticket(), [], False, id="away-ambassador-may-not"),
    pytest.param(amb("a", load=2), ticket(), [], False, id="full-ambassador-may-not"),
    pytest.param(amb("a"), ticket(last="a"), [], False, id="not-the-one-who-just-let-it-go"),
    pytest.param(
        amb("lyon", stores=("lyon",)), ticket(waited=89), [], False, id="other-store-not-yet"
    ),
    pytest.param(
        amb("lyon", stores=("lyon",)),
        ticket(waited=90),
        [],
        True,
        id="region-store-after-overflow-region-after",
    ),
    pytest.param(
        amb("a", languages=("en",)), ticket(language="ja"), [], False, id="must-speak-the-language"
    ),
    pytest.param(
        amb("q"),
        ticket(preferred="p"),
        [amb("p", load=1)],
        False,
        id="not-while-the-preferred-can-take-it",
    ),
    pytest.param(
        amb("q"),
        ticket(preferred="p"),
        [amb("p", load=2)],
        False,
        id="not-while-the-shopper-waits-for-a-busy-preferred",
    ),
    pytest.param(
        amb("q"),
        ticket(preferred="p", waited=60),
        [amb("p", load=2)],
        True,
        id="after-preferred-wait-anyone-eligible-may",
    ),
    pytest.param(
        amb("q"),
        ticket(preferred="p"),
        [amb("p", presence=OFFLINE)],
        True,
        id="preferred-offline-anyone-eligible-may",
    ),
    pytest.param(
        amb("p", load=1),
        ticket(preferred="p"),
        [],
        True,
        id="preferred-ambassador-may-take-it",
    ),
]


@pytest.mark.parametrize(("ambassador", "t", "others", "expected"), MAY_TAKE)
def test_may_take_mirrors_choose(
    ambassador: Ambassador, t: Ticket, others: list[Ambassador], expected: bool
) -> None:
    preferred = preferred_of(t, [ambassador, *others])
    allowed = policy.may_take(
        ambassador, t, preferred=preferred, stores=STORES, now=NOW, config=CONFIG
    )
    assert allowed is expected
    chosen = policy.choose(
        t, [ambassador], preferred=preferred, stores=STORES, now=NOW, config=CONFIG
    )
    assert (chosen.ambassador_id == ambassador.id) is expected


# -- the whole-queue plan ------------------------------------------------------------------


def test_plan_serves_in_queue_order_and_fills_no_one_beyond_capacity() -> None:
    waiting = [ticket(f"c{i}", waited=50 - i) for i in range(5)]
    result = policy.plan(
        waiting, [amb("a", load=1), amb("b")], stores=STORES, now=NOW, config=CONFIG
    )
    assert [r.conversation_id for r in result] == ["c0", "c1", "c2"]
    assert sorted(r.ambassador_id for r in result) == ["a", "b", "b"]


def test_plan_spreads_work_as_loads_grow() -> None:
    waiting = [ticket("c1", waited=20), ticket("c2", waited=10)]
    result = policy.plan(waiting, [amb("a"), amb("b")], stores=STORES, now=NOW, config=CONFIG)
    assert result == [Assignment("c1", "a"), Assignment("c2", "b")]


def test_plan_keeps_a_ticket_for_its_busy_preferred_ambassador() -> None:
    waiting = [ticket("c1", waited=20), ticket("c2", preferred="a", waited=10)]
    result = policy.plan(
        waiting, [amb("a", capacity=1), amb("b")], stores=STORES, now=NOW, config=CONFIG
    )
    # c1 fills "a" (id breaks the tie); c2 then waits for "a" instead of going to "b".
    assert result == [Assignment("c1", "a")]
