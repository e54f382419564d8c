"""Which column of a POS export is which: the header row mapped to the hub's fields.

Pure. Names are matched case-insensitively with spaces and hyphens read as underscores, so
``Unit Price`` and ``UNIT-PRICE`` both mean ``unit_price``; any other column is kept and
stored with the purchase as an attribute.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hub.pos_import.records import UnreadableFile

REQUIRED = ("transaction_id", "line_no", "store_code", "purchased_at", "unit_price", "currency")
COLUMNS = (
    "transaction_id", "line_no", "store_code", "purchased_at", "customer_no", "first_name",
    "last_name", "email", "phone", "sku", "description", "category", "carat", "colour",
    "clarity", "cut", "metal", "quantity", "unit_price", "currency",
)  # fmt: skip
_SPACING = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class Layout:
    """Where each known column sits in a row; other columns are kept as attributes."""

    width: int
    positions: tuple[int, ...]  # per COLUMNS entry; -1 when the file lacks that column
    extras: tuple[tuple[int, str], ...]  # (position, header as written)


def layout_of(header: Sequence[str]) -> Layout:
    """Map a header row, names matched case-insensitively (``Unit Price`` = ``unit_price``).

    Raises UnreadableFile when a required column is missing or a column appears twice.
    """
    found: dict[str, int] = {}
    extras: list[tuple[int, str]] = []
    labels: set[str] = set()
    for position, raw in enumerate(header):
        label = raw.strip()
        key = _SPACING.sub("_", label.casefold())
        if key in COLUMNS:
            if key in found:
                raise UnreadableFile(f"the header has the column {key} twice")
            found[key] = position
            continue
        label = label or f"column_{position + 1}"
        while label in labels:
            label = f"{label}_{position + 1}"
        labels.add(label)
        extras.append((position, label))
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise UnreadableFile(
            f"the header lacks the required column(s) {', '.join(missing)}"
            f" (it has: {', '.join(h.strip() for h in header)[:200]})"
        )
    positions = tuple(found.get(name, -1) for name in COLUMNS)
    return Layout(width=len(header), positions=positions, extras=tuple(extras))
