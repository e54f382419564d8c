"""CSV the hub writes cannot run formulas in a spreadsheet, and reads back as written."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from hub.pos_import.csv_safe import SafeCsvWriter, neutralise, write_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+33 1 42 96 50 00", "'+33 1 42 96 50 00"),
        ("-250,00", "'-250,00"),
        ("@SUM(1+1)*cmd", "'@SUM(1+1)*cmd"),
        ("  =cmd", "'  =cmd"),  # spreadsheets ignore leading spaces
        ("\n=cmd", "'\n=cmd"),
        ("\t=cmd", "'\t=cmd"),
        ("\tplain", "'\tplain"),  # tab and carriage return open a cell on their own
        ("\rplain", "'\rplain"),
        ("\uff1dcmd", "'\uff1dcmd"),  # full-width equals sign
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("O'Brien", "O'Brien"),
        ("2026-11-20", "2026-11-20"),
        ("", ""),
        ("   ", "   "),
    ],
)
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_every_text_cell_is_neutralised_numbers_are_not() -> None:
    out = io.StringIO(newline="")
    count = write_csv(
        out,
        ["line", "=header", "value"],
        [
            [7, "email", "=cmd|' /C calc'!A0"],
            [-5, Decimal("-12.50"), None],
            [8, "multi\nline, with comma", '"quoted"'],
        ],
    )
    assert count == 3
    assert read_back(out.getvalue()) == [
        ["line", "'=header", "value"],
        ["7", "email", "'=cmd|' /C calc'!A0"],
        ["-5", "-12.50", ""],  # a number cannot carry a formula
        ["8", "multi\nline, with comma", '"quoted"'],
    ]


def test_rows_are_streamed_not_held() -> None:
    seen: list[int] = []

    def rows() -> Iterator[list[object]]:
        for i in range(3):
            seen.append(i)
            yield [i, f"+{i}"]

    out = io.StringIO(newline="")
    assert write_csv(out, ["n", "text"], rows()) == 3
    assert seen == [0, 1, 2]
    assert read_back(out.getvalue())[1:] == [["0", "'+0"], ["1", "'+1"], ["2", "'+2"]]


def test_a_path_gets_utf8_with_a_bom_for_spreadsheets(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_csv(target, ["name"], [["Amélie"], ["-1"]])
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfname\r\n")
    assert read_back(raw.decode("utf-8-sig")) == [["name"], ["Amélie"], ["'-1"]]


def test_the_writer_counts_rows() -> None:
    out = io.StringIO(newline="")
    writer = SafeCsvWriter(out, ["a"])
    writer.write(["@x"])
    writer.write(["y"])
    assert writer.rows == 2
    assert read_back(out.getvalue()) == [["a"], ["'@x"], ["y"]]
