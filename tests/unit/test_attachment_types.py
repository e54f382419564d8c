"""What the hub accepts as an upload, judged from the bytes alone (hub.attachment_types)."""

from __future__ import annotations

import pytest

from hub.attachment_types import (
    GIF,
    JPEG,
    PDF,
    PNG,
    WEBP,
    FileType,
    UnsupportedType,
    check_size,
    safe_filename,
    sniff,
)
from hub.errors import InvalidInput, PayloadTooLarge
from tests import attachment_files as files


def judge(data: bytes) -> FileType:
    return sniff(data[: 64 * 1024], data[-1024:], len(data))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (files.png(), PNG),
        (files.png(1, 1), PNG),
        (files.GIF, GIF),
        (files.WEBP, WEBP),
        (files.JPEG, JPEG),
        (files.PDF, PDF),
    ],
)
def test_each_accepted_type_is_recognised_by_its_bytes(data: bytes, expected: FileType) -> None:
    assert judge(data) == expected


def test_images_are_shown_as_images_and_pdf_as_a_file() -> None:
    assert {t.kind for t in (PNG, GIF, WEBP, JPEG)} == {"image"}
    assert PDF.kind == "file" and PDF.content_type == "application/pdf"


@pytest.mark.parametrize(
    "data",
    [files.HTML, files.SVG, b"just some text", b"PK\x03\x04zipfile", b"\x00" * 100],
    ids=["html", "svg", "text", "zip", "zeros"],
)
def test_anything_else_is_refused_as_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedType) as refused:
        judge(data)
    assert refused.value.status == 415 and refused.value.code == "unsupported_type"


@pytest.mark.parametrize(
    "data",
    [
        files.png()[:-12],  # no IEND
        files.png()[:40],
        files.GIF[:-1],  # no trailer
        files.JPEG[:-2],  # no EOI
        files.WEBP[:-4],  # shorter than its RIFF header says
        files.PDF.replace(b"%%EOF", b""),
    ],
    ids=["png-no-end", "png-cut", "gif", "jpeg", "webp", "pdf"],
)
def test_truncated_files_are_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedType):
        judge(data)


def test_a_gif_header_in_front_of_a_script_is_refused() -> None:
    with pytest.raises(UnsupportedType):
        judge(files.POLYGLOT)


def test_an_image_with_html_appended_is_refused() -> None:
    with pytest.raises(UnsupportedType):
        judge(files.png() + files.HTML)
    with pytest.raises(UnsupportedType):
        judge(files.JPEG + b"<html><script>alert(1)</script></html>")


def test_an_image_whose_header_lies_about_its_size_is_refused() -> None:
    empty_png = files.png(0, 0)
    with pytest.raises(UnsupportedType):
        judge(empty_png)
    bad_crc = bytearray(files.png())
    bad_crc[20] ^= 0xFF  # the width changed, the checksum did not
    with pytest.raises(UnsupportedType):
        judge(bytes(bad_crc))
    zero_gif = files.GIF[:6] + b"\x00\x00\x00\x00" + files.GIF[10:]
    with pytest.raises(UnsupportedType):
        judge(zero_gif)


def test_html_named_png_is_refused_whatever_the_name() -> None:
    with pytest.raises(UnsupportedType):
        judge(files.HTML)  # the name and declared type are never even read


def test_an_empty_file_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        sniff(b"", b"", 0)
    assert refused.value.field == "file" and refused.value.code == "empty_file"
    with pytest.raises(InvalidInput):
        check_size(0, 100)


def test_too_big_is_413_and_the_limit_itself_is_fine() -> None:
    check_size(10 * 1024 * 1024, 10 * 1024 * 1024)
    with pytest.raises(PayloadTooLarge) as refused:
        check_size(10 * 1024 * 1024 + 1, 10 * 1024 * 1024)
    assert refused.value.status == 413 and refused.value.code == "file_too_large"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("holiday.png", "holiday.png"),
        ("photo.png", "photo.jpg"),  # the bytes decide the extension
        ("../../etc/passwd", "passwd.jpg"),
        ("C:\\Users\\me\\ring.jpeg", "ring.jpg"),
        ("bague\u202egnp.exe", "baguegnp.jpg"),
        ('"><img src=x>.jpg', "img src_x.jpg"),
        ("", "attachment.jpg"),
        (None, "attachment.jpg"),
        ("戒指 照片.jpg", "戒指 照片.jpg"),
    ],
)
def test_filenames_are_sanitised(name: object, expected: str) -> None:
    if expected == "holiday.png":
        assert safe_filename(name, PNG) == expected
    else:
        assert safe_filename(name, JPEG) == expected


def test_a_long_filename_is_cut() -> None:
    assert len(safe_filename("a" * 500 + ".pdf", PDF)) <= 104
