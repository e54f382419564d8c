"""What a shopper receives about an appointment, on both databases: the confirmation with
its calendar file, reminders on a fake clock (each sent once across a restart), and the
changes a reschedule or a cancellation makes to both."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.jobs.runner import InProcessRunner
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.factories import make_staff, make_store
from tests.fakes.smtp import FakeSmtpServer, ReceivedMail

# Friday 27 November, 10:00 in Paris (09:00 UTC): reminders due Thursday 09:00 UTC (24 h)
# and Friday 08:00 UTC (1 h); the fake clock starts on Wednesday 10:00 UTC.
FRIDAY_10 = "2026-11-27T10:00:00+01:00"
FRIDAY_15 = "2026-11-27T15:00:00+01:00"


@pytest.fixture
def hub_factory(aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer):  # type: ignore[no-untyped-def]
    settings = make_settings(
        database_url,
        public_url="https://hub.example.com",
        smtp_relay=smtp.relay,
        anonymous_per_minute=1000.0,
        anonymous_burst=100,
    )

    async def start() -> TestClient:
        return await aiohttp_client(create_app(settings, clock=clock))

    return start


@pytest.fixture
async def client(hub_factory: Any, clock: FakeClock) -> TestClient:
    client = await hub_factory()
    db = client.app[SERVICES].db
    await make_store(db, clock(), hours="Mon-Sat 10:00-19:00")
    await make_staff(db, clock(), name="Amélie Laurent")
    return client


def runner(client: TestClient) -> InProcessRunner:
    jobs = client.app[SERVICES].jobs
    assert isinstance(jobs, InProcessRunner)
    return jobs


def subject(mail: ReceivedMail) -> str:
    return str(mail.message["Subject"]).strip()  # a folded header may keep its indent


async def mail_about(smtp: FakeSmtpServer, words: str) -> ReceivedMail:
    """The first mail whose subject has ``words``: jobs deliver concurrently, in any order."""
    while True:
        mail = await smtp.next_message()
        if words in subject(mail):
            return mail


def calendar_part(mail: ReceivedMail) -> str:
    (part,) = [
        p for p in mail.message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    return str(part.get_content())


async def book(client: TestClient, **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/appointments",
        json={
            "store": "PARIS01",
            "type": "in-store",
            "start": FRIDAY_10,
            "customer": {"name": "Anne Martin", "email": "anne@example.com"},
            "remind_by": "email",
            "consent_reminders": True,
            "language": "en",  # booked on the English page
            **extra,
        },
    )
    assert response.status == 201, await response.text()
    return dict(await response.json())


async def test_the_confirmation_carries_the_invitation_and_a_working_manage_link(
    client: TestClient, smtp: FakeSmtpServer
) -> None:
    booked = await book(client)
    mail = await smtp.next_message()
    assert mail.rcpt_tos == ("anne@example.com",)
    assert (
        subject(mail) == "Your appointment at Boutique PARIS01: Friday, November 27, 2026, 10:00 AM"
    )
    assert "with Amélie Laurent" in mail.text
    ics = calendar_part(mail)
    assert "METHOD:REQUEST" in ics and "SEQUENCE:0" in ics and "DTSTART:20261127T090000Z" in ics
    (link,) = re.findall(r"https://hub\.example\.com/book#manage=(\S+)", mail.text)
    appointment_id, _, token = link.partition(".")
    assert appointment_id == booked["id"]
    seen = await client.get(
        f"/api/appointments/{appointment_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert seen.status == 200


async def test_each_reminder_is_sent_once_even_across_a_restart(
    client: TestClient, hub_factory: Any, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    await book(client)
    await smtp.next_message()  # the confirmation
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    await runner(client).run_due()
    reminder = await smtp.next_message()
    assert subject(reminder) == "Reminder: Boutique PARIS01, Friday, November 27, 2026, 10:00 AM"
    await runner(client).run_due()

    # The hub restarts before the second reminder is due; the new process finds it in the
    # table, and the one already sent stays sent.
    await client.close()
    clock.now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    restarted = await hub_factory()
    await runner(restarted).run_due()
    last = await smtp.next_message()
    assert "Friday, November 27, 2026, 10:00 AM" in last.text
    await runner(restarted).run_due()
    assert smtp.pending() == 0
    assert len(smtp.received) == 3


async def test_rescheduling_moves_the_reminders_and_cancelling_drops_them(
    client: TestClient, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    booked = await book(client)
    await smtp.next_message()
    auth = {"Authorization": f"Bearer {booked['manage_token']}"}
    moved = await client.post(
        f"/api/appointments/{booked['id']}/reschedule", json={"start": FRIDAY_15}, headers=auth
    )
    assert moved.status == 200
    update = await mail_about(smtp, "has moved")
    assert "SEQUENCE:1" in calendar_part(update)

    clock.now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # the old 1 h reminder's time
    await runner(client).run_due()
    clock.now = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # the new one's
    await runner(client).run_due()
    reminders = [m for m in smtp.received if subject(m).startswith("Reminder")]
    assert len(reminders) == 2  # 24 h before (now Thursday 14:00 UTC) and 1 h before
    assert all("3:00 PM" in m.text for m in reminders)

    cancelled = await client.post(f"/api/appointments/{booked['id']}/cancel", headers=auth)
    assert cancelled.status == 200
    notice = await mail_about(smtp, "is cancelled")
    assert "METHOD:CANCEL" in calendar_part(notice)


async def test_a_cancelled_appointment_sends_no_reminder(
    client: TestClient, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    booked = await book(client)
    auth = {"Authorization": f"Bearer {booked['manage_token']}"}
    await client.post(f"/api/appointments/{booked['id']}/cancel", headers=auth)
    clock.now = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    await runner(client).run_due()
    await runner(client).run_due()
    subjects = [subject(m) for m in smtp.received]
    assert not any(s.startswith("Reminder") for s in subjects)
