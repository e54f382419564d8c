"""Sales credited to appointments as well as conversations, through the real POS import on
both databases (SQLite's batch path and PostgreSQL's set-based one): the window's edges to
the second, and the latest contact winning whichever kind it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hub.db.engine import Database
from hub.db.models import Customer, CustomerIdentity
from hub.db.profile_models import Purchase
from hub.pos_import.importer import ImportOptions, import_pos_file
from tests.conftest import FakeClock
from tests.factories import make_staff, make_store
from tests.integration.insights_support import History

HEADER = "transaction_id,line_no,store_code,purchased_at,customer_no,email,unit_price,currency\n"
SALE = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
WINDOW = timedelta(days=14)
SECOND = timedelta(seconds=1)


async def _customers(db: Database, clock: FakeClock, numbers: list[str]) -> dict[str, str]:
    found = {}
    async with db.transaction() as session:
        for number in numbers:
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
            found[number] = customer.id
    return found


async def test_appointments_are_contacts_and_the_window_is_exact(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    paris = await make_store(db, clock.now, "PARIS01")
    amelie = (await make_staff(db, clock.now, "PARIS01", name="Amélie")).id
    bruno = (await make_staff(db, clock.now, "PARIS01", name="Bruno")).id
    numbers = [f"A-{n}" for n in range(1, 8)]
    c = await _customers(db, clock, numbers)
    h = History(db)

    older = await h.conversation(
        paris, SALE - timedelta(days=10), staff_id=amelie, customer_id=c["A-1"]
    )
    booked_in = await h.conversation(paris, SALE - timedelta(days=5), customer_id=c["A-1"])
    visit = await h.appointment(
        paris, bruno, SALE - timedelta(days=2), customer_id=c["A-1"], conversation_id=booked_in
    )
    edge = await h.appointment(paris, amelie, SALE - WINDOW, "completed", customer_id=c["A-2"])
    await h.appointment(paris, bruno, SALE - WINDOW - SECOND, "completed", customer_id=c["A-3"])
    chat = await h.conversation(
        paris, SALE - timedelta(days=3), staff_id=bruno, customer_id=c["A-4"]
    )
    await h.appointment(paris, amelie, SALE + SECOND, customer_id=c["A-4"])  # after the sale
    await h.appointment(paris, amelie, SALE - timedelta(days=1), "no_show", customer_id=c["A-5"])
    await h.appointment(paris, bruno, SALE - timedelta(days=1), "cancelled", customer_id=c["A-5"])
    on_edge = await h.conversation(paris, SALE - WINDOW, staff_id=bruno, customer_id=c["A-6"])
    await h.conversation(paris, SALE - WINDOW - SECOND, staff_id=amelie, customer_id=c["A-7"])

    local = SALE.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M:%S")
    path = tmp_path / "day.csv"
    path.write_text(
        HEADER + "".join(f"T{n},1,PARIS01,{local},{n},,100,EUR\n" for n in numbers),
        encoding="utf-8",
    )
    summary = await import_pos_file(db, path, clock=clock, options=ImportOptions())

    async with db.reading() as session:
        found = (await session.scalars(select(Purchase))).all()
    credited = {p.transaction_id: (p.staff_id, p.conversation_id, p.appointment_id) for p in found}
    assert credited == {
        # the appointment two days before beats the conversation ten days before, and
        # names the conversation it was booked in
        "TA-1": (bruno, booked_in, visit),
        "TA-2": (amelie, None, edge),  # exactly 14 days: credited
        "TA-3": (None, None, None),  # 14 days and a second: not
        "TA-4": (bruno, chat, None),  # the appointment a second after the sale is no contact
        "TA-5": (None, None, None),  # a no-show or a cancelled visit is no contact
        "TA-6": (bruno, on_edge, None),
        "TA-7": (None, None, None),
    }
    assert summary.written.attributed == 4
    assert older != booked_in
