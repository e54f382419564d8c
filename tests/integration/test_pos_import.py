"""The POS import against both databases: counts, idempotence, customer linking,
attribution to the online contact, dry runs, tiers, and the run's own record."""

from __future__ import annotations

import asyncio
import csv
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.db.engine import Database
from hub.db.models import AuditEntry, Conversation, Customer, CustomerIdentity, Store, new_id
from hub.db.profile_models import PosImport, Purchase
from hub.pos_import.importer import ImportOptions, ImportSummary, import_pos_file
from hub.pos_import.records import UnreadableFile
from hub.pos_import.rows import RowError
from tests.conftest import FakeClock, truncate_pg
from tests.factories import make_staff, make_store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pos"
MESSY = FIXTURES / "messy.csv"
OVERLAP = FIXTURES / "overlap.csv"
HEADER = "transaction_id,line_no,store_code,purchased_at,customer_no,email,unit_price,currency\n"


@pytest.fixture
async def stores(db: Database, clock: FakeClock) -> dict[str, str]:
    return {
        "PARIS01": await make_store(db, clock.now, "PARIS01"),
        "GENEVA01": await make_store(
            db, clock.now, "GENEVA01", country="CH", timezone="Europe/Zurich", languages="fr,de"
        ),
    }


async def run(
    db: Database, clock: FakeClock, path: Path, **options: object
) -> tuple[ImportSummary, list[RowError]]:
    problems: list[RowError] = []
    summary = await import_pos_file(
        db, path, clock=clock, options=ImportOptions(**options), on_error=problems.append
    )  # type: ignore[arg-type]
    return summary, problems


async def count(db: Database, model: type) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def purchases(db: Database) -> dict[tuple[str, int], Purchase]:
    async with db.reading() as session:
        found = (await session.scalars(select(Purchase))).all()
    return {(p.transaction_id, p.line_no): p for p in found}


async def customer_by_number(db: Database, number: str) -> Customer:
    async with db.reading() as session:
        customer = await session.scalar(
            select(Customer)
            .join(CustomerIdentity)
            .where(CustomerIdentity.kind == "pos_customer_no", CustomerIdentity.value == number)
        )
    assert customer is not None
    return customer


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


async def test_a_messy_export_imports_its_good_rows(
    db: Database, clock: FakeClock, stores: dict[str, str]
) -> None:
    summary, problems = await run(db, clock, MESSY)
    assert (summary.rows_read, summary.imported, summary.duplicate) == (9, 6, 0)
    assert (summary.failed, summary.warnings) == (3, 2)
    assert (summary.written.customers_created, summary.written.linked) == (3, 4)
    assert [(p.line, p.column, p.severity) for p in problems] == [
        (7, "email", "warning"),
        (8, "store_code", "error"),
        (9, "purchased_at", "error"),
        (10, "unit_price", "error"),
        (13, "email", "warning"),
    ]

    found = await purchases(db)
    assert sorted(found) == [
        ("T1001", 1), ("T1001", 2), ("T1002", 1), ("T1003", 1), ("T1007", 1), ("T1008", 1),
    ]  # fmt: skip
    ring = found[("T1001", 1)]
    assert ring.store_id == stores["PARIS01"]
    assert ring.purchased_at == datetime(2026, 11, 20, 13, 5, tzinfo=UTC)  # Paris, UTC+1
    assert (ring.unit_price, ring.carat, ring.quantity) == (
        Decimal("12500.00"),
        Decimal("0.750"),
        1,
    )
    assert ring.attributes == {"Loyalty_Card": "GOLD-77"}  # the extra column
    assert ring.import_id == summary.import_id
    assert found[("T1001", 2)].description == 'Chain,\n18k "fine" gold'
    assert found[("T1001", 2)].unit_price == Decimal("1234.50")
    assert found[("T1002", 1)].purchased_at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert found[("T1002", 1)].customer_id is None  # anonymous
    assert found[("T1003", 1)].description == '=HYPERLINK("http://evil.example","click")'
    assert found[("T1003", 1)].purchased_at == datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    geneva = found[("T1007", 1)]
    assert (geneva.store_id, geneva.unit_price, geneva.currency) == (
        stores["GENEVA01"],
        Decimal("1250.00"),
        "CHF",
    )
    assert geneva.purchased_at == datetime(2026, 11, 22, 8, 15, tzinfo=UTC)

    anne = await customer_by_number(db, "C-1001")
    assert (anne.name, anne.home_store_id, anne.tier, anne.tier_source) == (
        "Anne Martin",
        stores["PARIS01"],
        "standard",
        "derived",
    )
    assert {(i.kind, i.value, i.verified) for i in anne.identities} == {
        ("pos_customer_no", "C-1001", True),  # issued by the till
        ("email", "anne.martin@example.com", False),  # written on a receipt: a claim
        ("phone", "+33612345678", False),
    }
    assert ring.customer_id == found[("T1001", 2)].customer_id == anne.id
    jean = await customer_by_number(db, "C-1002")
    assert {i.kind for i in jean.identities} == {"pos_customer_no"}  # the bad e-mail dropped


async def test_importing_twice_or_overlapping_adds_nothing_twice(
    db: Database, clock: FakeClock, stores: dict[str, str]
) -> None:
    await run(db, clock, MESSY)
    customers, identities = await count(db, Customer), await count(db, CustomerIdentity)

    again, _ = await run(db, clock, MESSY)
    assert (again.imported, again.duplicate, again.failed) == (0, 6, 3)
    assert again.written.customers_created == 0
    assert await count(db, Purchase) == 6
    assert (await count(db, Customer), await count(db, CustomerIdentity)) == (
        customers,
        identities,
    )

    overlap, _ = await run(db, clock, OVERLAP)
    assert (overlap.rows_read, overlap.imported, overlap.duplicate) == (5, 3, 2)
    assert await count(db, Purchase) == 9
    assert await count(db, Customer) == customers
    found = await purchases(db)
    anne = await customer_by_number(db, "C-1001")
    assert found[("T2001", 1)].customer_id == found[("T2001", 2)].customer_id == anne.id
    assert found[("T2001", 2)].quantity == 2
    # 12,500 + 1,234.50 + 9,000 EUR crosses the VIP threshold (20,000 EUR).
    assert anne.tier == "vip" and overlap.written.tiers_changed == 1


async def test_lines_repeated_within_a_file_and_across_batches(
    db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "repeats.csv",
        "T1,1,PARIS01,2026-11-20T10:00:00,C-9,,100,EUR",
        "T1,2,PARIS01,2026-11-20T10:00:00,C-9,,100,EUR",
        "T1,1,PARIS01,2026-11-20T10:00:00,C-9,,100,EUR",  # same batch
        "T2,1,PARIS01,2026-11-20T11:00:00,C-9,,100,EUR",
        "T1,2,PARIS01,2026-11-20T10:00:00,C-9,,100,EUR",  # a later batch
    )
    summary, _ = await run(db, clock, path, batch_size=2)
    assert (summary.imported, summary.duplicate, summary.written.customers_created) == (3, 2, 1)
    assert await count(db, Purchase) == 3


async def test_purchases_link_by_pos_number_then_verified_contact_only(
    db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    online = new_id()
    claimed = new_id()
    async with db.transaction() as session:
        session.add_all(
            [
                Customer(id=online, name="Online", created_at=clock.now),
                Customer(id=claimed, name="Claimed", created_at=clock.now),
                CustomerIdentity(
                    customer_id=online, kind="email", value="shopper@example.com",
                    verified=True, created_at=clock.now,
                ),
                CustomerIdentity(
                    customer_id=claimed, kind="email", value="typed@example.com",
                    verified=False, created_at=clock.now,
                ),
            ]
        )  # fmt: skip
    path = write(
        tmp_path,
        "links.csv",
        "T1,1,PARIS01,2026-11-20T10:00:00,,Shopper@Example.com,100,EUR",  # verified e-mail
        "T2,1,PARIS01,2026-11-20T11:00:00,P-77,shopper@example.com,100,EUR",  # + new number
        "T3,1,PARIS01,2026-11-20T12:00:00,P-77,,100,EUR",  # the number, now known
        "T4,1,PARIS01,2026-11-20T13:00:00,,typed@example.com,100,EUR",  # a claim only
    )
    summary, _ = await run(db, clock, path)
    assert (summary.imported, summary.written.customers_created, summary.written.linked) == (
        4,
        0,
        3,
    )
    found = await purchases(db)
    assert [found[(t, 1)].customer_id for t in ("T1", "T2", "T3", "T4")] == [
        online,
        online,
        online,
        None,  # an unverified e-mail never links two people
    ]
    async with db.reading() as session:
        number = await session.scalar(
            select(CustomerIdentity).where(CustomerIdentity.value == "P-77")
        )
    assert number is not None and (number.customer_id, number.verified) == (online, True)


async def test_merged_profiles_resolve_and_erased_ones_are_left_alone(
    db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    survivor, tombstone, erased = new_id(), new_id(), new_id()
    async with db.transaction() as session:
        session.add(Customer(id=survivor, created_at=clock.now))
        await session.flush()
        session.add_all(
            [
                Customer(id=tombstone, merged_into_id=survivor, created_at=clock.now),
                Customer(id=erased, erased_at=clock.now, created_at=clock.now),
            ]
        )
        await session.flush()
        for owner, number in ((tombstone, "M-1"), (erased, "E-1")):
            session.add(
                CustomerIdentity(
                    customer_id=owner,
                    kind="pos_customer_no",
                    value=number,
                    verified=True,
                    created_at=clock.now,
                )
            )
    path = write(
        tmp_path,
        "tombstones.csv",
        "T1,1,PARIS01,2026-11-20T10:00:00,M-1,,100,EUR",
        "T2,1,PARIS01,2026-11-20T10:00:00,E-1,,100,EUR",
    )
    summary, _ = await run(db, clock, path)
    found = await purchases(db)
    assert found[("T1", 1)].customer_id == survivor
    assert found[("T2", 1)].customer_id is None
    assert summary.written.customers_created == 0  # nothing re-created from the till


async def conversation(
    db: Database, clock: FakeClock, store_id: str, customer_id: str, staff_id: str | None,
    at: datetime,
) -> str:  # fmt: skip
    conversation_id = new_id()
    async with db.transaction() as session:
        session.add(
            Conversation(
                id=conversation_id,
                store_id=store_id,
                customer_id=customer_id,
                channel="web",
                contact=f"visitor-{conversation_id[:8]}",
                status="closed",
                assigned_staff_id=staff_id,
                created_at=at,
                updated_at=at,
            )
        )
    return conversation_id


async def test_an_offline_sale_is_credited_to_the_online_contact_within_the_window(
    db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    amelie = await make_staff(db, clock.now, "PARIS01", name="Amélie")
    bruno = await make_staff(db, clock.now, "PARIS01", name="Bruno")
    customers = {}
    async with db.transaction() as session:
        for number in ("A-1", "A-2", "A-3", "A-4"):
            customer = Customer(name=number, created_at=clock.now)
            session.add(customer)
            await session.flush()
            session.add(
                CustomerIdentity(
                    customer_id=customer.id,
                    kind="pos_customer_no",
                    value=number,
                    verified=True,
                    created_at=clock.now,
                )
            )
            customers[number] = customer.id
    sale = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 16:00 in Paris
    paris = stores["PARIS01"]
    older = await conversation(db, clock, paris, customers["A-1"], bruno.id, sale - timedelta(10))
    recent = await conversation(db, clock, paris, customers["A-1"], amelie.id, sale - timedelta(3))
    await conversation(db, clock, paris, customers["A-1"], bruno.id, sale + timedelta(hours=1))
    await conversation(db, clock, paris, customers["A-2"], amelie.id, sale - timedelta(days=20))
    await conversation(db, clock, paris, customers["A-3"], None, sale - timedelta(days=1))
    edge = await conversation(db, clock, paris, customers["A-4"], bruno.id, sale - timedelta(14))
    path = write(
        tmp_path,
        "credit.csv",
        *(f"T{n},1,PARIS01,2026-11-20T16:00:00,A-{n},,100,EUR" for n in range(1, 5)),
    )

    summary, _ = await run(db, clock, path)
    found = await purchases(db)
    credited = {t: (p.staff_id, p.conversation_id) for (t, _), p in found.items()}
    assert credited == {
        "T1": (amelie.id, recent),  # the latest contact before the sale, not the later one
        "T2": (None, None),  # 20 days before: outside the 14-day window
        "T3": (None, None),  # nobody was assigned
        "T4": (bruno.id, edge),  # exactly 14 days: inside
    }
    assert summary.written.attributed == 2
    assert older != recent

    wider = write(tmp_path, "wider.csv", "T9,1,PARIS01,2026-11-20T16:00:00,A-2,,100,EUR")
    await run(db, clock, wider, attribution_days=30)
    assert (await purchases(db))[("T9", 1)].staff_id == amelie.id


async def test_a_dry_run_counts_everything_and_writes_no_purchase(
    db: Database, clock: FakeClock, stores: dict[str, str]
) -> None:
    dry, problems = await run(db, clock, MESSY, dry_run=True)
    assert (dry.rows_read, dry.imported, dry.failed, dry.warnings) == (9, 6, 3, 2)
    assert dry.written.customers_created == 3 and len(problems) == 5
    for model in (Purchase, Customer, CustomerIdentity):
        assert await count(db, model) == 0
    async with db.reading() as session:
        record = await session.scalar(select(PosImport))
    assert record is not None and record.dry_run and record.status == "done"
    assert record.rows_imported == 6  # what would have been imported

    real, _ = await run(db, clock, MESSY)
    assert real.imported == 6


async def test_derived_tiers_are_recomputed_others_are_kept(
    db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    manual = new_id()
    async with db.transaction() as session:
        session.add(
            Customer(id=manual, tier="standard", tier_source="manual", created_at=clock.now)
        )
        await session.flush()
        session.add(
            CustomerIdentity(
                customer_id=manual,
                kind="pos_customer_no",
                value="K-1",
                verified=True,
                created_at=clock.now,
            )
        )
    path = write(
        tmp_path,
        "big.csv",
        "T1,1,PARIS01,2026-11-20T10:00:00,K-1,,150000,EUR",  # set by hand: stays standard
        "T2,1,PARIS01,2026-11-20T10:00:00,K-2,,60000,EUR",
        "T2,2,PARIS01,2026-11-20T10:00:00,K-2,,45000,EUR",  # 105,000 EUR: vvip
        "T3,1,GENEVA01,2026-11-20T10:00:00,K-3,,25000,CHF",  # 25,000 CHF: vip
        "T4,1,PARIS01,2026-11-20T10:00:00,K-4,,19999.99,EUR",  # just below vip
    )
    summary, _ = await run(db, clock, path)
    tiers = {n: (await customer_by_number(db, n)).tier for n in ("K-1", "K-2", "K-3", "K-4")}
    assert tiers == {"K-1": "standard", "K-2": "vvip", "K-3": "vip", "K-4": "standard"}
    assert summary.written.tiers_changed == 2


async def test_the_run_is_recorded_and_audited(
    db: Database, clock: FakeClock, stores: dict[str, str]
) -> None:
    progress: list[tuple[int, int, int]] = []
    summary = await import_pos_file(
        db, MESSY, clock=clock, on_progress=lambda *a: progress.append(a)
    )
    assert progress[-1] == (9, MESSY.stat().st_size, MESSY.stat().st_size)
    async with db.reading() as session:
        record = await session.get(PosImport, summary.import_id)
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.subject_id == summary.import_id)
        )
    assert record is not None
    assert (record.filename, record.status, record.dry_run, record.actor_kind) == (
        "messy.csv",
        "done",
        False,
        "cli",
    )
    assert (record.rows_read, record.rows_imported, record.rows_duplicate, record.rows_failed) == (
        9,
        6,
        0,
        3,
    )
    assert record.started_at == clock.now and record.finished_at == clock.now
    assert record.errors is not None and record.errors[1] == {
        "line": 8,
        "column": "store_code",
        "severity": "error",
        "reason": "unknown store 'NOWHERE'",
        "value": "NOWHERE",
    }
    assert entry is not None and entry.action == "pos_import.done"
    assert entry.data is not None and entry.data["imported"] == 6


async def test_only_the_first_errors_are_stored_but_all_are_reported(
    db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.csv", *(f"T{n},1,NOWHERE,2026-11-20,,,1,EUR" for n in range(80)))
    summary, problems = await run(db, clock, path)
    assert (summary.failed, len(problems), len(summary.errors)) == (80, 80, 50)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "no header"),
        ("transaction_id;prix\n1;2\n".encode("latin-1"), "lacks the required column"),
        (b"transaction_id,line_no\nT1,1\n", "store_code, purchased_at, unit_price"),
        ("transaction_id,désignation\n".encode("latin-1"), "not UTF-8"),
    ],
)
async def test_unreadable_files_fail_before_anything_is_written(
    db: Database,
    clock: FakeClock,
    stores: dict[str, str],
    tmp_path: Path,
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message):
        await run(db, clock, path)
    assert await count(db, PosImport) == 0


async def test_two_imports_of_one_file_at_once_add_everything_once(
    database_url: str, db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    lines = [
        f"T{n // 2},{n % 2 + 1},PARIS01,2026-11-20T10:00:00,C-{n % 37},c{n % 37}@example.com,"
        f"{100 + n},EUR"
        for n in range(400)
    ]
    path = write(tmp_path, "twice.csv", *lines)
    other = Database(database_url)
    try:
        first, second = await asyncio.gather(
            run(db, clock, path, batch_size=25), run(other, clock, path, batch_size=40)
        )
    finally:
        await other.close()
    assert first[0].imported + second[0].imported == 400
    assert first[0].written.customers_created + second[0].written.customers_created == 37
    assert await count(db, Purchase) == 400
    assert await count(db, Customer) == 37
    async with db.reading() as session:
        unlinked = await session.scalar(
            select(func.count()).select_from(Purchase).where(Purchase.customer_id.is_(None))
        )
    assert unlinked == 0


async def test_an_erased_customer_is_not_recreated_by_the_next_daily_file(
    db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    from hub.customers import erase

    first = write(
        tmp_path, "day1.csv", "D1,1,PARIS01,2026-11-20T10:00:00,C-77,ada@example.com,100,EUR"
    )
    await run(db, clock, first)
    ada = await customer_by_number(db, "C-77")
    manager = await make_staff(db, clock.now, "PARIS01", role="manager")
    async with db.transaction() as session:
        await erase(session, manager, ada.id, clock.now)
    second = write(
        tmp_path, "day2.csv", "D2,1,PARIS01,2026-11-21T10:00:00,C-77,ada@example.com,250,EUR"
    )
    summary, _ = await run(db, clock, second)
    found = await purchases(db)
    assert found[("D2", 1)].customer_id is None and found[("D1", 1)].customer_id is None
    assert summary.written.customers_created == 0
    async with db.reading() as session:
        emails = (
            await session.scalars(select(CustomerIdentity).where(CustomerIdentity.kind == "email"))
        ).all()
    assert emails == []  # nothing personal came back


TRICKY_STORES = (
    ("PARIS01", "FR", "Europe/Paris"),
    ("GENEVA01", "CH", "Europe/Zurich"),
    ("NYC01", "US", "America/New_York"),
)
TRICKY = {
    "store_code": ["PARIS01", "paris01", " GENEVA01 ", "NYC01", "NOWHERE", ""],
    "purchased_at": [
        "2026-11-20T14:05:00",
        "2026-11-20 16:30",
        "2026-11-21",
        "2026-10-25T02:30:00",
        "2026-10-25T12:00",
        "2026-11-01T01:30:00",
        "2026-03-29T02:30:00",
        "20261120T140500",
        "2026-11-20T14:05:00Z",
        "2026-11-20T14:05:00+09:00",
        "1970-01-01T00:30:00",
        "2027-01-01",
        "2026-11-25T09:00",
        "21/11/2026",
        "2024-02-29T10:00:00",
    ],
    "unit_price": [
        "12500",
        "12 500,00",
        "1.234,50",
        "1,234.50",
        "1'250.00",
        "450",
        "0,75",
        "1.500",
        "1,500",
        "7978.61",
        "-250,00",
        "abc",
        "",
        "100000000000000",
    ],
    "carat": ["", "0,75", "0.750", "1.500", "1,500", "1234.567", "lots", "99999"],
    "quantity": ["", "1", "2", "007", "0", "100000", "100001"],
    "customer_no": ["", "C-1", "C-2", "c-3", "C 4", "x" * 65, " C-5 "],
    "email": [
        "",
        "anne@example.com",
        "Anne@Example.COM",
        " bob@example.ch ",
        "not-an-email",
        "ÉLODIE@example.fr",
        "@SUM(1+1)*cmd",
    ],
    "phone": ["", "06 12 34 56 78", "+41 44 668 18 00", "+1 212-555-0100", "12", "٠٦١٢٣٤٥٦٧٨"],
    "description": [
        "",
        "Solitaire ring",
        'Chain,\n18k "fine" gold',
        "Bague « Solitaire »",
        "back\\slash",
        "\u00a0padded\u00a0",
        "tab\there",
        '=HYPERLINK("http://x")',
    ],
    "colour": ["", "D", "Fancy Vivid Purplish Pink"],
    "currency": ["EUR", "chf", "usd", "euro", ""],
    "Loyalty Card": ["", "GOLD-77", " silver "],
}
TRICKY_HEADER = (
    "transaction_id", "line_no", "store_code", "purchased_at", "customer_no", "first_name",
    "last_name", "email", "phone", "description", "colour", "carat", "quantity",
    "unit_price", "currency", "Loyalty Card",
)  # fmt: skip


def tricky_export(path: Path, lines: int) -> Path:
    """A deterministic export mixing every awkward value the importer meets."""
    rng = random.Random(11)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(TRICKY_HEADER)
        for n in range(lines):
            # Mostly the first, ordinary values: the bulk path must carry most lines.
            choose = {
                name: rng.choice(values[:2] if rng.random() < 0.9 else values)
                for name, values in TRICKY.items()
            }
            # Repeat some keys: within the file and across chunks.
            number = str(n % 7 + 1) if rng.random() < 0.9 else rng.choice(["٣", "x", "1"])
            writer.writerow(
                [f"T{n // 7 if rng.random() < 0.95 else 3}", number, choose["store_code"],
                 choose["purchased_at"], choose["customer_no"], rng.choice(["Anne", "", "Ö"]),
                 rng.choice(["Martin", "", "B" * 199]), choose["email"], choose["phone"],
                 choose["description"], choose["colour"], choose["carat"], choose["quantity"],
                 choose["unit_price"], choose["currency"], choose["Loyalty Card"]]
            )  # fmt: skip
            if rng.random() < 0.05:
                out.write("\n")  # a blank line
    return path


async def imported_state(url: str, path: Path, clock: FakeClock) -> dict[str, object]:
    """Import ``path`` into a fresh database at ``url``; everything it wrote, by natural
    keys (database ids differ between the two databases)."""
    db = Database(url)
    try:
        for code, country, zone in TRICKY_STORES:
            await make_store(db, clock.now, code, country=country, timezone=zone)
        summary, problems = await run(db, clock, path, batch_size=61)
        async with db.reading() as session:
            codes = dict((await session.execute(select(Store.id, Store.code))).all())
            customers = (await session.scalars(select(Customer))).all()
            found = (await session.scalars(select(Purchase))).all()
        people = {
            c.id: (
                c.name, c.tier, codes.get(c.home_store_id or ""),
                frozenset((i.kind, i.value, i.verified) for i in c.identities),
            )
            for c in customers
        }  # fmt: skip
        lines = {
            (codes[p.store_id], p.transaction_id, p.line_no): (
                people.get(p.customer_id or ""), p.customer_no, p.purchased_at, p.sku,
                p.description, p.category, p.carat, p.colour, p.clarity, p.cut, p.metal,
                p.quantity, p.unit_price, p.currency, p.attributes,
            )
            for p in found
        }  # fmt: skip
        counts = summary.counts()
        counts.pop("tiers_changed")  # per batch on SQLite, once per import on PostgreSQL
        return {
            "counts": counts,
            "problems": [p.as_dict() for p in problems],
            "purchases": lines,
            "customers": sorted(people.values(), key=repr),
        }
    finally:
        await db.close()


async def test_postgresql_imports_exactly_what_the_reference_path_imports(
    sqlite_url: str, pg_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    """SQLite runs every line through ``rows.check_row``; PostgreSQL stages the plain ones
    for set-based SQL. Both must store, link, count and report the same."""
    await truncate_pg(pg_url)
    path = tricky_export(tmp_path / "tricky.csv", 1500)
    reference = await imported_state(sqlite_url, path, clock)
    bulk = await imported_state(pg_url, path, clock)
    assert reference["counts"] == bulk["counts"]
    assert reference["problems"] == bulk["problems"]
    assert reference["purchases"] == bulk["purchases"]
    assert reference["customers"] == bulk["customers"]
    assert len(reference["purchases"]) > 500  # type: ignore[arg-type]


async def test_a_number_the_customer_only_claimed_becomes_verified_by_the_till(
    db: Database, clock: FakeClock, stores: dict[str, str], tmp_path: Path
) -> None:
    """Typed in a chat first, printed by the till later: one identity, now proven."""
    online = new_id()
    async with db.transaction() as session:
        session.add_all(
            [
                Customer(id=online, name="Online", created_at=clock.now),
                CustomerIdentity(
                    customer_id=online, kind="email", value="shopper@example.com",
                    verified=True, created_at=clock.now,
                ),
                CustomerIdentity(
                    customer_id=online, kind="pos_customer_no", value="P-88",
                    verified=False, created_at=clock.now,
                ),
            ]
        )  # fmt: skip
    path = write(
        tmp_path, "claimed.csv", "T9,1,PARIS01,2026-11-20T10:00:00,P-88,shopper@example.com,50,EUR"
    )
    summary, _ = await run(db, clock, path)
    assert (summary.imported, summary.failed, summary.written.customers_created) == (1, 0, 0)
    assert (await purchases(db))[("T9", 1)].customer_id == online
    async with db.reading() as session:
        numbers = (
            await session.scalars(select(CustomerIdentity).where(CustomerIdentity.value == "P-88"))
        ).all()
    assert [(n.customer_id, n.verified) for n in numbers] == [(online, True)]
