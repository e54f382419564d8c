"""Offers and tickets in the database: one live offer per conversation, lapses, requeues."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from hub.db.engine import Database
from hub.db.models import Customer
from hub.errors import Conflict, NotFound
from hub.inbox import Inbox
from hub.routing_repository import SqlRoutingRepository
from hub.tasks import BackgroundTasks
from routing.config import FRONT_OF_QUEUE
from tests.conftest import FakeClock
from tests.factories import make_staff, make_store
from tests.integration.test_inbox import Events, Router, inbound


@pytest.fixture
async def setup(db: Database, clock: FakeClock):  # type: ignore[no-untyped-def]
    await make_store(db, clock())
    inbox = Inbox(db, clock=clock, events=Events(), routing=Router(), tasks=BackgroundTasks())
    await inbox.receive(inbound())
    a = await make_staff(db, clock())
    b = await make_staff(db, clock())
    repo = SqlRoutingRepository(db)
    (ticket,) = await repo.queued_tickets()
    return repo, ticket, a, b


async def test_a_conversation_is_offered_to_one_ambassador_at_a_time(
    setup, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    repo, ticket, a, b = setup
    expires = clock() + timedelta(seconds=30)
    offers = await asyncio.gather(
        repo.open_offer(ticket, a.id, clock(), expires),
        repo.open_offer(ticket, b.id, clock(), expires),
    )
    assert sum(o is not None for o in offers) == 1
    assert await repo.queued_tickets() == []


async def test_accept_checks_owner_and_expiry_and_a_lapse_requeues(setup, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    repo, ticket, a, b = setup
    offer = await repo.open_offer(ticket, a.id, clock(), clock() + timedelta(seconds=30))
    with pytest.raises(NotFound):
        await repo.accept(offer.id, b.id, clock())
    clock.advance(seconds=31)
    with pytest.raises(Conflict, match="expired"):
        await repo.accept(offer.id, a.id, clock())
    assert await repo.expire(offer.id, clock()) is not None
    (again,) = await repo.queued_tickets()
    assert again.conversation_id == ticket.conversation_id
    assert again.enqueued_at == ticket.enqueued_at  # keeps its place in line
    assert again.last_offered_to == a.id  # not offered to the same ambassador twice in a row


async def test_accepted_work_is_reported_and_a_vanished_ambassadors_work_goes_first(
    setup, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    repo, ticket, a, _ = setup
    offer = await repo.open_offer(ticket, a.id, clock(), clock() + timedelta(seconds=30))
    accepted = await repo.accept(offer.id, a.id, clock())
    assert accepted.queued_at == ticket.enqueued_at
    (work,) = await repo.open_work(a.id)
    assert (work.conversation_id, work.channel, work.capacity) == (
        ticket.conversation_id,
        "webchat",
        3.0,
    )
    clock.advance(minutes=5)
    (requeued,) = await repo.requeue_work(a.id, clock())
    assert requeued.priority == FRONT_OF_QUEUE and requeued.enqueued_at == clock()
    assert a.id in requeued.known_ambassador_ids or requeued.known_ambassador_ids == frozenset()
    assert await repo.open_work(a.id) == []


async def test_tickets_carry_the_customers_own_ambassador_and_who_served_them(
    setup, db: Database, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    repo, _ticket, _a, b = setup
    async with db.transaction() as session:
        await session.execute(update(Customer).values(preferred_staff_id=b.id, tier="vip"))
    (fresh,) = await repo.queued_tickets()
    assert fresh.preferred_ambassador_id == b.id


async def test_start_up_revokes_offers_nobody_can_answer(setup, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    repo, ticket, a, _ = setup
    await repo.open_offer(ticket, a.id, clock(), clock() + timedelta(seconds=30))
    revoked = await repo.revoke_pending(None, clock())
    assert [r.conversation_id for r in revoked] == [ticket.conversation_id]
    (waiting,) = await repo.queued_tickets()
    assert waiting.last_offered_to is None  # revoked is not a refusal


async def test_waiting_ids_are_read_alone_and_tickets_by_id(setup, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    repo, ticket, a, _ = setup
    cid = ticket.conversation_id
    assert await repo.queued_ids() == [cid]
    assert await repo.queued_ids(ticket.enqueued_at) == []  # queued then: not before
    assert await repo.queued_ids(ticket.enqueued_at + timedelta(seconds=1)) == [cid]
    assert await repo.queued_tickets([cid]) == [ticket]
    assert await repo.queued_tickets(["no-such-conversation"]) == []
    assert await repo.conversation_status(cid) == "queued"
    await repo.open_offer(ticket, a.id, clock(), clock() + timedelta(seconds=30))
    assert await repo.conversation_status(cid) == "offered"
    assert await repo.queued_ids() == []
    assert await repo.conversation_status("no-such-conversation") is None
