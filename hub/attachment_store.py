"""Where uploaded files' bytes live: a small port, and the local filesystem behind it.

A file is stored under a random 256-bit key that is never shown to anyone (the public id
is the attachment row's), in sharded directories (``ab/cd/abcd…``) so no directory grows
huge. Bytes are streamed to a temporary file, checked, flushed to disk (fsync) and only
then renamed into place, so a crash leaves either the whole file or none of it, and a
refused file (too big, wrong type) never appears under a real name. Another store (S3)
implements the same three methods; serving asks ``local_path`` and would redirect or
stream for a remote one.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol, TypeVar

from hub.attachment_types import HEAD_BYTES, TAIL_BYTES
from hub.errors import PayloadTooLarge
from hub.settings import Settings

T = TypeVar("T")
_KEY = re.compile(r"^[0-9a-f]{64}$")
INCOMING = "incoming"  # temporary files, on the same filesystem as the final ones


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int


# Judges a file from its first bytes, its last bytes and its size; raises to refuse it.
Check = Callable[[bytes, bytes, int], T]


class AttachmentStore(Protocol):
    """Keeps uploaded files by an opaque key."""

    async def save(
        self, chunks: AsyncIterable[bytes], *, limit: int, check: Check[T]
    ) -> tuple[StoredFile, T]:
        """Store the streamed bytes if ``check`` accepts them; PayloadTooLarge as soon as
        more than ``limit`` bytes arrive. Nothing is kept when anything raises."""
        ...

    def local_path(self, key: str) -> Path:
        """The file on this machine's disk (FileNotFoundError when it is not there)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; a file already gone is fine."""
        ...


class LocalAttachmentStore:
    """Files under one directory (``HUB_ATTACHMENTS_DIR``), created on demand.

    Several web processes must share the directory (a network or shared volume), as they
    share the database: any of them may serve a file another one stored."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise FileNotFoundError("not an attachment key")
        return self.root / key[:2] / key[2:4] / key

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(str(path))
        return path

    async def save(
        self, chunks: AsyncIterable[bytes], *, limit: int, check: Check[T]
    ) -> tuple[StoredFile, T]:
        key = secrets.token_hex(32)
        final = self._path(key)
        incoming = self.root / INCOMING
        await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
        partial = incoming / f"{key}.part"
        handle = await asyncio.to_thread(_create, partial)
        size = 0
        head = bytearray()
        tail = b""
        try:
            try:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise PayloadTooLarge(
                            f"the file is larger than {limit // (1024 * 1024) or 1} MB",
                            code="file_too_large",
                        )
                    if len(head) < HEAD_BYTES:
                        head += chunk[: HEAD_BYTES - len(head)]
                    tail = (tail + chunk)[-TAIL_BYTES:]
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_flush, handle)
            finally:
                await asyncio.to_thread(handle.close)
            checked = check(bytes(head), tail, size)
            await asyncio.to_thread(_move_into_place, partial, final)
        except BaseException:
            await asyncio.to_thread(_unlink, partial)
            raise
        return StoredFile(key, size), checked

    async def delete(self, key: str) -> None:
        try:
            path = self._path(key)
        except FileNotFoundError:
            return
        await asyncio.to_thread(_unlink, path)


def _create(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    return os.fdopen(fd, "wb")


def _flush(handle: IO[bytes]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _move_into_place(partial: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(partial, final)
    # The rename itself is durable only once the directory is flushed too.
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def attachment_store(settings: Settings) -> AttachmentStore:
    """The store the settings name (only the local one exists so far)."""
    return LocalAttachmentStore(settings.attachments_dir)
