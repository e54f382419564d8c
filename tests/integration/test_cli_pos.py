"""`hub import-pos` as an operator or a nightly job runs it: a summary on stdout, progress
on stderr, an error report safe to open in a spreadsheet, and a non-zero exit only when the
file cannot be read at all."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.commands.pos import ProgressDisplay
from hub.db.engine import Database
from hub.db.profile_models import PosImport, Purchase
from tests.conftest import FakeClock
from tests.factories import make_store
from tests.integration.test_cli import run

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pos"


@pytest.fixture
async def stores(database_url: str) -> None:
    db = Database(database_url)
    try:
        now = FakeClock().now
        await make_store(db, now, "PARIS01")
        await make_store(
            db, now, "GENEVA01", country="CH", timezone="Europe/Zurich", languages="fr,de"
        )
    finally:
        await db.close()


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """The messy fixture, copied so its default report lands in the test's directory."""
    return Path(shutil.copy(FIXTURES / "messy.csv", tmp_path / "messy.csv"))


async def counts(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        async with db.reading() as session:
            purchases = await session.scalar(select(func.count()).select_from(Purchase))
            runs = await session.scalar(select(func.count()).select_from(PosImport))
            return int(purchases or 0), int(runs or 0)
    finally:
        await db.close()


def read_report(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


async def test_an_import_summarises_and_reports_its_errors_safely(
    database_url: str, stores: None, export: Path
) -> None:
    result = run(database_url, "import-pos", str(export))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "imported messy.csv in" in out
    for label, value in (
        ("rows read", 9),
        ("imported", 6),
        ("already imported", 0),
        ("failed", 3),
        ("warnings", 2),
        ("customers created", 3),
        ("linked to a customer", 4),
    ):
        assert any(line.split() == [*label.split(), str(value)] for line in out.splitlines()), (
            label,
            out,
        )
    report = export.with_name("messy.csv.errors.csv")
    assert f"error report: {report} (5 problems)" in out
    # Not a terminal: a progress line per tenth of the file (a small file: straight to 100%).
    assert "import-pos: 100% (9 rows)" in result.stderr

    rows = read_report(report)
    assert rows[0] == ["line", "severity", "column", "reason", "value"]
    by_line = {row[0]: row for row in rows[1:]}
    assert sorted(by_line, key=int) == ["7", "8", "9", "10", "13"]
    assert by_line["10"][1:] == ["error", "unit_price", "'-250,00' is negative", "'-250,00"]
    assert by_line["13"][1:3] == ["warning", "email"]
    assert by_line["13"][4] == "'@SUM(1+1)*cmd"  # neutralised: a spreadsheet shows text
    assert by_line["8"][3:] == ["unknown store 'NOWHERE'", "NOWHERE"]
    assert await counts(database_url) == (6, 1)

    again = run(database_url, "import-pos", str(export))
    assert again.returncode == 0
    assert any(line.split() == ["already", "imported", "6"] for line in again.stdout.splitlines())
    assert await counts(database_url) == (6, 2)


async def test_a_named_report_is_written_even_without_errors(
    database_url: str, stores: None, tmp_path: Path
) -> None:
    clean = Path(shutil.copy(FIXTURES / "overlap.csv", tmp_path / "overlap.csv"))
    named = tmp_path / "reports" / "overlap-report.csv"
    named.parent.mkdir()
    result = run(database_url, "import-pos", str(clean), "--errors", str(named))
    assert result.returncode == 0, result.stderr
    assert read_report(named) == [["line", "severity", "column", "reason", "value"]]
    assert f"error report: {named} (0 problems)" in result.stdout

    unnamed = run(database_url, "import-pos", str(clean))
    assert unnamed.returncode == 0
    assert not clean.with_name("overlap.csv.errors.csv").exists()  # nothing to report
    assert "error report" not in unnamed.stdout


async def test_a_dry_run_writes_no_purchase(database_url: str, stores: None, export: Path) -> None:
    result = run(database_url, "import-pos", str(export), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "checked (dry run, nothing written) messy.csv" in result.stdout
    assert any(
        line.split() == ["would", "be", "imported", "6"] for line in result.stdout.splitlines()
    )
    assert await counts(database_url) == (0, 1)  # the run itself is on record


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "no header"),
        ("transaction_id;désignation\n".encode("latin-1"), "is not UTF-8 text"),
        (b"transaction_id,line_no,store_code\nT1,1,PARIS01\n", "purchased_at, unit_price"),
    ],
)
async def test_an_unreadable_file_is_one_line_and_a_failure(
    database_url: str, stores: None, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_bytes(content)
    result = run(database_url, "import-pos", str(path), "--errors", str(tmp_path / "r.csv"))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hub: ") and message in lines[0], lines
    assert result.stdout == ""
    assert not (tmp_path / "r.csv").exists()
    assert await counts(database_url) == (0, 0)


def test_bad_options_and_a_missing_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    export = FIXTURES / "messy.csv"
    days = run(url, "import-pos", str(export), "--attribution-days", "0")
    assert days.returncode == 2 and "at least 1" in days.stderr
    unmigrated = run(url, "import-pos", str(export))
    assert unmigrated.returncode == 1 and "hub migrate" in unmigrated.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_in_a_log() -> None:
    terminal = Terminal()
    bar = ProgressDisplay(terminal)
    bar.update(500, 50, 100)
    bar.update(1000, 100, 100)
    bar.close()
    drawn = terminal.getvalue()
    assert drawn.startswith("\r[") and "100%" in drawn and drawn.endswith("\n")
    assert "\n" not in drawn[:-1]  # redrawn in place

    log = io.StringIO()
    lines = ProgressDisplay(log)
    for done in (5, 12, 19, 25, 100):
        lines.update(done * 10, done, 100)
    assert log.getvalue().splitlines() == [
        "import-pos: 10% (120 rows)",
        "import-pos: 20% (250 rows)",
        "import-pos: 100% (1,000 rows)",
    ]
