"""Folding the quoted history of plain-text and HTML replies, and only a trailing one."""

from __future__ import annotations

import pytest

from adapters.email.html_text import html_to_text
from adapters.email.quotes import split_quoted, split_quoted_html

ATTRIBUTIONS = [
    "On Tue, 24 Nov 2026 at 10:00, Anna <a@b.c> wrote:",
    "On 24 Nov 2026, at 10:00, Anna <a@b.c> wrote:",
    "Le mar. 24 nov. 2026 à 10:00, Anna <a@b.c> a écrit :",
    "Am 24.11.2026 um 10:00 schrieb Anna <a@b.c>:",
    "在 2026年11月24日 10:00，Anna <a@b.c> 写道：",  # noqa: RUF001
    "El mar, 24 nov 2026 a las 10:00, Anna (<a@b.c>) escribió:",
]


@pytest.mark.parametrize("attribution", ATTRIBUTIONS)
def test_attribution_then_quote(attribution: str) -> None:
    text = f"Thank you!\n\n{attribution}\n> Dear Anna,\n> see you soon"
    assert split_quoted(text) == ("Thank you!", f"{attribution}\n> Dear Anna,\n> see you soon")


def test_attribution_wrapped_over_two_lines() -> None:
    text = (
        "Yes.\n\nOn Tue, Nov 24, 2026 at 10:00 AM Maison Lumiere <\n"
        "paris@hub.example.com> wrote:\n\n> Hi"
    )
    new, quoted = split_quoted(text)
    assert new == "Yes."
    assert quoted is not None and quoted.startswith("On Tue, Nov 24, 2026 at 10:00 AM")


def test_an_unprefixed_quote_after_an_attribution() -> None:
    text = "Ok!\n\nOn Tue, 24 Nov 2026 at 10:00, Anna <a@b.c> wrote:\n\nold, not prefixed"
    assert split_quoted(text)[1] == (
        "On Tue, 24 Nov 2026 at 10:00, Anna <a@b.c> wrote:\n\nold, not prefixed"
    )


@pytest.mark.parametrize(
    "block",
    [
        "-----Original Message-----\nFrom: Anna\nSent: Tuesday\nTo: Paris\nSubject: RE: bag\n\nold",
        "From: Anna <a@b.c>\nSent: Tuesday, 24 November 2026 10:00\nTo: Paris\n"
        "Subject: RE: bag\n\nold",
        "________________________________\nFrom: Anna <a@b.c>\nSent: Tuesday\nTo: Paris\n"
        "Subject: bag\n\nold",
        "*From:* Anna <a@b.c>\n*Sent:* Tuesday\n*To:* Paris\n*Subject:* bag\n\nold",
        "-----Ursprüngliche Nachricht-----\nVon: Anna\nGesendet: Dienstag\nBetreff: Tasche\n\nalt",
        "发件人: Anna <a@b.c>\n发送时间: 2026年11月24日 10:00\n收件人: Paris\n主题: 包\n\n旧",
    ],
)
def test_outlook_header_blocks(block: str) -> None:
    assert split_quoted(f"See you Thursday.\n\n{block}") == ("See you Thursday.", block)


def test_a_from_line_without_the_rest_of_a_header_block_is_text() -> None:
    text = "From: Paris, with love.\nWe loved the visit."
    assert split_quoted(text) == (text, None)


def test_trailing_quote_block_with_a_signature_after_it() -> None:
    text = "Great.\n\n> old line\n> old line 2\n\n-- \nAnna Lindqvist"
    assert split_quoted(text) == ("Great.", "> old line\n> old line 2\n\n-- \nAnna Lindqvist")


def test_mobile_signature_before_the_quote_stays_new() -> None:
    text = "Perfect.\n\nSent from my iPhone\n\nOn 24 Nov 2026, at 10:00, Anna <a@b.c> wrote:\n> hi"
    assert split_quoted(text)[0] == "Perfect.\n\nSent from my iPhone"


def test_a_mobile_signature_alone_is_not_enough_to_fold() -> None:
    text = "Sent from my iPhone\n\nOn 24 Nov 2026, at 10:00, Anna <a@b.c> wrote:\n> hi"
    assert split_quoted(text) == (text, None)


def test_inline_answers_are_not_folded() -> None:
    text = "> Do you have it in blue?\nYes, navy.\n> And the price?\n2 400 €."
    assert split_quoted(text) == (text, None)


def test_only_the_last_unanswered_quote_is_folded() -> None:
    text = "Yes, navy.\n> Do you have it in blue?\nIt is 2 400 €.\n> price?\n> sizes?"
    assert split_quoted(text) == (
        "Yes, navy.\n> Do you have it in blue?\nIt is 2 400 €.",
        "> price?\n> sizes?",
    )


def test_a_bottom_posted_answer_is_not_folded() -> None:
    text = "On Tue, 24 Nov 2026 at 10:00, Anna <a@b.c> wrote:\n> Do you have it?\n\nYes we do."
    assert split_quoted(text) == (text, None)


def test_prose_that_looks_a_little_like_an_attribution() -> None:
    text = "On Monday I wrote to you: did you get it?\nThanks"
    assert split_quoted(text) == (text, None)


def test_html_gmail_quote() -> None:
    html = (
        '<div dir="ltr">See you then.</div><div class="gmail_quote gmail_quote_container">'
        '<div class="gmail_attr">On Tue, Anna wrote:</div><blockquote class="gmail_quote">old'
        "</blockquote></div>"
    )
    assert split_quoted_html(html) == ("See you then.", "On Tue, Anna wrote:\n\nold")


def test_html_apple_mail_attribution_above_the_blockquote_joins_the_quote() -> None:
    html = (
        "<div>Thanks!</div><div>On 24 Nov 2026, at 10:00, Anna &lt;a@b.c&gt; wrote:</div>"
        '<blockquote type="cite">old</blockquote>'
    )
    assert split_quoted_html(html) == (
        "Thanks!",
        "On 24 Nov 2026, at 10:00, Anna <a@b.c> wrote:\nold",
    )


def test_html_thunderbird_cite_prefix() -> None:
    html = (
        '<p>New text</p><div class="moz-cite-prefix">On 24/11/2026 10:00, Anna wrote:<br></div>'
        '<blockquote type="cite">old</blockquote>'
    )
    assert split_quoted_html(html) == ("New text", "On 24/11/2026 10:00, Anna wrote:\n\nold")


def test_html_inline_blockquotes_with_answers_are_not_folded() -> None:
    html = (
        '<blockquote type="cite">q1</blockquote><div>a1</div>'
        '<blockquote type="cite">q2</blockquote><div>a2</div>'
    )
    assert split_quoted_html(html) == ("q1\n\na1\n\nq2\n\na2", None)


def test_html_outlook_desktop_header_block_is_found_in_the_text() -> None:
    html = (
        "<p>Hi</p><p><b>From:</b> Anna<br><b>Sent:</b> Tue<br><b>To:</b> x<br>"
        "<b>Subject:</b> y</p><p>old</p>"
    )
    assert split_quoted_html(html) == ("Hi", "From: Anna\nSent: Tue\nTo: x\nSubject: y\n\nold")


def test_html_that_is_only_a_quote_keeps_it() -> None:
    assert split_quoted_html('<div class="gmail_quote">only a quote</div>') == (
        "only a quote",
        None,
    )


def test_the_quote_mark_cannot_be_smuggled_in() -> None:
    assert html_to_text("a\ue000b") == "ab"
    assert split_quoted_html("new\ue000 old") == ("new old", None)


def test_html_an_older_outlook_separator_inside_a_gmail_quote_does_not_move_it() -> None:
    html = (
        '<div>Yes.</div><div class="gmail_quote"><div>On Tue, Anna wrote:</div>'
        '<blockquote class="gmail_quote">Hello<div id="divRplyFwdMsg">From: X</div>older'
        "</blockquote></div>"
    )
    new, quoted = split_quoted_html(html)
    assert new == "Yes."
    assert quoted is not None and quoted.startswith("On Tue, Anna wrote:")
