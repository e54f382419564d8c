"""The insights report as CSV files a manager opens in a spreadsheet: the groups with
every figure flattened, the daily series, or the attributed sales.

Pure. Labels (staff and store names) are user text: every cell goes through
``SafeCsvWriter``, so a name like ``=HYPERLINK(...)`` comes out as inert text. Amounts
are written as numbers, one column per currency, never added across currencies.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from hub.pos_import.csv_safe import SafeCsvWriter

CHARTS = ("groups", "daily", "sales")
DAILY_COLUMNS = ("day", "conversations", "abandoned", "appointments", "csat_responses")
SALES_COLUMNS = ("group", "label", "currency", "amount", "lines")
# Excel reads UTF-8 (accented and CJK names) correctly only after a byte-order mark.
BOM = "\ufeff"


def _flat(figures: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(column, value) of every figure but sales: nested names joined by ``_``."""
    for name, value in figures.items():
        if name in ("key", "label", "sales"):
            continue
        if isinstance(value, Mapping):
            yield from _flat(value, f"{prefix}{name}_")
        else:
            yield f"{prefix}{name}", value


def _currencies(report: Mapping[str, Any]) -> list[str]:
    return sorted({line["currency"] for line in report["totals"]["sales"]})


def _groups(report: Mapping[str, Any], writer_of: Any) -> None:
    currencies = _currencies(report)
    columns = [name for name, _ in _flat(report["totals"])]
    writer = writer_of(["key", "label", *columns, *(f"sales_{c}" for c in currencies)])
    for group in report["groups"]:
        amounts = {line["currency"]: Decimal(line["amount"]) for line in group["sales"]}
        writer.write(
            [
                group["key"],
                group["label"],
                *(value for _, value in _flat(group)),
                *(amounts.get(c, Decimal("0.00")) for c in currencies),
            ]
        )


def _daily(report: Mapping[str, Any], writer_of: Any) -> None:
    writer = writer_of(DAILY_COLUMNS)
    for day in report["daily"]:
        writer.write([day[column] for column in DAILY_COLUMNS])


def _sales(report: Mapping[str, Any], writer_of: Any) -> None:
    writer = writer_of(SALES_COLUMNS)
    for group in report["groups"]:
        for line in group["sales"]:
            writer.write(
                [group["key"], group["label"], line["currency"], Decimal(line["amount"]),
                 line["lines"]]
            )  # fmt: skip


def render(report: Mapping[str, Any], chart: str) -> str:
    """One chart of the report as CSV text (with a byte-order mark)."""
    stream = io.StringIO()
    stream.write(BOM)

    def writer_of(header: Any) -> SafeCsvWriter:
        return SafeCsvWriter(stream, header)

    {"groups": _groups, "daily": _daily, "sales": _sales}[chart](report, writer_of)
    return stream.getvalue()


def filename(chart: str, report: Mapping[str, Any]) -> str:
    period = report["period"]
    return f"insights-{chart}-{period['from']}-{period['to']}.csv"
