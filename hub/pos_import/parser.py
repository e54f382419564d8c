"""Parsing the records of one export quickly: a strict fast path for clean rows.

A million-row file must parse in seconds, so the common row (plain amounts in the store's
own notation, valid contacts, nothing too long) is read with as few steps as possible. The
fast path accepts only inputs that ``rows.check_row`` reads the same way; anything else (a
thousands separator, a bad value, a warning to give) goes to ``check_row``, which stays the
single reference for what is accepted and reports every problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from hub.pos_import.header import Layout
from hub.pos_import.records import Record
from hub.pos_import.rows import (
    LIMITS,
    MAX_KEY,
    MAX_LINE_NO,
    MAX_NAME,
    MAX_QUANTITY,
    TEXT_POSITIONS,
    PurchaseRow,
    RowError,
    StoreInfo,
    check_row,
    phone,
    pos_number,
)
from hub.pos_import.values import parse_timestamp
from hub.profiles.identity import normalise_email

# Amounts without grouping, in the store's own decimal notation, within the column.
_PRICE = {True: re.compile(r"\d{1,12}(?:,\d{1,2})?"), False: re.compile(r"\d{1,12}(?:\.\d{1,2})?")}
_CARAT = {True: re.compile(r"\d{1,5}(?:,\d{1,3})?"), False: re.compile(r"\d{1,5}(?:\.\d{1,3})?")}
_TEXT_LIMITS = tuple(
    (position, limit) for name, position in TEXT_POSITIONS if (limit := LIMITS[name]) is not None
)


class _NotPlain(Exception):
    """The row needs the full checks: it has an error, a warning, or an unusual form."""


def _whole(raw: str, maximum: int) -> int:
    if not raw.isdecimal():
        raise _NotPlain
    value = int(raw)
    if not 1 <= value <= maximum:
        raise _NotPlain
    return value


def _amount(raw: str, pattern: re.Pattern[str]) -> Decimal:
    if not pattern.fullmatch(raw):
        raise _NotPlain
    return Decimal(raw.replace(",", "."))


class RowParser:
    """Parses the records of one file, given its layout, the known stores and the clock."""

    def __init__(self, layout: Layout, stores: Mapping[str, StoreInfo], not_after: datetime):
        self.layout = layout
        self.stores = stores
        self.not_after = not_after

    def parse(self, record: Record) -> PurchaseRow | tuple[RowError, ...]:
        line, fields = record.line, record.fields
        if record.defect is not None:
            return (RowError(line, "", record.defect),)
        if len(fields) != self.layout.width:
            reason = (
                f"has {len(fields)} fields where the header has {self.layout.width}"
                " (a missing quote, or a decimal comma in a comma-separated file?)"
            )
            return (RowError(line, "", reason),)
        values = [fields[p].strip() if p >= 0 else "" for p in self.layout.positions]
        store = self.stores.get(values[2].upper())
        if store is None:
            reason = f"unknown store {values[2]!r}" if values[2] else "is required"
            return (RowError(line, "store_code", reason, values[2]),)
        try:
            return self._plain(line, values, fields, store)
        except (_NotPlain, ValueError, ArithmeticError):
            return check_row(line, values, fields, store, self.layout.extras, self.not_after)

    def _plain(
        self, line: int, values: list[str], fields: list[str], store: StoreInfo
    ) -> PurchaseRow:
        """The row, when every value is in its plainest valid form; raises otherwise."""
        (transaction_id, line_no, _, purchased_at, customer_no, first_name, last_name, email,
         telephone, sku, description, category, carat, colour, clarity, cut, metal, quantity,
         unit_price, currency) = values  # fmt: skip
        if not transaction_id or len(transaction_id) > MAX_KEY:
            raise _NotPlain
        if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
            raise _NotPlain
        for position, limit in _TEXT_LIMITS:
            if len(values[position]) > limit:
                raise _NotPlain
        name = f"{first_name} {last_name}".strip()
        if len(name) > MAX_NAME:
            raise _NotPlain
        normalised_phone = None
        if telephone:
            normalised_phone, _ = phone(telephone, store.country)
            if normalised_phone is None:
                raise _NotPlain
        comma = store.comma_is_decimal
        extras = self.layout.extras
        return PurchaseRow(
            line=line,
            store_id=store.id,
            transaction_id=transaction_id,
            line_no=_whole(line_no, MAX_LINE_NO),
            purchased_at=parse_timestamp(purchased_at, zone=store.zone, not_after=self.not_after),
            quantity=_whole(quantity, MAX_QUANTITY) if quantity else 1,
            unit_price=_amount(unit_price, _PRICE[comma]),
            currency=currency.upper(),
            carat=_amount(carat, _CARAT[comma]) if carat else None,
            customer_no=pos_number(customer_no) if customer_no else None,
            name=name or None,
            email=normalise_email(email) if email else None,
            phone=normalised_phone,
            sku=sku or None,
            description=description or None,
            category=category or None,
            colour=colour or None,
            clarity=clarity or None,
            cut=cut or None,
            metal=metal or None,
            attributes={label: fields[p].strip() for p, label in extras if fields[p].strip()}
            or None,
        )
