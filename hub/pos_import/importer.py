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
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hub import audit, change_feed
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
from hub.pos_import.pg_chunk import ChunkContext, driver, write_chunk
from hub.pos_import.pg_staging import Chunk, Staging
from hub.pos_import.pg_tiers import DROP_SESSION_TABLE, SESSION_TABLE, refresh_tiers
from hub.pos_import.pipeline import BatchWriter
from hub.pos_import.plain import Stage, staged_store_list, stager
from hub.pos_import.rows import PurchaseRow, RowError, StoreInfo
from hub.pos_import.source import ExportFile, open_export
from hub.pos_import.values import comma_decimal

log = logging.getLogger("hub.pos_import")

MAX_STORED_ERRORS = 50
# How often (in rows) the reader lets the batch writer send its next statement, and
# reports progress.
YIELD_EVERY = 50
PROGRESS_EVERY = 1000
MAX_ATTEMPTS = 5
# A POS clock a little ahead of ours is not an error; a sale next week is.
CLOCK_TOLERANCE = timedelta(days=1)

Progress = Callable[[int, int, int], None]  # rows read, bytes read, bytes in the file
ErrorSink = Callable[[RowError], None]


# Lines per transaction. SQLite writes a batch row by row; PostgreSQL a chunk in a few
# set-based statements, whose fixed costs (planning, commit) want many lines.
BATCH_SIZE = {"sqlite": 2000, "postgresql": 50_000}
# PostgreSQL's first chunks are smaller (doubling up to BATCH_SIZE): the database starts
# working while the reader is still on the first lines, instead of after 50,000.
FIRST_CHUNK = 4000


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    attribution_days: int = DEFAULT_WINDOW_DAYS
    batch_size: int | None = None  # None: the database's BATCH_SIZE
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
        self.size = options.batch_size or BATCH_SIZE.get(db.dialect, BATCH_SIZE["sqlite"])
        self.staging: Staging | None = None
        self.connection: AsyncConnection | None = None

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

    def _take(self, parsed: PurchaseRow | tuple[RowError, ...]) -> PurchaseRow | None:
        """Report what the reference checks found; the row when they accepted it."""
        if isinstance(parsed, PurchaseRow):
            if parsed.warnings:
                self.summary.warnings += len(parsed.warnings)
                for warning in parsed.warnings:
                    self.report(warning)
            return parsed
        self.summary.failed += 1
        for error in parsed:
            self.report(error)
        return None

    async def read_batches(self, parser: RowParser) -> None:
        """SQLite: every record through the row parser, written a batch at a time."""
        writer = BatchWriter(self.write_batch)
        batch: list[PurchaseRow] = []
        summary = self.summary
        try:
            for record in self.export.records:
                summary.rows_read += 1
                row = self._take(parser.parse(record))
                if row is not None:
                    batch.append(row)
                    if len(batch) >= self.size:
                        await writer.submit(batch)
                        batch = []
                if summary.rows_read % YIELD_EVERY == 0:
                    await writer.pause()
                    if summary.rows_read % PROGRESS_EVERY == 0:
                        self.progress()
            if batch:
                await writer.submit(batch)
            await writer.drain()
        finally:
            await writer.abandon()
        self.progress()

    async def read_chunks(self, parser: RowParser, stores: dict[str, StoreInfo]) -> None:
        """PostgreSQL: plain records staged as text for set-based SQL, the others through
        the row parser; a chunk is written while the next is read (two processes, two
        cores), on one connection the import keeps (``pg_tiers`` keeps state on it)."""
        listed = staged_store_list(stores)
        layout = parser.layout
        self.staging = Staging(listed, [label for _, label in layout.extras])
        stage = stager(layout, listed, parser.not_after)
        async with self.db.engine.connect() as connection:
            self.connection = connection
            await (await driver(connection)).execute(SESSION_TABLE)
            try:
                await self._read_chunks(parser, stage)
                if not self.options.dry_run:
                    await self._committed(self._refresh_tiers, self._session)
            finally:
                self.connection = None
                try:
                    await (await driver(connection)).execute(DROP_SESSION_TABLE)
                except Exception:  # the connection failed; closing it drops the table too
                    log.warning("could not drop the import's session table", exc_info=True)

    def _session(self) -> AsyncSession:
        """A session on the import's own connection (PostgreSQL)."""
        assert self.connection is not None
        return AsyncSession(bind=self.connection)

    async def _refresh_tiers(self, session: AsyncSession) -> BatchResult:
        """The derived tiers of every customer the chunks noted, once (pg_tiers)."""
        connection = await driver(await session.connection())
        return BatchResult(tiers_changed=await refresh_tiers(connection, self.clock()))

    async def _read_chunks(self, parser: RowParser, stage: Stage) -> None:
        """The loop that runs once per line of the file: it does as little as it can."""
        writer = BatchWriter(self.write_chunk)
        width, summary = parser.layout.width, self.summary
        size = self.size if self.options.batch_size else min(self.size, FIRST_CHUNK)
        chunk = Chunk([], [])
        lines = chunk.staged
        read, pending = summary.rows_read, 0
        try:
            for record in self.export.records:
                read += 1
                fields = record.fields
                staged = None
                if record.defect is None and len(fields) == width:
                    staged = stage(record.line, fields)
                if staged is not None:
                    lines.append(staged)
                    pending += 1
                else:
                    row = self._take(parser.parse(record))
                    if row is not None:
                        chunk.checked.append(row)
                        pending += 1
                if pending >= size:
                    summary.rows_read = read
                    await writer.submit(chunk)
                    chunk, pending, size = Chunk([], []), 0, min(size * 2, self.size)
                    lines = chunk.staged
                if read % YIELD_EVERY == 0:
                    summary.rows_read = read
                    await writer.pause()
                    if read % PROGRESS_EVERY == 0:
                        self.progress()
            summary.rows_read = read
            if chunk.rows:
                await writer.submit(chunk)
            await writer.drain()
        finally:
            await writer.abandon()
        self.progress()

    async def write_batch(self, rows: list[PurchaseRow]) -> None:
        async def write(session: AsyncSession) -> BatchResult:
            return await write_batch(
                session, rows, import_id=self.summary.import_id, now=self.clock(),
                window=self.window,
            )  # fmt: skip

        await self._committed(write, self.db.sessions)

    async def write_chunk(self, chunk: Chunk) -> None:
        staging = self.staging
        assert staging is not None

        async def write(session: AsyncSession) -> BatchResult:
            context = ChunkContext(
                self.summary.import_id, self.clock(), self.window, self.options.dry_run
            )
            connection = await driver(await session.connection())
            return await write_chunk(connection, staging, chunk, context)

        await self._committed(write, self._session)

    async def _committed(
        self,
        write: Callable[[AsyncSession], Awaitable[BatchResult]],
        sessions: Callable[[], AsyncSession],
    ) -> None:
        """One batch in one transaction, retried when a concurrent import got in first.

        A collision waits for the other import's transaction and the retry then sees its
        lines and customers, so each attempt makes progress. A dry run writes the batch the
        same way, so its counts are the real ones, and rolls it back.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            before = replace(self.summary.written)
            try:
                async with sessions() as session:
                    await begin_batch(session)
                    self.summary.written.add(await write(session))
                    if not self.options.dry_run:
                        await session.execute(self._record_values("running"))
                        await change_feed.record(
                            session, change_feed.POS_IMPORT, self.summary.import_id
                        )
                        await session.commit()
                    # A dry run leaves the session uncommitted: closing it rolls back.
                return
            except (IntegrityError, ConcurrentImport, DBAPIError, asyncpg.PostgresError) as exc:
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
        stores = await _stores(db)
        parser = await run.start(stores)
        try:
            if db.dialect == "postgresql":
                await run.read_chunks(parser, stores)
            else:
                await run.read_batches(parser)
        except BaseException as exc:  # including Ctrl-C: the record must not stay "running"
            run.summary.seconds = time.monotonic() - began
            try:
                await run.finish("failed", f"{type(exc).__name__}: {exc}"[:500])
            except Exception:  # the database may be what failed; keep the first error
                log.exception("could not record the failed POS import %s", run.summary.import_id)
            raise
        run.summary.seconds = time.monotonic() - began
        await run.finish("done")
    return run.summary
