"""The console's Administration rules (hub/web/static/console/admin-rules.js), run in Node:
the weekly-hours text it fills a form with reads back as the same hours in the hub's
parser, and what it offers a manager is what hub.staff_access allows (the browser tests
cover the pages; these cover the cases a page would need a dozen accounts for)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from booking.hours import parse_hours

RULES = (
    Path(__file__).resolve().parents[2] / "hub" / "web" / "static" / "console" / "admin-rules.js"
)
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


@pytest.fixture
def run(tmp_path: Path) -> Any:
    """Evaluates `expression` with the module's exports in scope; its value as JSON."""
    module = tmp_path / "admin-rules.mjs"
    module.write_text(RULES.read_text(encoding="utf-8"), encoding="utf-8")

    def evaluate(expression: str) -> Any:
        script = (
            f"import * as rules from {json.dumps(module.as_uri())};\n"
            "const { hoursText, powers, changedFields, storesPart, auditSummary, dayStart,"
            " wordList, numberOrText } = rules;\n"
            f"process.stdout.write(JSON.stringify({expression}));\n"
        )
        done = subprocess.run(
            [str(NODE), "--input-type=module", "-e", script],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return evaluate


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Sat 10:00-19:00",
        "Mon-Fri 10:00-19:00; Sat 11:00-13:00 14:00-18:00",
        "Mon 09:00-12:00; Wed 09:00-12:00; Sun 00:00-24:00",
        "Tue-Thu 10:00-14:00 15:00-19:00; Fri-Sun 12:00-20:00",
    ],
)
def test_weekly_hours_written_by_the_console_read_back_the_same(run: Any, text: str) -> None:
    hours = parse_hours(text)
    written = run(f"hoursText({json.dumps(hours)})")
    assert parse_hours(written) == hours
    assert written == text  # the compact form a manager would type


def test_no_hours_is_an_empty_field(run: Any) -> None:
    assert run("[hoursText(null), hoursText(undefined)]") == ["", ""]


MANAGER = {"id": "m1", "role": "manager"}
ADMIN = {"id": "a1", "role": "admin"}


def person(**fields: Any) -> dict[str, Any]:
    return {"id": "p1", "role": "ambassador", "stores": ["PARIS01"], "status": "active", **fields}


def offered(run: Any, me: dict[str, Any], target: dict[str, Any], mine: list[str]) -> Any:
    return run(
        f"(() => {{ const p = powers({json.dumps(me)}, {json.dumps(target)}, {json.dumps(mine)});"
        " return {...p, grantable: ['PARIS01', 'LYON01', 'NICE01'].filter(p.grantable)}; })()"
    )


@pytest.mark.parametrize(
    ("me", "target", "mine", "expected"),
    [
        # A manager and an ambassador of their own store: everything but the admin role.
        (
            MANAGER,
            person(),
            ["PARIS01"],
            {"editWhole": True, "editRole": True, "deactivate": True, "reason": None},
        ),
        # Someone who also works elsewhere: only stores and hours here; an admin decides.
        (
            MANAGER,
            person(stores=["PARIS01", "NICE01"]),
            ["PARIS01"],
            {"editWhole": False, "editRole": False, "deactivate": False, "schedules": True},
        ),
        # An admin's account is out of a manager's hands.
        (
            MANAGER,
            person(role="admin"),
            ["PARIS01"],
            {"editWhole": False, "schedules": False, "deactivate": False, "reason": "admin_only"},
        ),
        # Nobody changes their own role or deactivates themselves.
        (
            MANAGER,
            person(id="m1", role="manager"),
            ["PARIS01"],
            {"editWhole": True, "editRole": False, "deactivate": False},
        ),
        (ADMIN, person(id="a1", role="admin"), [], {"editRole": False, "deactivate": False}),
        # An admin manages everyone, in every store, and may make admins.
        (
            ADMIN,
            person(stores=["NICE01"]),
            [],
            {"editWhole": True, "deactivate": True, "grantable": ["PARIS01", "LYON01", "NICE01"]},
        ),
        (
            MANAGER,
            person(status="deactivated"),
            ["PARIS01"],
            {"activate": True, "deactivate": False},
        ),
        (MANAGER, person(status="invited"), ["PARIS01"], {"resend": True, "activate": False}),
    ],
)
def test_the_console_offers_what_the_hub_allows(
    run: Any, me: dict[str, Any], target: dict[str, Any], mine: list[str], expected: dict[str, Any]
) -> None:
    found = offered(run, me, target, mine)
    assert {key: found[key] for key in expected} == expected


def test_a_manager_grants_only_their_stores_and_gives_no_admin_role(run: Any) -> None:
    found = offered(run, MANAGER, person(stores=["PARIS01", "NICE01"]), ["PARIS01", "LYON01"])
    assert found["grantable"] == ["PARIS01", "LYON01"]
    assert found["roles"] == ["ambassador", "manager"]
    assert offered(run, ADMIN, person(), [])["roles"] == ["ambassador", "manager", "admin"]


def test_a_patch_carries_only_what_changed(run: Any) -> None:
    before = {"name": "Inès", "languages": ["fr", "en"], "capacity": 3, "stores": ["PARIS01"]}
    after = {"name": "Inès", "languages": ["fr"], "capacity": 4, "stores": ["PARIS01"]}
    assert run(f"changedFields({json.dumps(before)}, {json.dumps(after)})") == {
        "languages": ["fr"],
        "capacity": 4,
    }
    assert run("storesPart(['PARIS01', 'NICE01'], (code) => code !== 'NICE01')") == ["PARIS01"]


def test_numbers_and_words_as_typed(run: Any) -> None:
    assert run(
        "[numberOrText(''), numberOrText(' 12 '), numberOrText('1.5'), numberOrText('x')]"
    ) == [
        None,
        12,
        1.5,
        "x",
    ]
    assert run("wordList(' bridal, ,repairs ,')") == ["bridal", "repairs"]


def test_audit_details_never_show_a_secret_and_stay_short(run: Any) -> None:
    data = {
        "code": "LYON01",
        "app_secret": "s3cret",
        "token": "t0ken",
        "password_hash": "x",
        "changes": {"role": {"from": "ambassador", "to": "manager"}, "stores": {}},
    }
    summary = run(f"auditSummary({json.dumps(data)})")
    assert summary == "code=LYON01 · changes: role, stores"
    schedule = {"store_id": "ba77c469", "hours": parse_hours("Tue-Sat 10:00-19:00")}
    assert run(f"auditSummary({json.dumps(schedule)})") == "hours=Tue-Sat 10:00-19:00"
    assert run(f"auditSummary({json.dumps({'note': 'x' * 500})}, 40)").endswith("…")
    assert len(run(f"auditSummary({json.dumps({'note': 'x' * 500})}, 40)")) == 40


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-60, "2026-12-01T00:00:00+01:00"),
        (300, "2026-12-01T00:00:00-05:00"),
        (0, "2026-12-01T00:00:00+00:00"),
    ],
)
def test_a_day_starts_on_the_readers_clock(run: Any, offset: int, expected: str) -> None:
    assert run(f"dayStart('2026-12-01', {offset})") == expected
