"""The daily POS import: stream a store export into purchases, a batch per transaction.

Memory stays flat whatever the file's size: records are read one at a time, a batch of
parsed rows is held while it is written, and only the first errors are kept (every error
goes to ``on_error`` as it is found, for a report written as the import runs). A bad row
never stops the import; a database failure does, and leaves the run marked failed with the
batches before it committed, so running the same file again completes it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from hub import audit
from hub.clock import Clock
from hub.db.engine import Database
from hub.db.models import Store, new_id
from hub.db.profile_models import PosImport
from hub.pos_import.attribution import DEFAULT_WINDOW_DAYS
from hub.pos_import.batch import (
    BatchResult,
    ConcurrentImport,
    begin_batch,
    collided,
    write_batch,
)
from hub.pos_import.parser import RowParser
from hub.pos_import.pipeline import BatchWriter
from hub.pos_import.rows import PurchaseRow, RowError, StoreInfo
from hub.pos_import.source import ExportFile, open_export
from hub.pos_import.values import comma_decimal

log = logging.getLogger("hub.pos_import")

MAX_STORED_ERRORS = 50
# How often (in rows) the reader lets the batch writer send its next statement, and
# reports progress.
YIELD_EVERY = 20
PROGRESS_EVERY = 1000
MAX_ATTEMPTS = 5
# A POS clock a little ahead of ours is not an error; a sale next week is.
CLOCK_TOLERANCE = timedelta(days=1)

Progress = Callable[[int, int, int], None]  # rows read, bytes read, bytes in the file
ErrorSink = Callable[[RowError], None]


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    attribution_days: int = DEFAULT_WINDOW_DAYS
    batch_size: int = 2000
    actor_kind: str = "cli"
    actor_id: str | None = None


@dataclass
class ImportSummary:
    import_id: str
    filename: str
    dry_run: bool
    rows_read: int = 0
    failed: int = 0
    warnings: int = 0
    written: BatchResult = field(default_factory=BatchResult)
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first few
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.written.imported

    @property
    def duplicate(self) -> int:
        return self.written.duplicate

    def counts(self) -> dict[str, Any]:
        return {
            "rows_read": self.rows_read,
            "failed": self.failed,
            "warnings": self.warnings,
            **asdict(self.written),
            "dry_run": self.dry_run,
        }


async def _stores(db: Database) -> dict[str, StoreInfo]:
    """Every store by code: a few hundred at most, read once per import."""
    async with db.reading() as session:
        stores = (
            await session.execute(select(Store.id, Store.code, Store.timezone, Store.country))
        ).all()
    return {
        code.upper(): StoreInfo(id, code, ZoneInfo(zone), country, comma_decimal(country))
        for id, code, zone, country in stores
    }


class _Run:
    """One import run: the rows read so far, their errors, and the PosImport record."""

    def __init__(
        self,
        db: Database,
        export: ExportFile,
        options: ImportOptions,
        clock: Clock,
        on_progress: Progress | None,
        on_error: ErrorSink | None,
    ) -> None:
        self.db = db
        self.export = export
        self.options = options
        self.clock = clock
        self.on_progress = on_progress or (lambda *_: None)
        self.on_error = on_error or (lambda _: None)
        name = export.path.name[-255:]
        self.summary = ImportSummary(new_id(), name, options.dry_run)
        self.window = timedelta(days=options.attribution_days)

    def report(self, problem: RowError) -> None:
        if len(self.summary.errors) < MAX_STORED_ERRORS:
            self.summary.errors.append(problem.as_dict())
        self.on_error(problem)

    def progress(self) -> None:
        self.on_progress(self.summary.rows_read, self.export.feed.bytes, self.export.size)

    async def start(self, stores: dict[str, StoreInfo]) -> RowParser:
        now = self.clock()
        async with self.db.transaction() as session:
            session.add(
                PosImport(
                    id=self.summary.import_id,
                    filename=self.summary.filename,
                    status="running",
                    dry_run=self.options.dry_run,
                    actor_kind=self.options.actor_kind,
                    actor_id=self.options.actor_id,
                    started_at=now,
                    rows_read=0,
                    rows_imported=0,
                    rows_duplicate=0,
                    rows_failed=0,
                )
            )
        return RowParser(self.export.layout, stores, not_after=now + CLOCK_TOLERANCE)

    async def read(self, parser: RowParser, writer: BatchWriter) -> None:
        batch: list[PurchaseRow] = []
        size = self.options.batch_size
        summary = self.summary
        for record in self.export.records:
            summary.rows_read += 1
            parsed = parser.parse(record)
            if isinstance(parsed, PurchaseRow):
                if parsed.warnings:
                    summary.warnings += len(parsed.warnings)
                    for warning in parsed.warnings:
                        self.report(warning)
                batch.append(parsed)
                if len(batch) >= size:
                    await writer.submit(batch)
                    batch = []
            else:
                summary.failed += 1
                for error in parsed:
                    self.report(error)
            if summary.rows_read % YIELD_EVERY == 0:
                await writer.pause()
                if summary.rows_read % PROGRESS_EVERY == 0:
                    self.progress()
        if batch:
            await writer.submit(batch)
        await writer.drain()
        self.progress()

    async def write(self, rows: list[PurchaseRow]) -> None:
        """One batch in one transaction, retried when a concurrent import got in first.

        A collision waits for the other import's transaction and the retry then sees its
        lines and customers, so each attempt makes progress. A dry run writes the batch the
        same way, so its counts are the real ones, and rolls it back.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            before = replace(self.summary.written)
            try:
                async with self.db.sessions() as session:
                    await begin_batch(session)
                    result = await write_batch(
                        session, rows, import_id=self.summary.import_id, now=self.clock(),
                        window=self.window,
                    )  # fmt: skip
                    self.summary.written.add(result)
                    if not self.options.dry_run:
                        await session.execute(self._record_values("running"))
                        await session.commit()
                    # A dry run leaves the session uncommitted: closing it rolls back.
                return
            except (IntegrityError, ConcurrentImport, DBAPIError) as exc:
                self.summary.written = before
                if attempt == MAX_ATTEMPTS or not collided(exc):
                    raise
            except BaseException:
                self.summary.written = before
                raise

    def _record_values(self, status: str, finished_at: datetime | None = None) -> Any:
        summary = self.summary
        return (
            update(PosImport)
            .where(PosImport.id == summary.import_id)
            .values(
                status=status,
                finished_at=finished_at,
                rows_read=summary.rows_read,
                rows_imported=summary.imported,
                rows_duplicate=summary.duplicate,
                rows_failed=summary.failed,
                errors=summary.errors,
            )
        )

    async def finish(self, status: str, failure: str | None = None) -> None:
        now = self.clock()
        async with self.db.transaction() as session:
            await session.execute(self._record_values(status, now))
            details = {"failure": failure} if failure else {}
            audit.record(
                session,
                at=now,
                actor_kind=self.options.actor_kind,
                actor_id=self.options.actor_id,
                action=f"pos_import.{status}",
                subject_type="pos_import",
                subject_id=self.summary.import_id,
                filename=self.summary.filename,
                **self.summary.counts(),
                **details,
            )


async def import_pos_file(
    db: Database,
    path: str | os.PathLike[str],
    *,
    clock: Clock,
    options: ImportOptions | None = None,
    on_progress: Progress | None = None,
    on_error: ErrorSink | None = None,
) -> ImportSummary:
    """Import one POS export; raises UnreadableFile (before writing anything) when the file
    cannot be read at all. Bad rows go to ``on_error`` and the summary instead."""
    options = options or ImportOptions()
    began = time.monotonic()
    with open_export(Path(path)) as export:
        run = _Run(db, export, options, clock, on_progress, on_error)
        parser = await run.start(await _stores(db))
        writer = BatchWriter(run.write)
        try:
            await run.read(parser, writer)
        except BaseException as exc:  # including Ctrl-C: the record must not stay "running"
            await writer.abandon()
            run.summary.seconds = time.monotonic() - began
            try:
                await run.finish("failed", f"{type(exc).__name__}: {exc}"[:500])
            except Exception:  # the database may be what failed; keep the first error
                log.exception("could not record the failed POS import %s", run.summary.import_id)
            raise
        run.summary.seconds = time.monotonic() - began
        await run.finish("done")
    return run.summary
