"""What a web chat upload really is, judged from its bytes (never its name or declared type).

Uploads come from anonymous shoppers, so a file is accepted only when its bytes are one
of a few formats browsers display safely: JPEG, PNG, GIF, WebP and PDF. An image must
also look like one through and through: its header describes a picture (non-zero size),
its structure ends where the format says it ends (nothing smuggled after it, nothing cut
off), and no markup hides in its first kilobyte, where browsers sniff for HTML. Pure
functions: the HTTP layer streams the bytes and hands over the head and the tail.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass

from hub.errors import HubError, InvalidInput, PayloadTooLarge

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# How much of the start and the end of a file the checks read.
HEAD_BYTES = 64 * 1024
TAIL_BYTES = 1024
# Where browsers look for HTML when they sniff; markup there makes an image suspect.
SNIFF_WINDOW = 1024
_MARKUP = re.compile(
    rb"<\s*(?:script|html|head|body|iframe|svg|object|embed|!doctype|\?xml|a\s|img\s)",
    re.IGNORECASE,
)
_UNSAFE_NAME = re.compile(r"[^\w.\- ()\[\]+,]+")


class UnsupportedType(HubError):
    """The bytes are not one of the accepted formats (whatever the name or header said)."""

    status = 415
    code = "unsupported_type"


@dataclass(frozen=True)
class FileType:
    """An accepted format: the type served, what the timeline calls it, its usual extension."""

    content_type: str
    kind: str  # image | file
    extension: str


JPEG = FileType("image/jpeg", "image", "jpg")
PNG = FileType("image/png", "image", "png")
GIF = FileType("image/gif", "image", "gif")
WEBP = FileType("image/webp", "image", "webp")
PDF = FileType("application/pdf", "file", "pdf")
ACCEPTED = (JPEG, PNG, GIF, WEBP, PDF)
ACCEPTED_TYPES = frozenset(t.content_type for t in ACCEPTED)


def check_size(size: int, limit: int) -> None:
    """413 past the limit; 400 for nothing at all."""
    if size > limit:
        raise PayloadTooLarge(
            f"the file is larger than {limit // (1024 * 1024) or 1} MB", code="file_too_large"
        )
    if size == 0:
        raise InvalidInput("file", "the file is empty", code="empty_file")


def sniff(head: bytes, tail: bytes, size: int) -> FileType:
    """The file's format from its first ``HEAD_BYTES`` and last ``TAIL_BYTES`` bytes.

    ``head`` and ``tail`` may overlap (a small file is both); ``size`` is the whole length.
    Raises UnsupportedType for anything not accepted, or an image whose header lies."""
    if size <= 0 or not head:
        raise InvalidInput("file", "the file is empty", code="empty_file")
    found = _format_of(head)
    if found is None:
        raise UnsupportedType("only JPEG, PNG, GIF, WebP images and PDF documents are accepted")
    if found is PDF:
        if b"%%EOF" not in tail:
            raise UnsupportedType("the PDF document is incomplete")
        return PDF
    if _MARKUP.search(head[:SNIFF_WINDOW]):
        raise UnsupportedType("the image contains markup")
    checks = {JPEG: _jpeg_ok, PNG: _png_ok, GIF: _gif_ok, WEBP: _webp_ok}
    if not checks[found](head, tail, size):
        raise UnsupportedType(f"the file is not a valid {found.extension.upper()} image")
    return found


def _format_of(head: bytes) -> FileType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def _png_ok(head: bytes, tail: bytes, _size: int) -> bool:
    """IHDR first with a real size and a right checksum; IEND last, nothing after it."""
    if len(head) < 33 or head[12:16] != b"IHDR" or struct.unpack(">I", head[8:12])[0] != 13:
        return False
    width, height = struct.unpack(">II", head[16:24])
    crc = struct.unpack(">I", head[29:33])[0]
    if width == 0 or height == 0 or zlib.crc32(head[12:29]) != crc:
        return False
    return tail.endswith(b"\x00\x00\x00\x00IEND\xaeB`\x82")


def _gif_ok(head: bytes, tail: bytes, _size: int) -> bool:
    """A logical screen of real size, and the trailer (0x3B) as the last byte."""
    if len(head) < 13:
        return False
    width, height = struct.unpack("<HH", head[6:10])
    return width > 0 and height > 0 and tail.endswith(b";")


def _webp_ok(head: bytes, _tail: bytes, size: int) -> bool:
    """The RIFF length is the file's (nothing appended, nothing cut) and a known chunk
    with a real canvas follows."""
    if len(head) < 30:
        return False
    riff_size = struct.unpack("<I", head[4:8])[0]
    if riff_size + 8 != size:
        return False
    chunk = head[12:16]
    if chunk == b"VP8 ":
        if head[23:26] != b"\x9d\x01\x2a":
            return False
        width, height = struct.unpack("<HH", head[26:30])
        return (width & 0x3FFF) > 0 and (height & 0x3FFF) > 0
    if chunk == b"VP8L":
        return head[20] == 0x2F
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width > 0 and height > 0
    return False


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _jpeg_ok(head: bytes, tail: bytes, size: int) -> bool:
    """Segments chain correctly up to a frame header of real size (or past what we read of
    a long header), and the image ends with its EOI marker."""
    if not tail.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return False
    offset = 2
    while offset + 4 <= len(head):
        if head[offset] != 0xFF:
            return False
        marker = head[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in _STANDALONE:
            offset += 2
            continue
        if marker in (0xD8, 0xD9):
            return False
        length = struct.unpack(">H", head[offset + 2 : offset + 4])[0]
        if length < 2:
            return False
        if marker in _SOF_MARKERS:
            if offset + 9 > len(head):
                return len(head) < size  # the frame header lies beyond what we read
            height, width = struct.unpack(">HH", head[offset + 5 : offset + 9])
            return width > 0 and height > 0
        if marker == 0xDA:
            return False  # scan data before any frame header
        offset += 2 + length
    return len(head) < size  # a long header (EXIF, ICC) that we only read the start of


def safe_filename(name: object, file_type: FileType) -> str:
    """A name fit to show and to offer as a download: no path, no control characters, at
    most 120 characters, and the extension of what the bytes are (a "photo.png" that is a
    JPEG becomes "photo.jpg")."""
    raw = name if isinstance(name, str) else ""
    raw = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    raw = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    stem = raw.rsplit(".", 1)[0] if "." in raw else raw
    stem = _UNSAFE_NAME.sub("_", stem).strip(" ._")[:100]
    return f"{stem or 'attachment'}.{file_type.extension}"
