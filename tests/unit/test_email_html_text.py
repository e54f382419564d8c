"""HTML bodies become plain text an ambassador can read safely; hostile markup stays cheap."""

from __future__ import annotations

import time

import pytest

from adapters.email.html_text import TEXT_LIMIT, html_to_text


def test_scripts_styles_head_and_comments_are_dropped() -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><!-- secret --><!--[if mso]><p>mso only</p><![endif]-->"
        "<p>Visible</p><template><p>tpl</p></template></body></html>"
    )
    assert html_to_text(html) == "Visible"


def test_blocks_become_lines_and_list_items_bullets() -> None:
    html = (
        "<h1>Order</h1><p>First<br>second</p><div>third</div>"
        "<ul><li>Ring</li><li>Bracelet</li></ul><table><tr><td>a</td><td>b</td></tr>"
        "<tr><td>c</td></tr></table><blockquote>q</blockquote>"
    )
    assert html_to_text(html) == (
        "Order\n\nFirst\nsecond\n\nthird\n\n• Ring\n• Bracelet\n\na b\nc\n\nq"
    )


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<a href="https://example.com/o/1">your order</a>',
            "your order (https://example.com/o/1)",
        ),
        ('<a href="https://example.com/">https://example.com</a>', "https://example.com"),
        ('<a href="https://example.com">example.com</a>', "example.com"),
        ('<a href="mailto:a@b.c">a@b.c</a>', "a@b.c"),
        ('<a href="mailto:a@b.c">write to us</a>', "write to us (mailto:a@b.c)"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ('<a href="data:text/html,x">click</a>', "click"),
        ('<a href="https://x.example/"><img src="logo.png"></a>', ""),
    ],
)
def test_links(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_entities_are_decoded_and_whitespace_collapsed() -> None:
    html = "<p>  Caf&eacute;&nbsp;&amp;   th&#233;\n\n  &lt;b&gt;not a tag&lt;/b&gt; </p>"
    assert html_to_text(html) == "Café & thé <b>not a tag</b>"


def test_never_markup() -> None:
    text = html_to_text("<scr<script>ipt>alert(1)</script><img src=x onerror=alert(1)><b>bold")
    assert "<script" not in text and "onerror" not in text
    assert text.endswith("bold")


def test_a_head_never_closed_ends_at_the_body() -> None:
    assert html_to_text("<head><style>x</style><body><p>Hello</p>") == "Hello"


def test_output_is_capped() -> None:
    assert len(html_to_text("<p>" + "word " * 100_000 + "</p>")) == TEXT_LIMIT


@pytest.mark.parametrize(
    "markup",
    [
        "<a" * 300_000,
        "</" * 300_000,
        "<?" * 300_000,
        "<![" * 200_000,
        "<!--" * 200_000,
        '<a b="' * 100_000,
        "<![CDATA[>" * 60_000,
        "<div>" * 120_000,
    ],
)
def test_unclosed_markup_is_linear(markup: str) -> None:
    # html.parser alone needs minutes for some of these (seven for 500,000 "<a").
    started = time.perf_counter()
    html_to_text(markup)
    assert time.perf_counter() - started < 2
