"""Canned reply texts: what is refused at save time, and how a reply reads once filled in."""

from __future__ import annotations

import pytest

from hub.canned_text import check, first_name, placeholders_in, render
from hub.errors import InvalidInput

FULL = {
    "customer.name": "Zoë Ångström",
    "customer.first_name": "Zoë",
    "store.name": "Maison Lumière Paris",
    "ambassador.name": "Amélie Laurent",
    "ambassador.first_name": "Amélie",
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "Dear {customer.first_name}, your ring is ready at {store.name}. {ambassador.name}",
            "Dear Zoë, your ring is ready at Maison Lumière Paris. Amélie Laurent",
        ),
        ("{{customer.name}} is written {customer.name}", "{customer.name} is written Zoë Ångström"),
        ("Braces: {{ and }}", "Braces: { and }"),
        ("{ customer.first_name }!", "Zoë!"),
        ("{ambassador.first_name} 敬上", "Amélie 敬上"),
    ],
)
def test_placeholders_are_filled_with_plain_text(template: str, expected: str) -> None:
    assert render(check(template), FULL).text == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Dear {customer.first_name}, welcome", "Dear, welcome"),
        ("Hello {customer.first_name} and welcome", "Hello and welcome"),
        ("{customer.first_name}, your ring is ready", "your ring is ready"),
        ("Bonjour {customer.first_name}!\nÀ bientôt", "Bonjour!\nÀ bientôt"),
        ("Hi {customer.name}", "Hi"),
        ("Hi {customer.name} {customer.first_name}.", "Hi."),
        ("{customer.name}様、こんにちは", "様、こんにちは"),
        ("尊敬的{customer.name}\uff0c您好", "尊敬的\uff0c您好"),  # a full-width comma
    ],
)
def test_a_missing_value_is_left_out_and_the_text_closed_up(template: str, expected: str) -> None:
    rendered = render(check(template), {**FULL, "customer.name": None, "customer.first_name": ""})
    assert rendered.text == expected
    assert set(rendered.missing) <= {"customer.name", "customer.first_name"}
    assert rendered.missing  # the console points them out


def test_missing_lists_each_empty_placeholder_once_in_order() -> None:
    rendered = render(
        "{customer.first_name} {store.name} {customer.first_name} {customer.name}",
        {"store.name": "Paris"},
    )
    assert rendered.missing == ("customer.first_name", "customer.name")
    assert rendered.text == "Paris"


def test_values_are_one_line_of_text_without_controls_or_direction_overrides() -> None:
    hostile = "<b>Eve</b>\n\u202eevil\x00 \t name"
    rendered = render("Dear {customer.name}.", {"customer.name": hostile})
    assert rendered.text == "Dear <b>Eve</b> evil name."  # text, never markup: shown as typed
    assert render("{customer.name}", {"customer.name": "x" * 500}).text == "x" * 200


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("Dear {customer.age}", "{customer.age}"),
        ("Dear {Customer.Name}", "{Customer.Name}"),
        ("Dear {customer.first_name", "never closed"),
        ("Dear {customer.{first_name}}", "never closed"),
        ("Dear customer.name}", "lone }"),
        ("Dear {}", "{}"),
        ("{store.name\n}", "never closed"),
    ],
)
def test_unknown_placeholders_and_broken_braces_are_refused_naming_them(
    template: str, says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check(template)
    assert refused.value.field == "text"
    assert says in refused.value.message


@pytest.mark.parametrize("value", ["", "   ", None, 3, "x" * 4001])
def test_a_text_is_required_and_bounded(value: object) -> None:
    with pytest.raises(InvalidInput):
        check(value)


def test_placeholders_in_lists_each_once() -> None:
    assert placeholders_in("{store.name} {{x}} {store.name} {ambassador.name}") == (
        "store.name",
        "ambassador.name",
    )


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Zoë Ångström", "Zoë"),
        ("  Jean-Luc   Picard ", "Jean-Luc"),
        ("王伟", "王伟"),
        ("", None),
        (None, None),
    ],
)
def test_first_name_is_the_first_word(name: str | None, first: str | None) -> None:
    assert first_name(name) == first
