"""Opening a POS export: everything that makes a file unreadable as a whole is found here,
before any row is imported, and reported as one UnreadableFile with a clear reason."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from hub.pos_import.header import Layout, layout_of
from hub.pos_import.records import (
    Record,
    TextFeed,
    UnreadableFile,
    looks_like_utf8,
    read_records,
)

SNIFF_BYTES = 64 * 1024


@dataclass
class ExportFile:
    path: Path
    size: int
    layout: Layout
    feed: TextFeed  # bytes read so far, for progress
    records: Iterator[Record]  # the data records, after the header


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")  # closed by open_export's context
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot read it ({exc.strerror})") from None


@contextmanager
def open_export(path: str | os.PathLike[str]) -> Iterator[ExportFile]:
    """The export's header layout and its records, streamed; the file is closed on exit."""
    location = Path(path)
    stream = _open(location)
    try:
        size = os.fstat(stream.fileno()).st_size
        if not looks_like_utf8(stream.read(SNIFF_BYTES)):
            raise UnreadableFile(f"{location.name} is not UTF-8 text: export it as UTF-8 CSV")
        stream.seek(0)
        feed, records = read_records(stream)
        header = next(records)
        if header.defect is not None:
            raise UnreadableFile(f"{location.name}: the header line {header.defect}")
        yield ExportFile(location, size, layout_of(header.fields), feed, records)
    finally:
        stream.close()
