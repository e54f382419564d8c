"""Outbound e-mail through the outbox on both databases, delivered to a real SMTP server on
loopback by the embedded job runner on a fake clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select, update

from hub import mail
from hub.db.engine import Database
from hub.db.jobs_models import JobAttempt, MailOutbox
from hub.jobs.registry import registered_kinds
from hub.jobs.runner import InProcessRunner
from hub.mail.delivery import MAIL_RETRIES
from hub.settings import Settings
from tests.conftest import FakeClock, make_settings
from tests.fakes.smtp import FakeSmtpServer


def runner(db: Database, clock: FakeClock, settings: Settings) -> InProcessRunner:
    return InProcessRunner(registered_kinds(), db=db, clock=clock, settings=settings)


def hub_settings(db: Database, relay: str | None) -> Settings:
    return make_settings(
        db.url,
        smtp_relay=relay,
        public_url="https://hub.example.com",
        mail_from="Maison Lumière <concierge@example.com>",
    )


async def queue_mail(
    db: Database, settings: Settings, clock: FakeClock, to: str = "ada@example.com", **kw: object
) -> str:
    message = mail.compose(
        settings, to=to, subject="Your appointment", text="À bientôt", now=clock()
    )
    async with db.transaction() as session:
        return await mail.enqueue(session, message, now=clock(), ref=("test", "1"), **kw)  # type: ignore[arg-type]


async def row(db: Database, mail_id: str) -> MailOutbox:
    async with db.reading() as session:
        found = await session.get(MailOutbox, mail_id)
        assert found is not None
        return found


async def outcomes(db: Database, mail_id: str) -> list[tuple[int, str]]:
    async with db.reading() as session:
        rows = await session.execute(
            select(JobAttempt.attempt, JobAttempt.outcome)
            .where(JobAttempt.key == mail_id)
            .order_by(JobAttempt.id)
        )
        return [(a, o) for a, o in rows]


async def test_a_queued_mail_arrives_with_the_hubs_headers_and_is_marked_sent(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    settings = hub_settings(db, smtp.relay)
    jobs = runner(db, clock, settings)
    mail_id = await mail.send(
        db,
        jobs,
        mail.compose(
            settings, to="Ada <ada@example.com>", subject="Hello", text="Bonjour Ada", now=clock()
        ),
        now=clock(),
    )
    await jobs.run_due()
    received = await smtp.next_message()
    assert received.rcpt_tos == ("ada@example.com",)
    assert received.mail_from == "concierge@example.com"
    message = received.message
    assert message["Message-ID"].endswith("@hub.example.com>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["From"] == "Maison Lumière <concierge@example.com>"
    assert parsedate_to_datetime(message["Date"]) == clock()
    assert received.text.strip() == "Bonjour Ada"
    stored = await row(db, mail_id)
    assert (stored.status, stored.attempts, stored.sent_at, stored.claimed_until) == (
        "sent",
        1,
        clock(),
        None,
    )
    assert stored.message_id == message["Message-ID"]
    assert await outcomes(db, mail_id) == [(1, "done")]


async def test_temporary_refusals_are_retried_with_growing_back_off(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    settings = hub_settings(db, smtp.relay)
    jobs = runner(db, clock, settings)
    smtp.refuse_next(2, code=451)
    mail_id = await queue_mail(db, settings, clock)
    await mail.schedule(jobs, mail_id)
    await jobs.run_due()
    first = await row(db, mail_id)
    assert first.status == "queued" and first.attempts == 1 and "451" in (first.last_error or "")
    assert first.next_attempt_at == clock() + timedelta(minutes=1)
    clock.advance(seconds=59)
    await jobs.run_due()
    assert (await row(db, mail_id)).attempts == 1  # not before its time
    clock.advance(seconds=1)
    await jobs.run_due()
    second = await row(db, mail_id)
    assert second.attempts == 2 and second.next_attempt_at == clock() + timedelta(minutes=2)
    clock.advance(minutes=2)
    await jobs.run_due()
    await smtp.next_message()
    done = await row(db, mail_id)
    assert (done.status, done.attempts, done.last_error) == ("sent", 3, None)
    assert len(smtp.refused) == 2 and len(smtp.received) == 1
    assert await outcomes(db, mail_id) == [(1, "retry"), (2, "retry"), (3, "done")]


async def test_a_permanent_refusal_fails_the_mail_at_once(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    settings = hub_settings(db, smtp.relay)
    jobs = runner(db, clock, settings)
    smtp.refuse_next(1, code=550)
    mail_id = await queue_mail(db, settings, clock)
    await mail.schedule(jobs, mail_id)
    await jobs.run_due()
    clock.advance(days=2)
    await jobs.run_due()
    failed = await row(db, mail_id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "550" in (failed.last_error or "")
    assert smtp.received == [] and jobs.pending == 0
    assert await outcomes(db, mail_id) == [(1, "failed")]


async def test_an_unreachable_relay_is_retried_until_the_last_attempt(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    port = smtp.port
    await smtp.stop()  # nothing listens there any more: connection refused
    settings = hub_settings(db, f"127.0.0.1:{port}")
    jobs = runner(db, clock, settings)
    mail_id = await queue_mail(db, settings, clock)
    await mail.schedule(jobs, mail_id)
    for attempt in range(1, MAIL_RETRIES.max_attempts + 1):
        await jobs.run_due()
        assert (await row(db, mail_id)).attempts == attempt
        clock.advance(seconds=MAIL_RETRIES.delay_after(attempt).total_seconds())
    gave_up = await row(db, mail_id)
    assert gave_up.status == "failed" and "cannot reach the relay" in (gave_up.last_error or "")
    assert [o for _, o in await outcomes(db, mail_id)][-2:] == ["retry", "failed"]
    assert jobs.pending == 0


async def test_without_a_relay_mails_wait_and_a_restart_with_one_sends_them(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    settings = hub_settings(db, None)
    jobs = runner(db, clock, settings)
    mail_id = await queue_mail(db, settings, clock)
    await mail.schedule(jobs, mail_id)
    await jobs.run_due()
    waiting = await row(db, mail_id)
    assert (waiting.status, waiting.attempts) == ("queued", 0)
    # Restarted with a relay: the table, not the lost in-memory schedule, brings it back.
    restarted = runner(db, clock, hub_settings(db, smtp.relay))
    assert await restarted.recover() == 1
    await restarted.run_due()
    assert (await smtp.next_message()).rcpt_tos == ("ada@example.com",)
    assert (await row(db, mail_id)).status == "sent"


async def test_two_runners_racing_for_one_mail_send_it_once(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    settings = hub_settings(db, smtp.relay)
    first, second = runner(db, clock, settings), runner(db, clock, settings)
    mail_id = await queue_mail(db, settings, clock)
    await mail.schedule(first, mail_id)
    await mail.schedule(second, mail_id)
    await asyncio.gather(first.run_due(), second.run_due())
    await smtp.next_message()
    assert len(smtp.received) == 1
    assert (await row(db, mail_id)).attempts == 1
    assert await outcomes(db, mail_id) == [(1, "done")]


async def test_a_crashed_attempt_is_picked_up_once_its_lease_ends(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    settings = hub_settings(db, smtp.relay)
    mail_id = await queue_mail(db, settings, clock)
    lease_end = clock() + MAIL_RETRIES.lease
    async with db.transaction() as session:  # as a process that died mid-delivery left it
        await session.execute(
            update(MailOutbox)
            .where(MailOutbox.id == mail_id)
            .values(attempts=1, claimed_until=lease_end)
        )
    jobs = runner(db, clock, settings)
    await jobs.recover()
    assert jobs.next_due() == lease_end
    await mail.schedule(jobs, mail_id)  # an early duplicate finds the row claimed
    await jobs.run_due()
    assert smtp.pending() == 0 and (await row(db, mail_id)).attempts == 1
    clock.advance(seconds=MAIL_RETRIES.lease.total_seconds())
    await jobs.recover()
    await jobs.run_due()
    await smtp.next_message()
    assert (await row(db, mail_id)).attempts == 2


async def test_a_sensitive_body_is_dropped_once_sent(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    settings = hub_settings(db, smtp.relay)
    jobs = runner(db, clock, settings)
    mail_id = await queue_mail(db, settings, clock, sensitive=True)
    assert "bient" in (await row(db, mail_id)).message.decode()
    await mail.schedule(jobs, mail_id)
    await jobs.run_due()
    assert "bient" in (await smtp.next_message()).text
    kept = (await row(db, mail_id)).message.decode()
    assert "Subject: Your appointment" in kept and "bient" not in kept


async def test_a_mail_whose_attempts_all_died_without_an_answer_is_given_up(
    db: Database, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    settings = hub_settings(db, smtp.relay)
    mail_id = await queue_mail(db, settings, clock)
    async with db.transaction() as session:  # every earlier attempt crashed mid-delivery
        await session.execute(
            update(MailOutbox)
            .where(MailOutbox.id == mail_id)
            .values(attempts=MAIL_RETRIES.max_attempts, claimed_until=clock())
        )
    jobs = runner(db, clock, settings)
    await jobs.recover()
    await jobs.run_due()
    given_up = await row(db, mail_id)
    assert given_up.status == "failed" and "without an answer" in (given_up.last_error or "")
    assert smtp.received == [] and await outcomes(db, mail_id) == [
        (MAIL_RETRIES.max_attempts + 1, "failed")
    ]
