"""``hub import-pos``: the daily POS export, with progress on stderr and a summary on stdout.

The exit status is non-zero only when the file cannot be read at all; rows that fail are
counted, listed in the error report and the summary, and the rest is imported, which is
what a nightly job wants. The report is written while the import runs, so a file with a
million bad rows costs disk, not memory.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import IO

from hub.clock import system_clock
from hub.commands.admin import require_schema, say
from hub.db.engine import Database
from hub.pos_import.csv_safe import ENCODING, SafeCsvWriter
from hub.pos_import.importer import ImportOptions, ImportSummary, import_pos_file
from hub.pos_import.rows import RowError
from hub.settings import Settings

REPORT_HEADER = ("line", "severity", "column", "reason", "value")
BAR_WIDTH = 30


class ErrorReport:
    """The error report, created at the first problem; a report the operator named is
    written even when there was none, so a job can always pick it up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._stream: IO[str] | None = None
        self._writer: SafeCsvWriter | None = None

    def _open(self) -> SafeCsvWriter:
        # Held open across the import, closed by close().
        self._stream = open(self.path, "w", encoding=ENCODING, newline="")  # noqa: SIM115
        self._writer = SafeCsvWriter(self._stream, REPORT_HEADER)
        return self._writer

    def add(self, problem: RowError) -> None:
        writer = self._writer or self._open()
        writer.write(
            (problem.line, problem.severity, problem.column, problem.reason, problem.value)
        )
        self.count += 1

    @property
    def written(self) -> bool:
        return self._stream is not None

    def finish(self, *, even_if_empty: bool) -> None:
        if even_if_empty and self._writer is None:
            self._open()
        self.close()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()


class ProgressDisplay:
    """A bar redrawn in place on a terminal; in a log, a line every tenth of the file."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.began = time.monotonic()
        self.last_drawn = 0.0
        self.next_step = 10

    def update(self, rows: int, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        elapsed = max(time.monotonic() - self.began, 1e-6)
        if self.tty:
            now = time.monotonic()
            if now - self.last_drawn < 0.1 and percent < 100:
                return
            self.last_drawn = now
            filled = BAR_WIDTH * percent // 100
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stream.write(f"\r[{bar}] {percent:3d}%  {rows:,} rows  {rows / elapsed:,.0f}/s")
            self.stream.flush()
            return
        if percent >= self.next_step:
            step = percent // 10 * 10
            self.stream.write(f"import-pos: {step}% ({rows:,} rows)\n")
            self.stream.flush()
            self.next_step = step + 10

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _summary_lines(summary: ImportSummary, report: ErrorReport) -> list[str]:
    written = summary.written
    verb = "checked (dry run, nothing written)" if summary.dry_run else "imported"
    would = "would be " if summary.dry_run else ""
    counts = (
        ("rows read", summary.rows_read),
        (f"{would}imported", written.imported),
        ("already imported", written.duplicate),
        ("failed", summary.failed),
        ("warnings", summary.warnings),
        (f"customers {would}created", written.customers_created),
        ("linked to a customer", written.linked),
        ("credited to ambassadors", written.attributed),
        ("tiers changed", written.tiers_changed),
    )
    lines = [f"{verb} {summary.filename} in {summary.seconds:.1f}s"]
    lines += [f"  {label:<30}{value:>10,}" for label, value in counts]
    if report.written:
        lines.append(f"error report: {report.path} ({report.count:,} problems)")
    return lines


async def import_pos(settings: Settings, args: argparse.Namespace) -> None:
    source = Path(args.file)
    explicit = args.errors is not None
    report = ErrorReport(
        Path(args.errors) if explicit else source.with_name(f"{source.name}.errors.csv")
    )
    progress = ProgressDisplay(sys.stderr)
    options = ImportOptions(dry_run=args.dry_run, attribution_days=args.attribution_days)
    db = Database(settings.database_url)
    try:
        await require_schema(db)
        summary = await import_pos_file(
            db,
            source,
            clock=system_clock,
            options=options,
            on_progress=progress.update,
            on_error=report.add,
        )
        report.finish(even_if_empty=explicit)
    finally:
        progress.close()
        report.close()
        await db.close()
    for line in _summary_lines(summary, report):
        say(line)
