"""Properties of merge plans over random profiles: a merge loses nothing and settles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.profiles.identity import EMAIL, PHONE, POS_CUSTOMER_NO, VISITOR, WECHAT_OPENID, Identity
from hub.profiles.merge import MergePlan, ProfileFacts, plan
from hub.profiles.preferences import LIST_KEYS, apply
from hub.profiles.tier import TIERS

PROPERTY = settings(derandomize=True, max_examples=200, deadline=None, database=None)
START = datetime(2024, 1, 1, tzinfo=UTC)

# Few values, so that the two profiles often share identities, items and dates.
KINDS = (EMAIL, PHONE, POS_CUSTOMER_NO, VISITOR, WECHAT_OPENID)
VALUES = ("v1", "v2", "v3")
ITEMS = ("Gold", "gold", "Rose gold", "Platinum", "Pearl", "RED")
DATES = ("--02-29", "--12-10", "2015-06-14")
DATE_KINDS = ("birthday", "anniversary", "other")
LABELS = (None, "Wedding", "Mariage")
SOURCES = ("derived", "import", "manual")


def rank(tier: str) -> int:
    return TIERS.index(tier)


def folded(items: list[Any]) -> set[Any]:
    return {item.casefold() if isinstance(item, str) else repr(item) for item in items}


def date_keys(entries: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(entry["kind"], entry["date"]) for entry in entries}


@st.composite
def important_dates(draw: st.DrawFn) -> list[dict[str, str]]:
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(DATE_KINDS), st.sampled_from(DATES)), unique=True, max_size=4
        )
    )
    entries = []
    for kind, date in keys:
        label = draw(st.sampled_from(LABELS))
        entries.append({"kind": kind, "date": date} | ({"label": label} if label else {}))
    return entries


@st.composite
def preferences(draw: st.DrawFn) -> dict[str, Any]:
    """Preferences as the console stores them, through preferences.apply."""
    patch: dict[str, Any] = {}
    if draw(st.booleans()):
        patch["language"] = draw(st.sampled_from(("fr", "en", "zh-Hans")))
    if draw(st.booleans()):
        patch["store"] = draw(st.sampled_from(("PAR01", "LON01")))
    if draw(st.booleans()):
        patch["ring_size"] = draw(st.sampled_from(("52", "6 1/2")))
    for key in LIST_KEYS[:2]:
        if draw(st.booleans()):
            patch[key] = draw(st.lists(st.sampled_from(ITEMS), max_size=5))
    if draw(st.booleans()):
        patch["important_dates"] = draw(important_dates())
    stored = apply({}, patch)
    if draw(st.booleans()):
        stored["legacy"] = draw(st.sampled_from(("kept", 7, ["x", "y"])))  # written before rules
    return stored


@st.composite
def profiles(draw: st.DrawFn, id: str) -> ProfileFacts:
    identities = draw(
        st.lists(
            st.builds(Identity, st.sampled_from(KINDS), st.sampled_from(VALUES), st.booleans()),
            max_size=6,
        )
    )
    return ProfileFacts(
        id=id,
        name=draw(st.sampled_from((None, "", "Ada", "Ada Lovelace"))),
        tier=draw(st.sampled_from(TIERS)),
        tier_source=draw(st.sampled_from(SOURCES)),
        created_at=START + timedelta(days=draw(st.integers(0, 3))),
        preferences=draw(preferences()),
        identities=tuple(identities),
        preferred_staff_id=draw(st.sampled_from((None, "s1", "s2"))),
    )


@st.composite
def pairs(draw: st.DrawFn) -> tuple[ProfileFacts, ProfileFacts]:
    """Two profiles; often the second repeats the first's identities and dates, relabelled.

    Independent draws rarely hit "same date, one label each way" or "same identity,
    verified on one side only", which are the cases a merge most easily gets wrong.
    """
    a, b = draw(profiles("a")), draw(profiles("b"))
    if not draw(st.booleans()):
        return a, b
    echoed = tuple(Identity(i.kind, i.value, draw(st.booleans())) for i in a.identities)
    dates = [
        {"kind": e["kind"], "date": e["date"]} | ({"label": label} if label else {})
        for e in a.preferences.get("important_dates", [])
        for label in [draw(st.sampled_from(LABELS))]
    ]
    prefs = dict(b.preferences) | ({"important_dates": dates} if dates else {})
    return a, replace(b, identities=echoed + b.identities, preferences=prefs)


survivors = st.sampled_from((None, "a", "b"))


def merged(pair: tuple[ProfileFacts, ProfileFacts], survivor: str | None) -> MergePlan:
    return plan(*pair, survivor_id=survivor)


@PROPERTY
@given(pairs(), survivors)
def test_every_identity_appears_and_verification_never_downgrades(
    pair: tuple[ProfileFacts, ProfileFacts], survivor: str | None
) -> None:
    result = merged(pair, survivor)
    verified = {(i.kind, i.value): i.verified for i in result.identities}
    assert len(verified) == len(result.identities), "an identity appears twice"
    given_ = [i for facts in pair for i in facts.identities]
    assert set(verified) == {(i.kind, i.value) for i in given_}
    for ident in given_:
        assert verified[(ident.kind, ident.value)] >= ident.verified


@PROPERTY
@given(pairs(), survivors)
def test_every_preference_key_item_and_date_appears(
    pair: tuple[ProfileFacts, ProfileFacts], survivor: str | None
) -> None:
    result = merged(pair, survivor)
    prefs = result.preferences
    for facts in pair:
        assert set(facts.preferences) <= set(prefs)
        for key, value in facts.preferences.items():
            if key == "important_dates":
                assert date_keys(value) <= date_keys(prefs[key])
            elif isinstance(value, list) and isinstance(prefs[key], list):
                assert folded(value) <= folded(prefs[key])


@PROPERTY
@given(pairs(), survivors)
def test_a_single_value_either_survives_or_is_recorded(
    pair: tuple[ProfileFacts, ProfileFacts], survivor: str | None
) -> None:
    result = merged(pair, survivor)
    for facts in pair:
        for key, value in facts.preferences.items():
            if not isinstance(value, list):
                assert value in (
                    result.preferences[key],
                    result.superseded.get(f"preferences.{key}"),
                )
            elif key == "important_dates":
                kept = result.preferences[key] + result.superseded.get(
                    "preferences.important_dates", []
                )
                labels = {(e["kind"], e["date"], e.get("label")) for e in kept}
                assert all(
                    (e["kind"], e["date"], e.get("label")) in labels for e in value if "label" in e
                )
        for field in ("name", "preferred_staff_id"):
            value = getattr(facts, field)
            if value and value.strip():
                assert value in (getattr(result, field), result.superseded.get(field))


@PROPERTY
@given(pairs(), survivors)
def test_the_tier_is_never_lower_than_either(
    pair: tuple[ProfileFacts, ProfileFacts], survivor: str | None
) -> None:
    result = merged(pair, survivor)
    assert rank(result.tier) == max(rank(facts.tier) for facts in pair)
    assert (result.tier, result.tier_source) in {(f.tier, f.tier_source) for f in pair}
    assert result.created_at == min(facts.created_at for facts in pair)


@PROPERTY
@given(pairs())
def test_the_older_profile_survives_whichever_order_they_come_in(
    pair: tuple[ProfileFacts, ProfileFacts],
) -> None:
    a, b = pair
    if a.created_at != b.created_at:
        assert plan(a, b) == plan(b, a)
        assert plan(a, b).survivor_id == min(pair, key=lambda facts: facts.created_at).id


def as_facts(result: MergePlan) -> ProfileFacts:
    return ProfileFacts(
        id=result.survivor_id,
        name=result.name,
        tier=result.tier,
        tier_source=result.tier_source,
        created_at=result.created_at,
        preferences=result.preferences,
        identities=result.identities,
        preferred_staff_id=result.preferred_staff_id,
    )


def content(result: MergePlan) -> tuple[Any, ...]:
    return (
        result.name or None,
        result.tier,
        result.tier_source,
        result.preferences,
        result.identities,
        result.preferred_staff_id,
    )


@PROPERTY
@given(pairs(), survivors, st.integers(-2, 2))
def test_merging_the_result_with_an_empty_profile_changes_nothing(
    pair: tuple[ProfileFacts, ProfileFacts], survivor: str | None, days: int
) -> None:
    result = merged(pair, survivor)
    merged_profile = as_facts(result)
    empty = ProfileFacts(
        id="empty",
        name=None,
        tier="standard",
        tier_source="derived",
        created_at=result.created_at + timedelta(days=days),
        preferences={},
        identities=(),
        preferred_staff_id=None,
    )
    for again in (plan(merged_profile, empty), plan(empty, merged_profile)):
        assert content(again) == content(result)
        assert again.superseded == {}
    # And merging it with itself under another id adds nothing either.
    twin = plan(merged_profile, replace(merged_profile, id="twin"))
    assert content(twin) == content(result)
    assert twin.superseded == {}
