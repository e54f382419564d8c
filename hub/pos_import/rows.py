"""What a purchase line is, and the checks that make one out of a POS record.

Pure: the stores are passed in, nothing is read or written. Every value is checked against
the column it will land in, so a batch insert never fails on a value that is too long or too
precise; a bad row is rejected on its own and the rest of the file carries on. This is the
reference for what is accepted; ``parser`` reads clean rows faster and defers to it for
anything else.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from hub.db.profile_models import Purchase
from hub.pos_import.header import COLUMNS
from hub.pos_import.values import parse_decimal, parse_timestamp, parse_whole
from hub.profiles.identity import POS_CUSTOMER_NO, InvalidIdentity, normalise, normalise_email
from hub.profiles.identity import normalise_phone as _normalise_phone

# Descriptive text: too long for its column is a warning, and the value moves to attributes.
TEXT = ("sku", "description", "category", "colour", "clarity", "cut", "metal")
LIMITS = {name: getattr(Purchase.__table__.c[name].type, "length", None) for name in TEXT}
TEXT_POSITIONS = tuple((name, COLUMNS.index(name)) for name in TEXT)
MAX_KEY = 64  # transaction_id and customer_no columns
MAX_LINE_NO = 2**31 - 1
MAX_NAME = 200
MAX_QUANTITY = 100_000
_CURRENCY = re.compile(r"[A-Za-z]{3}")


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one value of one row; a warning keeps the row, an error rejects it."""

    line: int
    column: str
    reason: str
    value: str = ""
    severity: str = "error"  # error | warning

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "reason": self.reason,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class StoreInfo:
    id: str
    code: str
    zone: tzinfo
    country: str
    comma_is_decimal: bool


@dataclass(slots=True)
class PurchaseRow:
    """A purchase line as read and checked, ready for the database."""

    line: int  # in the file, for the report
    store_id: str
    transaction_id: str
    line_no: int
    purchased_at: datetime  # UTC
    quantity: int
    unit_price: Decimal
    currency: str
    carat: Decimal | None = None
    customer_no: str | None = None
    name: str | None = None
    email: str | None = None  # normalised; dropped with a warning when invalid
    phone: str | None = None  # E.164, read with the store's country as default region
    sku: str | None = None
    description: str | None = None
    category: str | None = None
    colour: str | None = None
    clarity: str | None = None
    cut: str | None = None
    metal: str | None = None
    attributes: dict[str, str] | None = None  # columns the hub has no field for
    warnings: tuple[RowError, ...] = ()


@functools.lru_cache(maxsize=32_768)
def phone(raw: str, region: str) -> tuple[str | None, str]:
    """The E.164 form, or None and why not. Cached (bounded, ~8 MB): parsing a number
    costs ~25 us, and a customer's number comes back on each line and visit."""
    try:
        return _normalise_phone(raw, region), ""
    except InvalidIdentity as exc:
        return None, str(exc)


class _Checks:
    """Reads the values of one row, collecting every error instead of stopping at the first,
    so the operator can fix a row in one go."""

    __slots__ = ("errors", "line")

    def __init__(self, line: int) -> None:
        self.line = line
        self.errors: list[RowError] = []

    def required(self, column: str, raw: str, parse: Callable[..., Any], **options: Any) -> Any:
        if not raw:
            self.errors.append(RowError(self.line, column, "is required"))
            return None
        try:
            return parse(raw, **options)
        except ValueError as exc:
            self.errors.append(RowError(self.line, column, str(exc), raw))
            return None

    def optional(
        self, column: str, raw: str, default: Any, parse: Callable[..., Any], **options: Any
    ) -> Any:
        return self.required(column, raw, parse, **options) if raw else default


def _key(raw: str) -> str:
    if len(raw) > MAX_KEY:
        raise ValueError(f"longer than {MAX_KEY} characters")
    return raw


def _currency(raw: str) -> str:
    if not _CURRENCY.fullmatch(raw):
        raise ValueError("is not a 3-letter ISO 4217 code")
    return raw.upper()


def check_row(
    line: int,
    values: list[str],
    fields: list[str],
    store: StoreInfo,
    extras: Sequence[tuple[int, str]],
    not_after: datetime,
) -> PurchaseRow | tuple[RowError, ...]:
    """The purchase in one record, or every error in it; ``values`` holds the stripped
    value of each of COLUMNS ("" when absent), ``fields`` the record as read (for the
    ``extras``, which become attributes)."""
    comma = store.comma_is_decimal
    checks = _Checks(line)
    transaction_id = checks.required("transaction_id", values[0], _key)
    number = checks.required("line_no", values[1], parse_whole, minimum=1, maximum=MAX_LINE_NO)
    when = checks.required(
        "purchased_at", values[3], parse_timestamp, zone=store.zone, not_after=not_after
    )
    carat = checks.optional(
        "carat", values[12], None, parse_decimal, comma_is_decimal=comma, places=3, digits=8
    )
    quantity = checks.optional(
        "quantity", values[17], 1, parse_whole, minimum=1, maximum=MAX_QUANTITY
    )
    price = checks.required(
        "unit_price", values[18], parse_decimal, comma_is_decimal=comma, places=2, digits=14
    )
    currency = checks.required("currency", values[19], _currency)
    if checks.errors:
        return tuple(checks.errors)
    row = PurchaseRow(
        line=line,
        store_id=store.id,
        transaction_id=transaction_id,
        line_no=number,
        purchased_at=when,
        quantity=quantity,
        unit_price=price,
        currency=currency,
        carat=carat,
    )
    _describe(row, values, fields, store.country, extras)
    return row


def _describe(
    row: PurchaseRow,
    values: list[str],
    fields: list[str],
    country: str,
    extras: Sequence[tuple[int, str]],
) -> None:
    """Fills the descriptive and contact values; a bad one is a warning, never fatal."""
    line = row.line
    warnings: list[RowError] = []
    attributes = {label: fields[p].strip() for p, label in extras if fields[p]}
    texts: list[str | None] = []
    for column, position in TEXT_POSITIONS:
        value, limit = values[position], LIMITS[column]
        if limit is not None and len(value) > limit:
            reason = f"longer than {limit} characters; kept in attributes"
            warnings.append(RowError(line, column, reason, value, "warning"))
            attributes[column] = value
            value = ""
        texts.append(value or None)
    (row.sku, row.description, row.category, row.colour, row.clarity, row.cut,
     row.metal) = texts  # fmt: skip
    name = f"{values[5]} {values[6]}".strip() or None
    if name is not None and len(name) > MAX_NAME:
        reason = f"name longer than {MAX_NAME} characters; dropped"
        warnings.append(RowError(line, "last_name", reason, name[:80], "warning"))
        name = None
    row.name = name
    row.customer_no = _contact(line, "customer_no", values[4], pos_number, warnings)
    row.email = _contact(line, "email", values[7], normalise_email, warnings)
    row.phone = _contact(line, "phone", values[8], _phone_reader(country), warnings)
    row.attributes = {key: value for key, value in attributes.items() if value} or None
    row.warnings = tuple(warnings)


def pos_number(raw: str) -> str:
    value = normalise(POS_CUSTOMER_NO, raw)
    if len(value) > MAX_KEY:
        raise InvalidIdentity(POS_CUSTOMER_NO, f"customer number longer than {MAX_KEY}")
    return value


def _phone_reader(region: str) -> Callable[[str], str]:
    def read(raw: str) -> str:
        value, reason = phone(raw, region)
        if value is None:
            raise InvalidIdentity("phone", reason)
        return value

    return read


def _contact(
    line: int, column: str, raw: str, read: Callable[[str], str], warnings: list[RowError]
) -> str | None:
    """A contact that fails its check is dropped with a warning; the purchase is kept."""
    if not raw:
        return None
    try:
        value: str = read(raw)
    except InvalidIdentity as exc:
        warnings.append(RowError(line, column, f"{exc}; dropped", raw, "warning"))
        return None
    return value
