"""Deciding whether two profiles are one customer, and planning their merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.profiles.identity import (
    EMAIL,
    PHONE,
    POS_CUSTOMER_NO,
    VISITOR,
    WECHAT_OPENID,
    WECHAT_UNIONID,
    Identity,
)
from hub.profiles.merge import (
    MergePlan,
    ProfileFacts,
    merge_preferences,
    merge_reason,
    plan,
    suggest,
    union_identities,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def profile(
    id: str,
    *identities: Identity,
    created_at: datetime = T0,
    name: str | None = None,
    tier: str = "standard",
    tier_source: str = "derived",
    preferences: dict[str, Any] | None = None,
    preferred_staff_id: str | None = None,
) -> ProfileFacts:
    return ProfileFacts(
        id=id,
        name=name,
        tier=tier,
        tier_source=tier_source,
        created_at=created_at,
        preferences=preferences or {},
        identities=identities,
        preferred_staff_id=preferred_staff_id,
    )


def verified(kind: str, value: str) -> Identity:
    return Identity(kind, value, True)


def claimed(kind: str, value: str) -> Identity:
    return Identity(kind, value, False)


ADA = "ada@x.com"


class TestMergeReason:
    def test_a_verified_identity_on_both_allows_an_automatic_merge(self) -> None:
        a = profile("a", verified(EMAIL, ADA), claimed(VISITOR, "v1"))
        b = profile("b", verified(EMAIL, ADA), claimed(WECHAT_OPENID, "o1"))
        assert merge_reason(a, b) == "verified email ada@x.com"
        assert merge_reason(b, a) == "verified email ada@x.com"

    @pytest.mark.parametrize(
        ("mine", "theirs"),
        [
            (verified(EMAIL, ADA), claimed(EMAIL, ADA)),
            (claimed(EMAIL, ADA), verified(EMAIL, ADA)),
            (claimed(EMAIL, ADA), claimed(EMAIL, ADA)),
            (verified(EMAIL, ADA), verified(EMAIL, "bob@x.com")),
            (verified(EMAIL, "+33142965000"), verified(PHONE, "+33142965000")),
        ],
    )
    def test_a_claim_is_not_enough(self, mine: Identity, theirs: Identity) -> None:
        assert merge_reason(profile("a", mine), profile("b", theirs)) is None

    def test_any_kind_counts_and_the_reason_is_stable(self) -> None:
        a = profile(
            "a",
            verified(WECHAT_UNIONID, "u1"),
            verified(PHONE, "+33612345678"),
            verified(EMAIL, ADA),
        )
        b = profile(
            "b",
            verified(EMAIL, ADA),
            verified(PHONE, "+33612345678"),
            verified(WECHAT_UNIONID, "u1"),
        )
        assert merge_reason(a, b) == "verified email ada@x.com"
        assert (
            merge_reason(
                profile("a", verified(WECHAT_UNIONID, "u1")),
                profile("b", verified(WECHAT_UNIONID, "u1")),
            )
            == "verified wechat_unionid u1"
        )
        assert (
            merge_reason(
                profile("a", verified(POS_CUSTOMER_NO, "P1")),
                profile("b", verified(POS_CUSTOMER_NO, "P1")),
            )
            == "verified POS customer number P1"
        )

    def test_nothing_shared(self) -> None:
        assert merge_reason(profile("a"), profile("b")) is None

    def test_a_profile_is_not_merged_with_itself(self) -> None:
        a = profile("a", verified(EMAIL, ADA))
        assert merge_reason(a, a) is None
        assert suggest(a, a) is None


class TestSuggest:
    @pytest.mark.parametrize(
        ("mine", "theirs", "reason"),
        [
            (claimed(EMAIL, ADA), claimed(EMAIL, ADA), "claimed email ada@x.com"),
            (verified(EMAIL, ADA), claimed(EMAIL, ADA), "claimed email ada@x.com"),
            (verified(EMAIL, ADA), verified(EMAIL, ADA), "verified email ada@x.com"),
            (
                claimed(PHONE, "+33612345678"),
                verified(PHONE, "+33612345678"),
                "claimed phone +33612345678",
            ),
            (
                claimed(POS_CUSTOMER_NO, "P1"),
                claimed(POS_CUSTOMER_NO, "P1"),
                "claimed POS customer number P1",
            ),
        ],
    )
    def test_a_shared_email_phone_or_pos_number(
        self, mine: Identity, theirs: Identity, reason: str
    ) -> None:
        assert suggest(profile("a", mine), profile("b", theirs)) == reason

    @pytest.mark.parametrize("kind", [VISITOR, WECHAT_OPENID, WECHAT_UNIONID])
    def test_other_kinds_are_not_suggested(self, kind: str) -> None:
        assert (
            suggest(profile("a", verified(kind, "x1")), profile("b", verified(kind, "x1"))) is None
        )

    def test_a_verified_match_is_named_first(self) -> None:
        a = profile("a", claimed(EMAIL, ADA), verified(PHONE, "+33612345678"))
        b = profile("b", claimed(EMAIL, ADA), verified(PHONE, "+33612345678"))
        assert suggest(a, b) == "verified phone +33612345678"

    def test_nothing_shared(self) -> None:
        assert (
            suggest(profile("a", claimed(EMAIL, ADA)), profile("b", claimed(EMAIL, "bob@x.com")))
            is None
        )


class TestPlan:
    def test_the_older_profile_survives(self) -> None:
        old = profile("old", created_at=T0)
        new = profile("new", created_at=T0 + timedelta(days=1))
        for a, b in ((old, new), (new, old)):
            result = plan(a, b)
            assert (result.survivor_id, result.moved) == ("old", "new")
            assert result.created_at == T0

    def test_the_first_given_survives_a_tie(self) -> None:
        assert plan(profile("a"), profile("b")).survivor_id == "a"
        assert plan(profile("b"), profile("a")).survivor_id == "b"

    def test_the_survivor_can_be_named(self) -> None:
        old = profile("old", created_at=T0, name="Ada")
        new = profile("new", created_at=T0 + timedelta(days=1), name="Ada L.")
        result = plan(old, new, survivor_id="new")
        assert (result.survivor_id, result.moved, result.name) == ("new", "old", "Ada L.")
        assert result.created_at == T0  # "customer since" is the older date either way
        assert result.superseded == {"name": "Ada"}

    def test_mistakes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="itself"):
            plan(profile("a"), profile("a"))
        with pytest.raises(ValueError, match="neither"):
            plan(profile("a"), profile("b"), survivor_id="c")

    def test_a_full_plan(self) -> None:
        survivor = profile(
            "s",
            verified(EMAIL, ADA),
            claimed(PHONE, "+33612345678"),
            name="Ada Lovelace",
            tier="vip",
            preferences={
                "language": "fr",
                "colours": ["Red", "Blue"],
                "important_dates": [{"kind": "birthday", "date": "--12-10"}],
            },
        )
        absorbed = profile(
            "x",
            verified(PHONE, "+33612345678"),
            claimed(WECHAT_OPENID, "o1"),
            created_at=T0 + timedelta(days=3),
            name="Ada",
            tier="vvip",
            tier_source="import",
            preferences={
                "language": "en",
                "colours": ["blue", "Green"],
                "ring_size": "52",
                "important_dates": [
                    {"kind": "birthday", "date": "--12-10", "label": "Ada"},
                    {"kind": "anniversary", "date": "2015-06-14"},
                ],
            },
            preferred_staff_id="staff-2",
        )
        assert plan(survivor, absorbed) == MergePlan(
            survivor_id="s",
            moved="x",
            name="Ada Lovelace",
            tier="vvip",
            tier_source="import",
            created_at=T0,
            preferences={
                "language": "fr",
                "colours": ["Red", "Blue", "Green"],
                "important_dates": [
                    {"kind": "birthday", "date": "--12-10", "label": "Ada"},
                    {"kind": "anniversary", "date": "2015-06-14"},
                ],
                "ring_size": "52",
            },
            identities=(
                verified(EMAIL, ADA),
                verified(PHONE, "+33612345678"),
                claimed(WECHAT_OPENID, "o1"),
            ),
            preferred_staff_id="staff-2",
            superseded={"name": "Ada", "preferences.language": "en"},
        )

    def test_the_absorbed_name_fills_a_missing_one(self) -> None:
        for missing in (None, "", "  "):
            result = plan(profile("a", name=missing), profile("b", name="Ada"))
            assert result.name == "Ada"
            assert result.superseded == {}

    @pytest.mark.parametrize(
        ("a", "b", "expected"),
        [
            (("standard", "derived"), ("vip", "derived"), ("vip", "derived")),
            (("vvip", "derived"), ("vip", "manual"), ("vvip", "derived")),
            (("vip", "derived"), ("vip", "import"), ("vip", "import")),
            (("vip", "manual"), ("vip", "import"), ("vip", "manual")),
            (("standard", "manual"), ("vvip", "derived"), ("vvip", "derived")),
            (("legacy-gold", "import"), ("standard", "derived"), ("standard", "derived")),
        ],
    )
    def test_the_higher_tier_wins(
        self, a: tuple[str, str], b: tuple[str, str], expected: tuple[str, str]
    ) -> None:
        survivor = profile("a", tier=a[0], tier_source=a[1])
        absorbed = profile("b", tier=b[0], tier_source=b[1], created_at=T0 + timedelta(1))
        result = plan(survivor, absorbed)
        assert (result.tier, result.tier_source) == expected

    def test_a_deliberate_tier_that_loses_is_recorded(self) -> None:
        result = plan(profile("a", tier="standard", tier_source="manual"), profile("b", tier="vip"))
        assert result.superseded == {"tier": {"tier": "standard", "tier_source": "manual"}}
        assert plan(profile("a"), profile("b", tier="vip")).superseded == {}

    def test_preferred_staff(self) -> None:
        assert plan(profile("a"), profile("b", preferred_staff_id="s2")).preferred_staff_id == "s2"
        result = plan(profile("a", preferred_staff_id="s1"), profile("b", preferred_staff_id="s2"))
        assert result.preferred_staff_id == "s1"
        assert result.superseded == {"preferred_staff_id": "s2"}

    def test_the_inputs_are_not_changed_or_shared(self) -> None:
        prefs = {"colours": ["Red"], "important_dates": [{"kind": "other", "date": "--01-01"}]}
        a = profile("a", preferences=prefs)
        b = profile(
            "b",
            preferences={"important_dates": [{"kind": "other", "date": "--01-01", "label": "L"}]},
        )
        result = plan(a, b)
        result.preferences["colours"].append("Blue")
        assert prefs == {
            "colours": ["Red"],
            "important_dates": [{"kind": "other", "date": "--01-01"}],
        }


class TestPieces:
    def test_verified_wins_when_an_identity_appears_twice(self) -> None:
        assert union_identities(
            [claimed(EMAIL, ADA), claimed(PHONE, "+1")],
            [verified(EMAIL, ADA)],
            [claimed(EMAIL, ADA)],
        ) == (verified(EMAIL, ADA), claimed(PHONE, "+1"))

    def test_lists_union_in_order_ignoring_case(self) -> None:
        merged = merge_preferences(
            {"metals": ["Gold", "Platinum"]}, {"metals": ["platinum", "Silver", "GOLD"]}
        )
        assert merged == {"metals": ["Gold", "Platinum", "Silver"]}

    def test_a_key_only_one_side_has_is_kept(self) -> None:
        assert merge_preferences({"store": "PAR01"}, {"ring_size": "52"}) == {
            "store": "PAR01",
            "ring_size": "52",
        }
        assert merge_preferences({"store": None}, {"store": "LON01"}) == {"store": "LON01"}

    def test_differing_labels_of_one_date_are_superseded_not_lost(self) -> None:
        lost: dict[str, Any] = {}
        merged = merge_preferences(
            {"important_dates": [{"kind": "anniversary", "date": "--06-14", "label": "Wedding"}]},
            {"important_dates": [{"kind": "anniversary", "date": "--06-14", "label": "Mariage"}]},
            lost,
        )
        assert merged == {
            "important_dates": [{"kind": "anniversary", "date": "--06-14", "label": "Wedding"}]
        }
        assert lost == {
            "preferences.important_dates": [
                {"kind": "anniversary", "date": "--06-14", "label": "Mariage"}
            ]
        }

    def test_a_list_against_a_scalar_keeps_the_survivors(self) -> None:
        lost: dict[str, Any] = {}
        assert merge_preferences({"colours": ["Red"]}, {"colours": "Red"}, lost) == {
            "colours": ["Red"]
        }
        assert lost == {"preferences.colours": "Red"}

    def test_legacy_values_survive(self) -> None:
        merged = merge_preferences(
            {"notes": [{"a": 1}, "x"]}, {"notes": [{"a": 1}, 3], "legacy": True}
        )
        assert merged == {"notes": [{"a": 1}, "x", 3], "legacy": True}
