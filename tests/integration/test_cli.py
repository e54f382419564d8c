"""The `hub` command as operators use it: clear one-line errors, non-zero exits, no
half-written rows, and an idempotent demo seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.db.engine import Database
from hub.db.models import AppointmentType, AuditEntry, Staff, Store

HUB = str(Path(sys.executable).parent / "hub")


def run(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": url}
    return subprocess.run(
        [HUB, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


async def counts(url: str) -> tuple[int, int, int, int]:
    db = Database(url)
    try:
        async with db.reading() as session:
            found = [
                int(await session.scalar(select(func.count()).select_from(m)) or 0)
                for m in (Store, Staff, AppointmentType, AuditEntry)
            ]
            return (found[0], found[1], found[2], found[3])
    finally:
        await db.close()


PARIS = [
    "store",
    "add",
    "PARIS01",
    "--name",
    "Paris",
    "--timezone",
    "Europe/Paris",
    "--country",
    "FR",
    "--languages",
    "fr,en",
    "--hours",
    "Mon-Sat 10:00-19:00",
]


async def test_store_and_staff_add_write_what_the_contract_promises(database_url: str) -> None:
    result = run(database_url, *PARIS)
    assert result.returncode == 0, result.stderr
    assert "PARIS01" in result.stdout
    staff = run(
        database_url,
        "staff",
        "add",
        "--email",
        "Amelie@Example.com",
        "--name",
        "Amélie",
        "--store",
        "paris01",
        "--role",
        "manager",
        "--capacity",
        "4",
        "--phone",
        "06 12 34 56 78",
        "--password-stdin",
        stdin="a long enough secret\n",
    )
    assert staff.returncode == 0, staff.stderr
    db = Database(database_url)
    try:
        async with db.reading() as session:
            store = await session.scalar(select(Store))
            member = await session.scalar(select(Staff))
            types = (
                await session.scalars(select(AppointmentType).order_by(AppointmentType.code))
            ).all()
    finally:
        await db.close()
    assert (
        store is not None
        and store.opening_hours is not None
        and store.opening_hours["sat"] == [["10:00", "19:00"]]
    )
    assert [(t.code, t.kind, t.duration_minutes) for t in types] == [
        ("in-store", "in_store", 60),
        ("virtual", "virtual", 30),
    ]
    assert member is not None and member.role == "manager" and member.capacity == 4
    assert member.email == "amelie@example.com"  # as the login form compares it
    assert member.languages == ["fr", "en"]  # the store's languages by default
    assert member.phone == "+33612345678"  # a national number, in the store's country
    assert "a long enough secret" not in member.password_hash


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            [
                "store",
                "add",
                "X1",
                "--name",
                "X",
                "--timezone",
                "Mars/Base",
                "--country",
                "FR",
                "--languages",
                "fr",
            ],
            None,
            "time zone",
        ),
        (
            [
                "store",
                "add",
                "X1",
                "--name",
                "X",
                "--timezone",
                "UTC",
                "--country",
                "France",
                "--languages",
                "fr",
            ],
            None,
            "two-letter",
        ),
        (
            [
                "store",
                "add",
                "X1",
                "--name",
                "X",
                "--timezone",
                "UTC",
                "--country",
                "FR",
                "--languages",
                "fr",
                "--hours",
                "Mon 25:00-26:00",
            ],
            None,
            "hours",
        ),
        (
            [
                "store",
                "add",
                "PARIS01",
                "--name",
                "X",
                "--timezone",
                "UTC",
                "--country",
                "FR",
                "--languages",
                "fr",
            ],
            None,
            "already exists",
        ),
        (
            [
                "staff",
                "add",
                "--email",
                "a@b.co",
                "--name",
                "A",
                "--store",
                "NOPE",
                "--password-stdin",
            ],
            "a long enough secret\n",
            "NOPE does not exist",
        ),
        (
            [
                "staff",
                "add",
                "--email",
                "not-an-email",
                "--name",
                "A",
                "--store",
                "PARIS01",
                "--password-stdin",
            ],
            "a long enough secret\n",
            "e-mail",
        ),
        (
            [
                "staff",
                "add",
                "--email",
                "a@b.co",
                "--name",
                "A",
                "--store",
                "PARIS01",
                "--password-stdin",
            ],
            "short\n",
            "at least 10",
        ),
        (
            [
                "staff",
                "add",
                "--email",
                "a@b.co",
                "--name",
                "A",
                "--store",
                "PARIS01",
                "--capacity",
                "0",
                "--password-stdin",
            ],
            "a long enough secret\n",
            "capacity",
        ),
        (
            [
                "staff",
                "add",
                "--email",
                "a@b.co",
                "--name",
                "A",
                "--store",
                "PARIS01",
                "--phone",
                "12",
                "--password-stdin",
            ],
            "a long enough secret\n",
            "--phone",
        ),
        (["staff", "add", "--email", "a@b.co"], None, "required"),
        (["store", "add"], None, "required"),
    ],
)
async def test_bad_input_prints_one_line_exits_non_zero_and_writes_nothing(
    database_url: str, args: list[str], stdin: str | None, message: str
) -> None:
    assert run(database_url, *PARIS).returncode == 0
    before = await counts(database_url)
    result = run(database_url, *args, stdin=stdin)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert await counts(database_url) == before


async def test_seed_demo_twice_changes_nothing(database_url: str) -> None:
    first = run(database_url, "seed-demo")
    assert first.returncode == 0, first.stderr
    assert "amelie@demo.concierge" in first.stdout and "[12/12]" in first.stdout
    assert "demo history: 70 conversations" in first.stdout
    assert "canned replies 4 new; Amélie's clients 3 new" in first.stdout
    after_first = await counts(database_url)
    second = run(database_url, "seed-demo")
    assert second.returncode == 0 and "0 new" in second.stdout
    assert "canned replies 0 new; Amélie's clients 0 new" in second.stdout
    assert await counts(database_url) == after_first
    mailboxes = run(database_url, "mailbox", "list")
    assert "paris01@demo.concierge" in mailboxes.stdout and "PARIS01" in mailboxes.stdout


def test_mailbox_add_refuses_a_plus_address_and_an_unknown_store(database_url: str) -> None:
    assert run(database_url, *PARIS).returncode == 0
    added = run(database_url, "mailbox", "add", "Concierge@Maison.example", "--store", "paris01")
    assert added.returncode == 0 and "concierge@maison.example added for PARIS01" in added.stdout
    again = run(database_url, "mailbox", "add", "concierge@maison.example", "--store", "PARIS01")
    assert again.returncode == 1 and "exists" in again.stderr
    plus = run(database_url, "mailbox", "add", "paris+x@maison.example", "--store", "PARIS01")
    assert plus.returncode == 1 and "+" in plus.stderr
    unknown = run(database_url, "mailbox", "add", "rome@maison.example", "--store", "ROME01")
    assert unknown.returncode == 1 and "ROME01" in unknown.stderr


def test_commands_on_an_unmigrated_database_say_so(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    result = run(url, *PARIS)
    assert result.returncode == 1 and "hub migrate" in result.stderr
    serve = run(url, "serve", "--port", "1")
    assert serve.returncode == 1 and "hub migrate" in serve.stderr


def test_migrate_reports_progress_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    first = run(url, "migrate")
    assert first.returncode == 0 and "migrated from empty" in first.stdout
    again = run(url, "migrate")
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_worker_without_redis_explains_the_embedded_mode(tmp_path: Path) -> None:
    result = run(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", "worker")
    assert result.returncode == 1 and "HUB_REDIS_URL" in result.stderr


WECHAT = ["--app-id", "wx0123456789abcdef", "--token", "conciergetoken", "--store", "PARIS01"]
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_SECRET = "0123456789abcdef0123456789abcdef"


def test_wechat_add_checks_every_value_and_never_prints_the_secret(database_url: str) -> None:
    assert run(database_url, *PARIS).returncode == 0
    add = ["wechat", "add", "cn", *WECHAT, "--app-secret-stdin"]
    bad_key = run(database_url, *add, "--aes-key", "short", stdin=f"{APP_SECRET}\n")
    assert bad_key.returncode == 1 and "EncodingAESKey" in bad_key.stderr
    no_secret = run(database_url, *add, "--aes-key", AES_KEY, stdin="\n")
    assert no_secret.returncode == 1 and "stdin" in no_secret.stderr
    added = run(database_url, *add, "--aes-key", AES_KEY, stdin=f"{APP_SECRET}\n")
    assert added.returncode == 0 and "/wechat/cn" in added.stdout
    again = run(database_url, *add, "--aes-key", AES_KEY, stdin=f"{APP_SECRET}\n")
    assert again.returncode == 1 and "exists" in again.stderr
    listed = run(database_url, "wechat", "list")
    assert "cn" in listed.stdout and "wx0123456789abcdef" in listed.stdout
    for result in (bad_key, no_secret, added, again, listed):
        assert APP_SECRET not in result.stdout + result.stderr
    template = run(
        database_url, "wechat", "template", "cn", "reminder", "--template-id", "T1",
        "--field", "first={nobody}",
    )  # fmt: skip
    assert template.returncode == 1 and "{nobody} is not one of" in template.stderr


def test_voice_add_checks_the_number_and_account_and_never_prints_the_token(
    database_url: str,
) -> None:
    assert run(database_url, *PARIS).returncode == 0
    token = "f" * 32
    sid = "AC" + "0" * 32
    add = ["voice", "add", "twilio", "--store", "PARIS01", "--auth-token-stdin"]
    national = run(database_url, *add, "--number", "0142965000", "--account-sid", sid, stdin=token)
    assert national.returncode == 1 and "international" in national.stderr
    bad_sid = run(
        database_url, *add, "--number", "+33142965000", "--account-sid", "AC1", stdin=token
    )
    assert bad_sid.returncode == 1 and "account SID" in bad_sid.stderr
    no_token = run(database_url, *add, "--number", "+33142965000", "--account-sid", sid, stdin="\n")
    assert no_token.returncode == 1 and "auth token" in no_token.stderr
    added = run(
        database_url, *add, "--number", "+33 1 42 96 50 00", "--account-sid", sid, stdin=token
    )
    assert added.returncode == 0 and "+33142965000 added for PARIS01" in added.stdout
    again = run(database_url, *add, "--number", "+33142965000", "--account-sid", sid, stdin=token)
    assert again.returncode == 1 and "configured already" in again.stderr
    listed = run(database_url, "voice", "list")
    assert "+33142965000" in listed.stdout and "PARIS01" in listed.stdout
    for result in (national, bad_sid, no_token, added, again, listed):
        assert token not in result.stdout + result.stderr
