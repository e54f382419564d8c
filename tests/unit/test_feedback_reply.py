"""Which WeChat replies read as a rating: a bare number, as any keyboard types it."""

from __future__ import annotations

import pytest

from hub.feedback_answers import reply_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("4", 4),
        (" 5 \n", 5),
        ("\uff14", 4),  # a full-width 4, as Chinese and Japanese keyboards type it
        ("\uff11\uff10", 10),
        ("0", 0),
        ("10", 10),
        ("5 rings please", None),
        ("4/5", None),
        ("four", None),
        ("", None),
        ("100", None),
        ("-1", None),
        ("4.5", None),
        ("\u0664", None),  # an Arabic-Indic four: not what the question asked for
    ],
)
def test_a_reply_is_a_rating_only_when_it_is_a_bare_number(text: str, number: int | None) -> None:
    assert reply_number(text) == number
