"""From the bytes of a POS export to CSV records, each with the file line it starts on.

Pure: works on any binary stream (an open file, or ``io.BytesIO`` in tests). The bytes are
read a block at a time and decoded as a whole, so the per-line work is the csv module's, in
C; its ``line_num`` counts the physical lines, which gives each record's first line even
when a quoted field spans several. A block that does not decode, or holds a NUL, is taken
apart line by line, so one bad byte spoils only its own row instead of the import.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from hub.errors import HubError

if TYPE_CHECKING:
    import _csv

BOM = codecs.BOM_UTF8
BLOCK_BYTES = 1 << 20
# A line this long is no POS export; refusing it keeps memory bounded.
MAX_LINE_BYTES = 16 << 20


class UnreadableFile(HubError):
    """The file as a whole cannot be imported: nothing in it was read."""

    code = "unreadable_file"


@dataclass(slots=True)
class Record:
    """One CSV record: its fields and the physical line (1-based) it starts on.

    ``defect`` says why the record cannot be trusted (bad bytes, a NUL, broken quoting);
    such a record is reported, never imported.
    """

    line: int
    fields: list[str]
    defect: str | None = None


def looks_like_utf8(sample: bytes) -> bool:
    """Whether the start of a file decodes as UTF-8 (a character cut at the end is fine)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect_delimiter(first_line: str) -> str:
    """``;`` when the header line has more semicolons than commas, else ``,``."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


class TextFeed:
    """Decoded lines of a binary stream, with the bytes read so far and the bad lines."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.bytes = 0
        self._lines_before = 0  # lines in the blocks already handed out
        self.defects: dict[int, str] = {}  # line number -> why it cannot be trusted

    def lines(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[Iterable[str]]:
        rest = b""
        first = True
        while True:
            block = self._stream.read(BLOCK_BYTES)
            self.bytes += len(block)
            data = rest + block
            if first and data:
                data = data.removeprefix(BOM)
                first = False
            if not block:
                if data:
                    yield self._decode(data)
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > MAX_LINE_BYTES:
                    line = self._lines_before + 1
                    raise UnreadableFile(f"line {line} is longer than {MAX_LINE_BYTES >> 20} MiB")
                rest = data
                continue
            rest = data[cut:]
            yield self._decode(data[:cut])

    def _decode(self, data: bytes) -> Iterable[str]:
        first_line = self._lines_before + 1
        self._lines_before += data.count(b"\n")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return self._salvage(data.split(b"\n"), first_line)
        if "\x00" in text:
            return self._salvage(data.split(b"\n"), first_line)
        return io.StringIO(text, newline="\n")

    def _salvage(self, pieces: list[bytes], first_line: int) -> list[str]:
        """Line by line: a line that does not decode, or holds a NUL (which PostgreSQL
        text cannot store), is marked so its record is refused rather than altered."""
        lines = []
        last = len(pieces) - 1
        for index, raw in enumerate(pieces):
            if index == last and not raw:
                break
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", "replace")
                self.defects[first_line + index] = "not valid UTF-8 text"
            if "\x00" in text:
                text = text.replace("\x00", "")
                self.defects[first_line + index] = "contains a NUL character"
            lines.append(text if index == last else text + "\n")
        return lines


def read_records(stream: IO[bytes]) -> tuple[TextFeed, Iterator[Record]]:
    """The feed (bytes read, for progress) and the records, header first, blank lines
    skipped. Raises UnreadableFile when there is no header line at all."""
    feed = TextFeed(stream)
    lines = feed.lines()
    leading: list[str] = []
    first = ""
    try:
        while not first.strip():
            first = next(lines)
            leading.append(first)
    except StopIteration:
        raise UnreadableFile("the file is empty: it has no header line") from None
    reader = csv.reader(itertools.chain(leading, lines), delimiter=detect_delimiter(first))
    return feed, _records(reader, feed.defects)


def _records(reader: _csv.Reader, defects: dict[int, str]) -> Iterator[Record]:
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # Typically a quote left open, read until the csv module's field size limit
            # (128 KiB), which also keeps memory bounded; reading resumes after it.
            yield Record(start, [], f"broken CSV quoting: {exc}")
            continue
        if not "".join(fields).strip():
            continue
        defect = None
        if defects:
            end = reader.line_num
            spoilt = [line for line in defects if line <= end]
            for line in spoilt:
                reason = defects.pop(line)
                defect = defect or (reason if line >= start else None)
        yield Record(start, fields, defect)
