"""Pure attention rules: tags, outcomes, the LIKE pattern, snippets and paging cursors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub import conversation_labels as labels
from hub import search_terms
from hub.conversation_search import phone_digits
from hub.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (" VIP ", "vip"),
        ("Cadeau   Noël", "cadeau noël"),
        ("Cafe\u0301", "café"),  # a combining accent becomes the one letter
        ("婚礼", "婚礼"),
        ("taille_52-b", "taille_52-b"),
        ("x" * 32, "x" * 32),
    ],
)
def test_tags_are_stored_one_way_whoever_typed_them(raw: str, stored: str) -> None:
    assert labels.tag(raw) == stored


@pytest.mark.parametrize("raw", ["", "   ", "x" * 33, "<b>", "a/b", "😀", "a.b", 5, None])
def test_tags_outside_the_rule_are_refused_naming_the_field(raw: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        labels.tag(raw)
    assert refused.value.field == "tags"


def test_a_conversation_holds_ten_tags_each_once() -> None:
    assert labels.tags(["VIP", "vip ", "Mariage"]) == ["vip", "mariage"]
    assert len(labels.tags([f"t{n}" for n in range(10)] + ["T1"])) == 10
    with pytest.raises(InvalidInput):
        labels.tags([f"t{n}" for n in range(11)])
    with pytest.raises(InvalidInput):
        labels.tags("vip")


def test_outcomes_are_one_of_the_list_or_none() -> None:
    assert labels.outcome(None) is None and labels.outcome("") is None
    assert [labels.outcome(o) for o in labels.OUTCOMES] == list(labels.OUTCOMES)
    for wrong in ("Purchase", "sold", 1, ["purchase"]):
        with pytest.raises(InvalidInput):
            labels.outcome(wrong)
    assert labels.close_note("  ") is None and labels.close_note(" ok ") == "ok"
    with pytest.raises(InvalidInput):
        labels.close_note("x" * 1001)


def test_wildcards_and_the_escape_character_are_literal() -> None:
    assert search_terms.like_pattern("50%") == "%50\\%%"
    assert search_terms.like_pattern("A_b") == "%a\\_b%"
    assert search_terms.like_pattern("c:\\x") == "%c:\\\\x%"


def test_queries_are_trimmed_and_bounded() -> None:
    assert search_terms.query_text(None) is None and search_terms.query_text("   ") is None
    assert search_terms.query_text("  bague   or ") == "bague or"
    for wrong in ("a", "x" * 201):
        with pytest.raises(InvalidInput):
            search_terms.query_text(wrong)


def test_a_snippet_shows_the_match_in_its_context() -> None:
    short = "Je cherche une bague"
    assert search_terms.snippet(short, "bague") == short
    long = " ".join(["avant"] * 40) + " la BAGUE Étoile " + " ".join(["après"] * 40)
    cut = search_terms.snippet(long, "bague")
    assert "BAGUE Étoile" in cut and cut.startswith("…") and cut.endswith("…")
    assert len(cut) <= search_terms.SNIPPET_WIDTH + 2
    assert search_terms.snippet("x" * 300, "absent").startswith("x")


def test_cursors_round_trip_to_the_microsecond_and_refuse_anything_else() -> None:
    at = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)
    assert search_terms.parse_cursor(search_terms.cursor(at, "abc-1")) == (at, "abc-1")
    assert search_terms.parse_cursor(None) is None
    for wrong in ("x", "12_", "_abc", "1.5_abc", "12_a b", "9" * 17 + "_a"):
        with pytest.raises(InvalidInput):
            search_terms.parse_cursor(wrong)


def test_phone_numbers_match_their_stored_e164_digits() -> None:
    assert phone_digits("06 12 34 56 78") == ["0612345678", "612345678"]
    assert phone_digits("+33 6 12 34 56 78") == ["33612345678"]
    assert phone_digits("bague") == [] and phone_digits("12") == []


def test_a_nul_in_a_search_or_a_close_note_is_refused_naming_the_field() -> None:
    """PostgreSQL cannot compare or store a NUL: a 400 naming the field, not a 500."""
    with pytest.raises(InvalidInput) as search:
        search_terms.query_text("ring\x00size")
    assert search.value.field == "q"
    with pytest.raises(InvalidInput) as note:
        labels.close_note("sold\x00", "note")
    assert note.value.field == "note"
