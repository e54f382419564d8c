"""Offers in the database: one live offer per conversation, lapses and requeues."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hub.db.engine import Database
from hub.errors import Conflict, NotFound
from hub.routing_repository import SqlRoutingRepository
from tests.conftest import FakeClock
from tests.factories import make_staff, make_store
from tests.integration.test_inbox import Dispatches, Events, inbound


@pytest.fixture
async def setup(db: Database, clock: FakeClock):  # type: ignore[no-untyped-def]
    from hub.inbox import Inbox
    from hub.tasks import BackgroundTasks

    await make_store(db, clock())
    inbox = Inbox(db, clock=clock, events=Events(), routing=Dispatches(), tasks=BackgroundTasks())
    stored = await inbox.receive(inbound())
    a = await make_staff(db, clock())
    b = await make_staff(db, clock())
    return SqlRoutingRepository(db), stored.conversation.id, a, b


async def test_a_conversation_is_offered_to_one_ambassador_at_a_time(
    setup, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    repo, cid, a, b = setup
    expires = clock() + timedelta(seconds=30)
    offers = await asyncio.gather(
        repo.open_offer(cid, a.id, clock(), expires), repo.open_offer(cid, b.id, clock(), expires)
    )
    assert sum(o is not None for o in offers) == 1
    assert await repo.waiting() == []
    assert sum((await repo.loads()).values()) == 1


async def test_accept_checks_owner_and_expiry(setup, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    repo, cid, a, b = setup
    offer = await repo.open_offer(cid, a.id, clock(), clock() + timedelta(seconds=30))
    with pytest.raises(NotFound):
        await repo.accept(offer.id, b.id, clock())
    clock.advance(seconds=31)
    with pytest.raises(Conflict, match="expired"):
        await repo.accept(offer.id, a.id, clock())
    lapsed = await repo.expire(offer.id, clock())
    assert lapsed is not None
    (waiting,) = await repo.waiting()
    assert waiting.conversation_id == cid and waiting.excluded == frozenset({a.id})


async def test_accepted_conversation_counts_against_capacity(setup, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    repo, cid, a, _ = setup
    offer = await repo.open_offer(cid, a.id, clock(), clock() + timedelta(seconds=30))
    accepted = await repo.accept(offer.id, a.id, clock())
    assert accepted.queued_at is not None
    assert await repo.loads() == {a.id: 1}
    assert await repo.expire(offer.id, clock() + timedelta(hours=1)) is None


async def test_start_up_requeues_offers_nobody_can_answer(setup, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    repo, cid, a, _ = setup
    await repo.open_offer(cid, a.id, clock(), clock() + timedelta(seconds=30))
    revoked = await repo.revoke_pending(None, clock())
    assert [r.conversation_id for r in revoked] == [cid]
    (waiting,) = await repo.waiting()
    assert waiting.excluded == frozenset()  # revoked is not a refusal
