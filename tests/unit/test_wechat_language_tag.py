"""WeChat's user-info language tags: kept as given when shaped like a tag, and mapped to
the languages the hub writes by hub.i18n's rules (underscores and Chinese scripts)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.wechat.api import language_tag
from hub.i18n import supported


@pytest.mark.parametrize(
    ("given", "kept", "written"),
    [
        ("zh_CN", "zh_CN", "zh-Hans"),
        ("zh_TW", "zh_TW", "zh-Hant"),
        ("zh_HK", "zh_HK", "zh-Hant"),
        ("en", "en", "en"),
        (" ja ", "ja", "ja"),
        ("pt_BR", "pt_BR", None),  # kept, but not a language the hub writes
    ],
)
def test_wechat_tags_are_kept_and_mapped(given: str, kept: str, written: str | None) -> None:
    assert language_tag(given) == kept
    assert supported(language_tag(given)) == written


@pytest.mark.parametrize("given", [None, "", 42, "<b>en</b>", "e", "en_" + "x" * 20, "中文"])
def test_anything_not_shaped_like_a_tag_is_not_kept(given: Any) -> None:
    assert language_tag(given) is None
