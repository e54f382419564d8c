"""Preferences ambassadors record: every field checked, bad values named by their path."""

from __future__ import annotations

from typing import Any

import pytest

from hub.profiles.preferences import (
    MAX_ITEMS,
    InvalidPreference,
    apply,
    validate_preferences,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("zh-Hans", "zh-Hans"),
        ("zh-hans", "zh-Hans"),
        ("zh_Hant_TW", "zh-Hant-TW"),
        ("en-gb", "en-GB"),
        (" es-419 ", "es-419"),
        ("yue", "yue"),
    ],
)
def test_language_tags_are_written_the_usual_way(raw: str, expected: str) -> None:
    assert validate_preferences({"language": raw}) == {"language": expected}


@pytest.mark.parametrize("raw", ["f", "french", "fr-", "fr--FR", "1fr", "fr FR", "", 33, "x" * 17])
def test_bad_language_tags(raw: Any) -> None:
    with pytest.raises(InvalidPreference) as caught:
        validate_preferences({"language": raw})
    assert caught.value.field == "language"


def test_store_codes_are_upper_cased() -> None:
    assert validate_preferences({"store": " par01 "}) == {"store": "PAR01"}
    assert validate_preferences({"store": "lon-bond_st"}) == {"store": "LON-BOND_ST"}


@pytest.mark.parametrize("raw", ["P", "PAR 01", "-PAR", "P" * 33, 1, ""])
def test_bad_store_codes(raw: Any) -> None:
    with pytest.raises(InvalidPreference, match="store") as caught:
        validate_preferences({"store": raw})
    assert caught.value.field == "store"


def test_ambassador_is_an_id() -> None:
    staff_id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    assert validate_preferences({"ambassador": staff_id}) == {"ambassador": staff_id}
    for bad in ("Ada Lovelace", "", 7, "x" * 65):
        with pytest.raises(InvalidPreference) as caught:
            validate_preferences({"ambassador": bad})
        assert caught.value.field == "ambassador"


@pytest.mark.parametrize("channel", ["webchat", "wechat", "email", "phone", "post"])
def test_channels(channel: str) -> None:
    assert validate_preferences({"channel": channel.upper()}) == {"channel": channel}


def test_unknown_channel() -> None:
    with pytest.raises(InvalidPreference, match="channel must be one of webchat, wechat"):
        validate_preferences({"channel": "sms"})


@pytest.mark.parametrize("key", ["colours", "metals", "collections", "categories"])
def test_lists_are_trimmed_and_de_duplicated(key: str) -> None:
    raw = ["  Rose gold ", "rose  gold", "Platinum", "ROSE GOLD", "platinum", "Yellow gold"]
    assert validate_preferences({key: raw}) == {key: ["Rose gold", "Platinum", "Yellow gold"]}
    assert validate_preferences({key: []}) == {key: []}


def test_lists_hold_at_most_twenty_items() -> None:
    items = [f"item {n}" for n in range(MAX_ITEMS)]
    assert validate_preferences({"colours": items}) == {"colours": items}
    with pytest.raises(InvalidPreference, match="more than 20 items") as caught:
        validate_preferences({"colours": [*items, "one more"]})
    assert caught.value.field == "colours"
    # Duplicates do not count towards the limit.
    assert validate_preferences({"colours": [*items, "ITEM 0"]}) == {"colours": items}


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ("gold", "metals", "metals must be a list"),
        ({"gold": True}, "metals", "metals must be a list"),
        (["gold", ""], "metals[1]", "metals[1] must be a non-empty string"),
        (["gold", "  "], "metals[1]", "non-empty string"),
        (["gold", 18], "metals[1]", "non-empty string"),
        (["gold", None], "metals[1]", "non-empty string"),
        (["x" * 61], "metals[0]", "metals[0] is longer than 60 characters"),
    ],
)
def test_bad_list_values_name_the_item(raw: Any, field: str, message: str) -> None:
    with pytest.raises(InvalidPreference, match=message.replace("[", r"\[")) as caught:
        validate_preferences({"metals": raw})
    assert caught.value.field == field


def test_an_item_of_sixty_characters_is_fine() -> None:
    assert validate_preferences({"collections": ["x" * 60]}) == {"collections": ["x" * 60]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("52", "52"),
        ("6 1/2", "6 1/2"),
        (" 6  1/2 ", "6 1/2"),
        ("M½", "M½"),
        ("11.5", "11.5"),
        (52, "52"),
    ],
)
def test_ring_sizes(raw: Any, expected: str) -> None:
    assert validate_preferences({"ring_size": raw}) == {"ring_size": expected}


@pytest.mark.parametrize("raw", ["123456789", "", "size?", "<52>", True, 52.5, ["52"]])
def test_bad_ring_sizes(raw: Any) -> None:
    with pytest.raises(InvalidPreference) as caught:
        validate_preferences({"ring_size": raw})
    assert caught.value.field == "ring_size"


def test_important_dates() -> None:
    raw = [
        {"kind": "birthday", "date": "--04-12"},
        {"kind": "Anniversary", "date": "2019-06-14", "label": " Wedding "},
        {"kind": "other", "date": "--02-29", "label": ""},
        {"kind": "other", "date": "2024-02-29", "label": None},
    ]
    assert validate_preferences({"important_dates": raw}) == {
        "important_dates": [
            {"kind": "birthday", "date": "--04-12"},
            {"kind": "anniversary", "date": "2019-06-14", "label": "Wedding"},
            {"kind": "other", "date": "--02-29"},
            {"kind": "other", "date": "2024-02-29"},
        ]
    }


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ("--04-12", "important_dates", "must be a list"),
        (["--04-12"], "important_dates[0]", "must be an object with kind and date"),
        ([{"date": "--04-12"}], "important_dates[0].kind", "must be a non-empty string"),
        ([{"kind": "name_day", "date": "--04-12"}], "important_dates[0].kind", "birthday"),
        ([{"kind": "birthday"}], "important_dates[0].date", "must be a non-empty string"),
        (
            [{"kind": "birthday", "date": "--04-12"}, {"kind": "other", "date": "2026-02-30"}],
            "important_dates[1].date",
            "is not a real date",
        ),
        ([{"kind": "other", "date": "2025-02-29"}], "important_dates[0].date", "not a real date"),
        ([{"kind": "other", "date": "--13-01"}], "important_dates[0].date", "not a real date"),
        ([{"kind": "other", "date": "--04-31"}], "important_dates[0].date", "not a real date"),
        ([{"kind": "other", "date": "12/04/1990"}], "important_dates[0].date", "YYYY-MM-DD"),
        ([{"kind": "other", "date": "1990-4-12"}], "important_dates[0].date", "YYYY-MM-DD"),
        ([{"kind": "other", "date": "04-12"}], "important_dates[0].date", "--MM-DD"),
        ([{"kind": "other", "date": 19900412}], "important_dates[0].date", "non-empty string"),
        (
            [{"kind": "other", "date": "--04-12", "note": "x"}],
            "important_dates[0].note",
            "is not a date field",
        ),
        (
            [{"kind": "other", "date": "--04-12", "label": 5}],
            "important_dates[0].label",
            "non-empty string",
        ),
        (
            [{"kind": "other", "date": "--04-12", "label": "x" * 101}],
            "important_dates[0].label",
            "longer than 100",
        ),
        (
            [{"kind": "birthday", "date": "--04-12"}, {"kind": "birthday", "date": "--04-12"}],
            "important_dates[1]",
            "repeats birthday --04-12",
        ),
        (
            [{"kind": "other", "date": f"--01-{d:02}"} for d in range(1, 22)],
            "important_dates",
            "20",
        ),
    ],
)
def test_bad_dates_name_the_path(raw: Any, field: str, message: str) -> None:
    with pytest.raises(InvalidPreference, match=message) as caught:
        validate_preferences({"important_dates": raw})
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_the_same_day_may_be_two_kinds_of_date() -> None:
    raw = [{"kind": "birthday", "date": "--04-12"}, {"kind": "other", "date": "--04-12"}]
    assert len(validate_preferences({"important_dates": raw})["important_dates"]) == 2


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(InvalidPreference, match="'favourite_stone' is not a preference") as caught:
        validate_preferences({"language": "fr", "favourite_stone": "emerald"})
    assert caught.value.field == "favourite_stone"


def test_the_patch_must_be_an_object() -> None:
    for bad in (["language"], "fr", None):
        with pytest.raises(InvalidPreference) as caught:
            validate_preferences(bad)  # type: ignore[arg-type]
        assert caught.value.field == "preferences"


def test_null_is_kept_to_mean_remove() -> None:
    assert validate_preferences({"ring_size": None, "colours": None}) == {
        "ring_size": None,
        "colours": None,
    }


def test_a_partial_update_leaves_the_rest() -> None:
    current = {"language": "fr", "store": "PAR01", "colours": ["Red"], "ring_size": "52"}
    patch = {"store": "lon01", "colours": ["Blue", "blue"], "ring_size": None, "metals": ["Gold"]}
    assert apply(current, patch) == {
        "language": "fr",
        "store": "LON01",
        "colours": ["Blue"],
        "metals": ["Gold"],
    }
    assert current["store"] == "PAR01"  # not changed in place


def test_removing_a_missing_key_is_fine() -> None:
    assert apply({}, {"ring_size": None}) == {}
    assert apply({"language": "fr"}, {}) == {"language": "fr"}


def test_a_bad_patch_changes_nothing() -> None:
    current = {"language": "fr"}
    with pytest.raises(InvalidPreference):
        apply(current, {"language": "en", "ring_size": "way too long"})
    assert current == {"language": "fr"}


def test_stored_values_outside_the_patch_are_kept_even_if_not_valid_today() -> None:
    current = {"legacy_note": "likes emeralds", "colours": ["x" * 80]}
    assert apply(current, {"language": "en"}) == {**current, "language": "en"}
