"""The POS import from the console: a manager uploads the daily file, the hub imports it as
a background job and pushes progress and the summary to that manager's consoles."""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from sqlalchemy import select

from hub.api.requests import principal
from hub.db.profile_models import PosImport
from hub.errors import Forbidden, HubError, InvalidInput, PayloadTooLarge
from hub.messages import iso
from hub.openapi import Body, errors, operation
from hub.openapi.schemas import BOOLEAN, DATE_TIME, INTEGER, OBJECT, STRING, array, nullable, obj
from hub.pos_import.importer import ImportOptions, import_pos_file
from hub.services import Services, services
from hub.staff import Principal

log = logging.getLogger("hub.imports")
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
CHUNK = 256 * 1024
PROGRESS_EVERY_SECONDS = 0.5


IMPORT = obj(
    {
        "id": STRING,
        "filename": STRING,
        "status": STRING,
        "dry_run": BOOLEAN,
        "started_at": DATE_TIME,
        "finished_at": nullable(DATE_TIME),
        "rows_read": INTEGER,
        "imported": INTEGER,
        "duplicate": INTEGER,
        "failed": INTEGER,
        "errors": array(OBJECT),
    }
)
UPLOAD = Body(
    obj(
        {"file": {"type": "string", "contentMediaType": "text/csv"}},
        {"dry_run": {"type": "string", "enum": ["true", "false"]}},
    ),
    media_type="multipart/form-data",
)


def _manager(who: Principal) -> None:
    if not who.is_manager:
        raise Forbidden("only a store manager can import POS files", code="not_manager")


async def _receive_file(request: web.Request, folder: Path) -> tuple[Path, str, bool]:
    """Stream the upload to disk with a hard cap; never hold the file in memory."""
    reader = await request.multipart()
    path, name, dry_run = folder / "upload.csv", "upload.csv", False
    received = 0
    saw_file = False
    async for part in reader:
        if not isinstance(part, BodyPartReader):  # nested multiparts are not a POS export
            raise InvalidInput("file", "send one file, not a nested multipart")
        if part.name == "dry_run":
            dry_run = (await part.text()).strip().lower() in ("1", "true", "yes")
        elif part.name == "file":
            saw_file = True
            name = Path(part.filename or "upload.csv").name[:200]
            # Keep the manager's file name (the import record shows it), made path-safe.
            path = folder / (re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "upload.csv")
            with path.open("wb") as out:
                while chunk := await part.read_chunk(CHUNK):
                    received += len(chunk)
                    if received > MAX_UPLOAD_BYTES:
                        raise PayloadTooLarge("the file is larger than 512 MB")
                    out.write(chunk)
    if not saw_file:
        raise InvalidInput("file", "attach the POS export as the 'file' field")
    return path, name, dry_run


@operation(
    summary="Upload the POS export; it is imported in the background",
    tag="imports",
    auth="staff",
    request=UPLOAD,
    responses={
        202: obj({"job_id": STRING, "filename": STRING, "dry_run": BOOLEAN}),
        **errors(400, 413),
    },
)
async def upload(request: web.Request) -> web.Response:
    """``multipart/form-data`` with ``file`` (and ``dry_run``): 202 with a job id."""
    who = await principal(request)
    _manager(who)
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput("file", "send the file as multipart/form-data")
    folder = Path(tempfile.mkdtemp(prefix="concierge-pos-"))
    try:
        path, name, dry_run = await _receive_file(request, folder)
    except (HttpProcessingError, ValueError, LookupError):
        # aiohttp's multipart reader refuses a malformed part (bad headers, charset,
        # boundary) with these: the sender's mistake, not ours.
        shutil.rmtree(folder, ignore_errors=True)
        raise InvalidInput("file", "the upload is not valid multipart/form-data") from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    hub = services(request)
    job_id = secrets.token_hex(8)
    hub.tasks.spawn(_run(hub, who, job_id, path, name, dry_run), name=f"pos-import:{job_id}")
    return web.json_response({"job_id": job_id, "filename": name, "dry_run": dry_run}, status=202)


async def _run(
    hub: Services, who: Principal, job_id: str, path: Path, name: str, dry_run: bool
) -> None:
    last = [0.0]

    def progress(rows: int, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            data = {
                "job_id": job_id,
                "rows_read": rows,
                "fraction": round(done / total, 3) if total else None,
            }
            hub.tasks.spawn(
                hub.publisher.to_staff(who.id, "import_progress", data), name="emit:import"
            )

    result: dict[str, Any] = {"job_id": job_id, "filename": name}
    try:
        summary = await import_pos_file(
            hub.db,
            path,
            clock=hub.clock,
            on_progress=progress,
            options=ImportOptions(dry_run=dry_run, actor_kind="staff", actor_id=who.id),
        )
        result.update(status="done", import_id=summary.import_id, summary=summary.counts())
    except HubError as exc:
        result.update(status="failed", error=exc.as_payload()["error"])
    except Exception:
        log.exception("POS import job failed", extra={"fields": {"job_id": job_id}})
        result.update(
            status="failed", error={"code": "internal_error", "message": "the import failed"}
        )
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    await hub.publisher.to_staff(who.id, "import_done", result)


@operation(
    summary="The last POS imports with their counts (managers only)",
    tag="imports",
    auth="staff",
    responses={200: obj({"imports": array(IMPORT)}), **errors(403)},
)
async def recent(request: web.Request) -> web.Response:
    """The last imports, newest first, with their counts and first errors."""
    who = await principal(request)
    _manager(who)
    async with services(request).db.reading() as session:
        rows = (
            await session.scalars(select(PosImport).order_by(PosImport.started_at.desc()).limit(20))
        ).all()
    return web.json_response(
        {
            "imports": [
                {
                    "id": r.id,
                    "filename": r.filename,
                    "status": r.status,
                    "dry_run": r.dry_run,
                    "started_at": iso(r.started_at),
                    "finished_at": iso(r.finished_at),
                    "rows_read": r.rows_read,
                    "imported": r.rows_imported,
                    "duplicate": r.rows_duplicate,
                    "failed": r.rows_failed,
                    "errors": (r.errors or [])[:10],
                }
                for r in rows
            ]
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/imports", upload)
    app.router.add_get("/api/imports", recent)
