"""Certifying plain records cheaply, so PostgreSQL can convert them in bulk.

Pure. A record is *plain* when ``rows.check_row`` would accept it without a warning and
PostgreSQL's input functions read each value exactly as ``check_row`` does: plain amounts,
ISO dates a long way from now and from a daylight-saving change, a known store, a phone
number that normalises, texts within their columns. Such a record becomes one line of
``COPY ... (FORMAT text, NULL '')`` in the staged column order, and the database does the
conversions (``unit_price::numeric``, ``purchased_at AT TIME ZONE``). Anything else goes
through ``check_row``, which stays the only reference for what is accepted and why not.

The check is one compiled regular expression over the whole tab-joined record plus a few
dictionary look-ups, because that is what the reading process can afford per line
(about 1 us, measured); PostgreSQL's regular expressions cost 0.6 to 3 us per value and
PostgreSQL is the busier of the two processes in an import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo

from hub.pos_import.header import COLUMNS, Layout
from hub.pos_import.rows import LIMITS, MAX_NAME, StoreInfo, phone

# The staged columns, after the file line: the store by its position in the import's store
# list, then COLUMNS with the customer's name in one column (first and last name joined).
STAGED = (
    "line", "store", "transaction_id", "line_no", "purchased_at", "customer_no", "name",
    "email", "phone", "sku", "description", "category", "carat", "colour", "clarity", "cut",
    "metal", "quantity", "unit_price", "currency",
)  # fmt: skip

_TEXT = r"[^\t\x00-\x1f\\]"  # no tab, line break, control character or COPY escape
# ISO dates PostgreSQL and datetime.fromisoformat read alike, 1971 to 2999 (1970 may be
# before the epoch in UTC), 29 February left to the reference checks.
_DATE = (
    r"(?:19[89]\d|197[1-9]|2\d\d\d)-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?"
)
# Amounts with at most two decimals read the same whatever the store's notation; three
# decimals after 1-3 digits (1.500) may be thousands, which depends on it.
_PRICE = r"\d{1,12}(?:\.\d\d?)?"
_CARAT = r"(?:\d{1,5}(?:\.\d\d?)?|(?:0\d{0,4}|\d{4,5})\.\d{3})?"


def _limited(column: str) -> str:
    limit = LIMITS[column]
    return f"{_TEXT}{{0,{limit}}}" if limit is not None else f"{_TEXT}*"


def plain_pattern(extras: int) -> re.Pattern[str]:
    """The whole staged record in its plain form, ``extras`` free-text columns at the end."""
    email = r"(?:[^\t\x00-\x20\\@]{1,64}@[^\t\x00-\x20\\@]+\.[^\t\x00-\x20\\@]{2,})?"
    columns = (
        r"\d+", r"\d+", f"{_TEXT}{{1,64}}", r"[1-9]\d{0,8}", _DATE,
        r"(?:[A-Za-z0-9_:.@-]{1,64})?", f"{_TEXT}{{0,{MAX_NAME}}}", email, r"(?:\+\d{1,15})?",
        _limited("sku"), f"{_TEXT}*", _limited("category"), _CARAT, _limited("colour"),
        _limited("clarity"), _limited("cut"), _limited("metal"), r"(?:[1-9]\d{0,4}|100000)?",
        _PRICE, r"[A-Z]{3}",
    )  # fmt: skip
    assert len(columns) == len(STAGED)
    return re.compile("\t".join((*columns, *([f"{_TEXT}*"] * extras))), re.ASCII)


class _RiskyHours(dict[str, frozenset[str]]):
    """Per local date, the hours near a change of the zone's UTC offset.

    PostgreSQL reads a wall-clock time repeated by a daylight-saving change as its second
    occurrence, ``check_row`` (``fold=0``) as its first; such times go to the reference.
    An hour is risky when the offset three hours before differs from four hours after.
    """

    def __init__(self, zone: tzinfo) -> None:
        super().__init__()
        self.zone = zone

    def _offset(self, at: datetime) -> timedelta | None:
        return at.replace(tzinfo=self.zone).utcoffset()

    def __missing__(self, day: str) -> frozenset[str]:
        if len(self) >= 4096:  # bounded: an export spans a few hundred days at most
            self.clear()
        midnight = datetime.fromisoformat(day)
        before, after = timedelta(hours=3), timedelta(hours=4)
        hours: frozenset[str] = frozenset()
        if self._offset(midnight - before) != self._offset(midnight + timedelta(hours=23) + after):
            hours = frozenset(
                f"{hour:02d}"
                for hour in range(24)
                if self._offset(midnight + timedelta(hours=hour) - before)
                != self._offset(midnight + timedelta(hours=hour) + after)
            )
        self[day] = hours
        return hours


class _Stores(dict[str, "tuple[str, str, _RiskyHours] | None"]):
    """(staged position, country, risky hours) by store code as written in the file."""

    def __init__(self, stores: Sequence[StoreInfo]) -> None:
        super().__init__()
        self.by_code = {
            store.code.upper(): (str(index), store.country, _RiskyHours(store.zone))
            for index, store in enumerate(stores)
        }

    def __missing__(self, code: str) -> tuple[str, str, _RiskyHours] | None:
        found = self.by_code.get(code.upper())
        if found is not None:  # only known codes: a file's garbage must not fill memory
            self[code] = found
        return found


Stage = Callable[[int, list[str]], "str | None"]


def stager(layout: Layout, stores: Sequence[StoreInfo], not_after: datetime) -> Stage:
    """A function from (line, fields) to the staged COPY line, or None when not plain.

    ``fields`` must have the header's width. ``stores`` is the import's store list: the
    staged store column is a position in it. Phone numbers are normalised through
    ``rows.phone``, whose bounded cache parses each distinct number once, not per line.
    """
    (tx, ln, st, at, cno, first, last, mail, tel, sku, desc, cat, carat, colour, clarity,
     cut, metal, qty, price, cur) = layout.positions  # fmt: skip
    extras = [position for position, _ in layout.extras]
    plain = plain_pattern(len(extras)).fullmatch
    known = _Stores(stores)
    # Local dates before this one are in the past in any time zone (offsets -12h..+14h).
    cutoff = (not_after - timedelta(hours=14)).date().isoformat()

    def staged_line(line: int, fields: list[str]) -> str | None:
        found = known[fields[st]]
        when = fields[at]
        if found is None or not when < cutoff:
            return None
        number, country, risky = found
        raw_phone = fields[tel]
        normal = phone(raw_phone, country)[0] if raw_phone else ""
        given, family = fields[first], fields[last]
        if normal is None or len(given) + len(family) >= MAX_NAME:
            return None
        staged = "\t".join(
            [
                str(line), number, fields[tx], fields[ln], when, fields[cno],
                f"{given} {family}" if given and family else given or family,
                fields[mail].lower(), normal, fields[sku], fields[desc], fields[cat],
                fields[carat].replace(",", "."), fields[colour], fields[clarity], fields[cut],
                fields[metal], fields[qty], fields[price].replace(",", "."), fields[cur].upper(),
                *[fields[p] for p in extras],
            ]
        )  # fmt: skip
        if not plain(staged):
            return None
        hours = risky[when[:10]]
        if hours and (when[11:13] or "00") in hours:
            return None
        return staged

    def stage(line: int, fields: list[str]) -> str | None:
        fields.append("")  # what a column absent from the file reads (position -1)
        try:
            staged = staged_line(line, fields)
            if (
                staged is not None and staged.isascii() and " \t" not in staged
                and "\t " not in staged and staged[-1] != " "
            ):  # fmt: skip
                return staged
            # Values to strip, or other than ASCII: staged as the reference reads them,
            # stripped; e-mail and currency must be ASCII (Unicode case and spaces differ).
            stripped = [value.strip() for value in fields]
            if not (stripped[mail].isascii() and stripped[cur].isascii()):
                return None
            return staged if stripped == fields else staged_line(line, stripped)
        finally:
            fields.pop()

    return stage


def staged_store_list(stores: Mapping[str, StoreInfo]) -> list[StoreInfo]:
    """The import's stores in a fixed order: staged lines name a store by its position."""
    return sorted(stores.values(), key=lambda store: store.code)


assert COLUMNS[5:7] == ("first_name", "last_name")
