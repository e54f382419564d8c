"""Two job kinds that keep the attachment store in step with the database.

``attachment_sweep``: an upload nobody sent within a day goes. Each pending upload is its
own job, due a day after it arrived; the runners find them again through ``due`` after a
restart (hub.jobs). The row is deleted only if it is still pending and old enough (a
conditional delete, so a message claiming it at the same moment either wins or fails
cleanly).

``attachment_file``: a file whose row is gone is deleted. Whatever deletes a row with a
file (this sweep, a customer's erasure, a message's cascade) leaves its key in
``discarded_files`` (a trigger, in the same transaction), so the file follows the row
however the row went; a crash in between leaves the key there for the next run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.attachment_store import attachment_store
from hub.attachment_uploads import PENDING_TTL, stale_uploads
from hub.db.channel_models import Attachment, DiscardedFile
from hub.jobs.kind import JobContext, JobKind

SWEEP_JOB = "attachment_sweep"
FILE_JOB = "attachment_file"
DUE_LIMIT = 1000


async def sweep_upload(ctx: JobContext, attachment_id: str) -> None:
    cutoff = ctx.clock() - PENDING_TTL
    async with ctx.db.transaction() as session:
        key = await session.scalar(
            delete(Attachment)
            .where(
                Attachment.id == attachment_id,
                Attachment.message_id.is_(None),
                Attachment.created_at <= cutoff,
            )
            .returning(Attachment.storage_key)
        )
    if key is not None:
        await delete_file(ctx, key)


async def delete_file(ctx: JobContext, storage_key: str) -> None:
    """The file first, then its record: a failure keeps the record for another try."""
    await attachment_store(ctx.settings).delete(storage_key)
    async with ctx.db.transaction() as session:
        await session.execute(delete(DiscardedFile).where(DiscardedFile.storage_key == storage_key))


async def _due_sweeps(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
    return await stale_uploads(session, DUE_LIMIT)


async def _due_files(session: AsyncSession, now: datetime) -> list[tuple[str, datetime]]:
    keys = await session.scalars(select(DiscardedFile.storage_key).limit(DUE_LIMIT))
    return [(key, now) for key in keys]


SWEEP_KIND = JobKind(name=SWEEP_JOB, handle=sweep_upload, due=_due_sweeps)
FILE_KIND = JobKind(name=FILE_JOB, handle=delete_file, due=_due_files)
KINDS = (SWEEP_KIND, FILE_KIND)
