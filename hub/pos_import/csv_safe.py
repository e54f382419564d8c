"""CSV the hub writes, made safe to open in a spreadsheet (CSV / formula injection).

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (also after leading spaces, or as the
full-width forms some spreadsheets fold into them), or with a tab or carriage return, can
be run as a formula when someone opens the file. Such text is prefixed with ``'``, which
spreadsheets show as text and never evaluate. Stored data is never altered: this applies
only on the way out, to every CSV the hub produces.
"""

from __future__ import annotations

import csv
import numbers
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

_TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_CONTROL = ("\t", "\r")
# Excel reads UTF-8 without mojibake only when the file starts with a byte-order mark.
ENCODING = "utf-8-sig"


def neutralise(value: str) -> str:
    """``value`` made inert for spreadsheets; harmless text comes back unchanged."""
    if not value:
        return value
    if value.startswith(_CONTROL) or value.lstrip()[:1] in _TRIGGERS:
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    """Text is neutralised; numbers cannot carry a formula and are written as they are."""
    if value is None:
        return ""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return value
    return neutralise(str(value))


class SafeCsvWriter:
    """A csv writer that neutralises every cell; use it for any CSV the hub writes."""

    def __init__(self, stream: IO[str], header: Sequence[str]) -> None:
        self._writer = csv.writer(stream)
        self._writer.writerow([_cell(name) for name in header])
        self.rows = 0

    def write(self, row: Sequence[Any]) -> None:
        self._writer.writerow([_cell(value) for value in row])
        self.rows += 1


def write_csv(
    target: str | Path | IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write ``header`` then ``rows`` (streamed, never held) to a path or an open text file;
    returns the number of rows written."""
    if isinstance(target, str | Path):
        with open(target, "w", encoding=ENCODING, newline="") as stream:
            return _write(stream, header, rows)
    return _write(target, header, rows)


def _write(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    writer = SafeCsvWriter(stream, header)
    for row in rows:
        writer.write(row)
    return writer.rows
