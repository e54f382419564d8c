"""Decoding a part's bytes by its declared charset without ever failing.

Mail programs declare the narrow charset and send its Microsoft superset (GB2312 for GBK,
Shift_JIS for cp932, Big5 for cp950, ISO-8859-1 for windows-1252), so a strict decode
with the declared label is tried first, then the superset, then the label with U+FFFD.
An unknown label reads as UTF-8 with replacement; a label naming a non-text codec
(``zlib``, ``base64``) or an escape codec (``unicode_escape``) is treated as unknown.
"""

from __future__ import annotations

import codecs
import re

_LABEL = re.compile(r"[a-z0-9][a-z0-9_.:+-]{0,39}")
_ASCII = {"ascii", "us-ascii", "ansi_x3.4-1968", "us", "646", "iso646-us"}
_UTF8 = {"utf-8", "utf8", "utf_8", "unicode-1-1-utf-8"}
# Codec names (as codecs.lookup spells them) that decode text but are not charsets.
_REFUSED = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
# What to try, strictly and in order, for a declared codec; the first is also the one to
# decode with replacement when none fits.
_DECODERS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "big5": ("big5", "cp950", "big5hkscs"),
    "cp950": ("cp950", "big5hkscs"),
    "shift_jis": ("shift_jis", "cp932"),
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "iso2022_jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"),
    "euc_kr": ("euc_kr", "cp949"),  # ks_c_5601-1987 is Python's alias of euc_kr
    "iso8859-1": ("cp1252", "iso8859-1"),  # as browsers do: C1 controls are never meant
}
# The labels to put into an encoded word instead (headers are decoded by the email
# package, which knows no fallback): the superset decodes everything the label does.
_HEADER_LABELS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "cp950",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
}
_ENCODED_WORD_LABEL = re.compile(r"=\?([A-Za-z0-9_.:+-]{1,40})(?=[?*])")


def codec_name(label: str | None) -> str | None:
    """Python's name for a charset label from a mail, or None when there is no usable one."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if not _LABEL.fullmatch(label):
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return None if name in _REFUSED else name


def decode_text(data: bytes, label: str | None) -> str:
    """``data`` as text; never raises, whatever the label says."""
    clean = (label or "").strip().strip("\"'").lower()
    if not clean or clean in _ASCII:
        # No label, or ASCII declared over 8-bit bytes: UTF-8 is by far the likeliest.
        return _first_strict(data, ("utf-8", "cp1252")) or data.decode("utf-8", "replace")
    name = codec_name(clean)
    if name is None or clean in _UTF8 or name == "utf-8":
        return data.decode("utf-8", "replace")
    candidates = _DECODERS.get(name, (name,))
    found = _first_strict(data, candidates)
    if found is not None:
        return found
    try:
        return data.decode(candidates[0], "replace")
    except (LookupError, UnicodeError, ValueError):
        return data.decode("utf-8", "replace")


def header_labels(value: str) -> str:
    """``value`` with each encoded word's charset label swapped for its superset."""
    if "=?" not in value:
        return value
    return _ENCODED_WORD_LABEL.sub(
        lambda match: "=?" + _HEADER_LABELS.get(match.group(1).lower(), match.group(1)), value
    )


def _first_strict(data: bytes, names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return data.decode(name)
        except (LookupError, UnicodeError, ValueError):
            continue
    return None
