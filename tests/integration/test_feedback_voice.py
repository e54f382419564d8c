"""Feedback on the phone channel, on both databases: a caller who was answered gets the
question by text message with the rating link; one who cannot be texted is not asked, and
neither is one nobody spoke with."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.api.feedback import FEEDBACK
from hub.app import create_app
from hub.db.channel_models import VoiceAccount
from hub.db.feedback_models import Feedback
from hub.db.voice_models import VoiceCall
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.factories import make_store
from tests.fakes.voice_provider import FakeVoiceProvider, new_sid
from tests.integration.feedback_support import PUBLIC_URL, token_in
from tests.integration.test_voice_outbound import SHOPPER_NUMBER, VoiceHub, add_number


@pytest.fixture
async def phone(
    aiohttp_client: Any, database_url: str, clock: FakeClock, voice_provider: FakeVoiceProvider
) -> VoiceHub:
    """The in-process hub with PARIS01 and its number at the fake voice provider."""
    settings = make_settings(
        database_url, voice_api_base=voice_provider.base_url, public_url=PUBLIC_URL
    )
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    await make_store(client.app[SERVICES].db, clock())
    await add_number(client, clock)
    return VoiceHub(client, clock, voice_provider)


async def closed(phone: VoiceHub, contact: str, *, called_back: bool) -> str:
    """A call came in; a manager took it (or nobody did) and closes the conversation."""
    manager = await phone.ambassador(role="manager")
    conversation_id = await phone.voice_conversation(contact)
    if called_back:  # the manager answered the call: the row the call leaves behind
        async with phone.hub.db.transaction() as session:
            account = await session.scalar(select(VoiceAccount))
            assert account is not None
            session.add(
                VoiceCall(
                    call_sid=new_sid("CA"),
                    account_id=account.id,
                    conversation_id=conversation_id,
                    direction="inbound",
                    to_number=account.number,
                    status="completed",
                    staff_id=manager.id,
                    duration_seconds=95,
                    created_at=phone.clock(),
                    updated_at=phone.clock(),
                )
            )
    await phone.hub.inbox.close(manager, conversation_id)
    await phone.client.app[FEEDBACK].service.idle()
    await phone.settle()
    return conversation_id


async def rows(phone: VoiceHub) -> list[Feedback]:
    async with phone.hub.db.reading() as session:
        return list(await session.scalars(select(Feedback)))


async def test_a_caller_who_was_answered_gets_the_link_by_text_message(
    phone: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    await closed(phone, SHOPPER_NUMBER, called_back=True)
    sms = await voice_provider.next_message()
    assert sms.to == SHOPPER_NUMBER
    assert sms.body.startswith(
        "Comment évalueriez-vous votre conversation avec Boutique PARIS01 ? Donnez votre avis ici"
    )
    token = token_in(sms.body)
    looked = await phone.client.post("/api/feedback/lookup", json={"token": token})
    assert (await looked.json())["kind"] == "csat"
    (row,) = await rows(phone)
    assert (row.channel, row.contact) == ("voice", SHOPPER_NUMBER)


async def test_a_withheld_number_or_a_caller_nobody_answered_is_not_asked(
    phone: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    await closed(phone, "anonymous:" + new_sid("CA"), called_back=True)
    await closed(phone, "+33611223344", called_back=False)
    assert await rows(phone) == []
    assert voice_provider.sent_messages == []
