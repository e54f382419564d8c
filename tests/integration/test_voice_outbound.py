"""The voice channel's outbound side on both databases, against the fake provider: "call
via provider" (ring the ambassador, then bridge them to the client on a signed webhook),
replies to voice conversations as text messages, the callback service's texts, and the
console's call card."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from adapters.voice.accounts import NewVoiceAccount, add_voice_account
from adapters.voice.sms import VoiceSms
from hub.app import create_app
from hub.db.channel_models import ChannelOutbox
from hub.db.models import AuditEntry, Conversation, Message, Staff, Store
from hub.db.voice_models import Callback, VoiceCall
from hub.errors import Conflict
from hub.jobs.runner import InProcessRunner
from hub.messages import Inbound
from hub.profiles.identity import EXTERNAL, PHONE, VISITOR
from hub.services import SERVICES
from hub.staff import Principal
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store
from tests.fakes.voice_provider import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SHOPPER_NUMBER,
    STORE_NUMBER,
    FakeVoiceProvider,
    new_sid,
    voice_provider_fixture,  # noqa: F401  (the voice_provider fixture)
)
from tests.integration.running_hub import RunningHub

PUBLIC = "https://hub.example.com"
AMBASSADOR_PHONE = "+33699887766"
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


@dataclass
class VoiceHub(RunningHub):
    provider: FakeVoiceProvider

    @property
    def base_url(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    async def login(self, who: Principal) -> dict[str, str]:
        response = await self.client.post(
            "/api/auth/login", json={"email": who.email, "password": PASSWORD}
        )
        assert response.status == 200, await response.text()
        return {"Authorization": f"Bearer {(await response.json())['token']}"}

    async def ambassador(
        self, store: str = "PARIS01", *, phone: str | None = AMBASSADOR_PHONE, **kw: Any
    ) -> Principal:
        who = await make_staff(self.hub.db, self.clock(), store, **kw)
        async with self.hub.db.transaction() as session:
            await session.execute(update(Staff).where(Staff.id == who.id).values(phone=phone))
        return who

    async def callback(self, name: str = "Marie Curie", store: str = "PARIS01") -> str:
        """A shopper asks to be called back as soon as possible; its conversation."""
        response = await self.client.post(
            "/api/callbacks",
            json={"name": name, "phone": SHOPPER_NUMBER, "store": store, "consent": True},
        )
        assert response.status == 201, await response.text()
        return str((await response.json())["conversation_id"])

    async def voice_conversation(self, contact: str, store: str = "PARIS01") -> str:
        """A conversation opened by a call (a voicemail) from ``contact``."""
        anonymous = not contact.startswith("+")
        stored = await self.hub.inbox.receive(
            Inbound(
                channel="voice",
                contact=contact,
                identity_kind=EXTERNAL if anonymous else PHONE,
                identity_value=contact,
                verified=not anonymous,
                dedupe_key=f"voice:{new_sid('CA')}:recording",
                text="Voicemail: please call me about the necklace.",
                received_at=self.clock(),
                store_code=store,
            )
        )
        return stored.conversation.id

    async def chat_conversation(self) -> str:
        stored = await self.hub.inbox.receive(
            Inbound(
                channel="webchat",
                contact="visitor-1",
                identity_kind=VISITOR,
                identity_value="visitor-1",
                dedupe_key="webchat:visitor-1:m1",
                text="Bonjour",
                received_at=self.clock(),
                store_code="PARIS01",
            )
        )
        return stored.conversation.id

    async def assign(self, conversation_id: str, who: Principal) -> None:
        """As a manager's hand assignment does: out of routing's queue, onto ``who``."""
        await self.hub.routing.take_by_hand(conversation_id, who.id, "voice")
        async with self.hub.db.transaction() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(status="assigned", assigned_staff_id=who.id, assigned_at=self.clock())
            )

    async def place_call(self, conversation_id: str, who: Principal) -> tuple[int, Any]:
        response = await self.client.post(
            f"/api/conversations/{conversation_id}/call", headers=await self.login(who)
        )
        return response.status, await response.json()

    async def calls(self) -> list[VoiceCall]:
        async with self.hub.db.reading() as session:
            return list(await session.scalars(select(VoiceCall).order_by(VoiceCall.created_at)))

    async def delivery(self, message_id: str) -> tuple[str | None, str | None]:
        async with self.hub.db.reading() as session:
            message = await session.get(Message, message_id)
        assert message is not None
        return message.delivery_status, message.delivery_error


async def add_number(client: TestClient, clock: FakeClock, store: str = "PARIS01") -> None:
    new = NewVoiceAccount.parse(
        provider="twilio",
        number=STORE_NUMBER,
        store_code=store,
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
    )
    async with client.app[SERVICES].db.transaction() as session:
        await add_voice_account(session, new, now=clock(), actor=("test", None))


@pytest.fixture
async def voice(
    aiohttp_client: Any, database_url: str, clock: FakeClock, voice_provider: FakeVoiceProvider
) -> VoiceHub:
    settings = make_settings(
        database_url, voice_api_base=voice_provider.base_url, public_url=PUBLIC
    )
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    await make_store(client.app[SERVICES].db, clock())
    await make_store(client.app[SERVICES].db, clock(), "LYON01")
    await add_number(client, clock)
    return VoiceHub(client, clock, voice_provider)


def bridge_params(provider: FakeVoiceProvider, call_sid: str) -> dict[str, str]:
    """What Twilio posts to the call's ``Url`` once the ambassador picked up."""
    return {
        "AccountSid": provider.account_sid,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": "in-progress",
        "Direction": "outbound-api",
        "From": STORE_NUMBER,
        "To": AMBASSADOR_PHONE,
    }


# -- call via provider ------------------------------------------------------------------


async def test_call_via_provider_rings_the_ambassador_then_bridges_to_the_client(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador(name="Amélie Laurent")
    conversation_id = await voice.callback()
    await voice.assign(conversation_id, amelie)

    status, body = await voice.place_call(conversation_id, amelie)

    assert status == 202, body
    call_id = body["call"]["id"]
    assert body == {"call": {"id": call_id, "status": "queued", "to": AMBASSADOR_PHONE}}
    created = await voice_provider.next_call()
    assert created.account_sid == ACCOUNT_SID  # the fake checks basic auth of SID and token
    assert created.params == {
        "To": [AMBASSADOR_PHONE],
        "From": [STORE_NUMBER],
        "Url": [f"{PUBLIC}/voice/twilio/bridge?call={call_id}"],
        "Method": ["POST"],
        "StatusCallback": [f"{PUBLIC}/voice/twilio/status"],
        "StatusCallbackMethod": ["POST"],
        "StatusCallbackEvent": STATUS_EVENTS,
    }
    (row,) = await voice.calls()
    async with voice.hub.db.reading() as session:
        callback = await session.scalar(select(Callback))
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "voice_call.bridge_requested")
        )
    assert callback is not None and audited is not None
    assert (row.id, row.call_sid, row.direction, row.status) == (
        call_id,
        created.sid,
        "bridge",
        "queued",
    )
    assert (row.from_number, row.to_number, row.staff_id) == (
        STORE_NUMBER,
        AMBASSADOR_PHONE,
        amelie.id,
    )
    assert (row.conversation_id, row.callback_id) == (conversation_id, callback.id)
    assert audited.actor_id == amelie.id and audited.subject_id == conversation_id

    # Amélie picks up: the provider fetches the bridge, signed as Twilio signs it.
    reply = await voice_provider.call(
        voice.base_url,
        f"/voice/twilio/bridge?call={call_id}",
        bridge_params(voice_provider, created.sid),
        public_url=PUBLIC,
    )
    assert reply.status == 200, reply.text
    assert reply.content_type == "text/xml"
    root = reply.twiml()
    say, dial = list(root)
    assert say.tag == "Say" and say.text == "Nous vous mettons en relation avec Marie Curie."
    assert say.get("language") == "fr-FR"  # the boutique's first language
    assert dial.tag == "Dial"
    assert dial.get("callerId") == STORE_NUMBER
    assert dial.get("action") == f"{PUBLIC}/voice/twilio/dial?call={call_id}"
    assert dial.get("method") == "POST"
    (number,) = list(dial)
    assert number.tag == "Number" and number.text == SHOPPER_NUMBER


async def test_a_forged_or_missing_signature_gets_403_and_an_unknown_call_404(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    conversation_id = await voice.callback()
    await voice.assign(conversation_id, amelie)
    status, body = await voice.place_call(conversation_id, amelie)
    assert status == 202, body
    created = await voice_provider.next_call()
    path = f"/voice/twilio/bridge?call={body['call']['id']}"
    params = bridge_params(voice_provider, created.sid)

    forged = base64.b64encode(b"x" * 20).decode()
    for kwargs in ({"signature": forged}, {"signed": False}):
        reply = await voice_provider.call(voice.base_url, path, params, public_url=PUBLIC, **kwargs)
        assert reply.status == 403, reply.text
        assert "<Dial" not in reply.text and SHOPPER_NUMBER not in reply.text
    # Signed for the loopback address the hub sees, not the public URL Twilio was given.
    reply = await voice_provider.call(voice.base_url, path, params)
    assert reply.status == 403
    # Another call's signed URL does not open this one.
    reply = await voice_provider.call(
        voice.base_url,
        path,
        params,
        public_url=PUBLIC,
        signature=voice_provider.sign(f"{PUBLIC}/voice/twilio/bridge?call=other", params),
    )
    assert reply.status == 403

    unknown = await voice_provider.call(
        voice.base_url, "/voice/twilio/bridge?call=no-such-call", params, public_url=PUBLIC
    )
    assert unknown.status == 404


async def test_an_ambassador_without_a_phone_is_told_to_ask_a_manager(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador(phone=None)
    conversation_id = await voice.callback()
    await voice.assign(conversation_id, amelie)

    status, body = await voice.place_call(conversation_id, amelie)

    assert status == 409
    assert body["error"]["code"] == "no_phone" and "manager" in body["error"]["message"]
    assert voice_provider.created_calls == [] and await voice.calls() == []


async def test_only_the_handling_ambassador_of_the_store_may_call(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    colleague = await voice.ambassador()
    in_lyon = await voice.ambassador("LYON01")
    conversation_id = await voice.callback()
    await voice.assign(conversation_id, amelie)

    status, body = await voice.place_call(conversation_id, in_lyon)
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await voice.place_call(conversation_id, colleague)
    assert status == 403 and body["error"]["code"] == "not_assigned"
    unauthenticated = await voice.client.post(f"/api/conversations/{conversation_id}/call")
    assert unauthenticated.status == 401
    assert voice_provider.created_calls == [] and await voice.calls() == []


async def test_a_chat_or_a_store_without_a_number_cannot_be_called(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    manager = await voice.ambassador(role="manager")
    chat_id = await voice.chat_conversation()
    status, body = await voice.place_call(chat_id, manager)
    assert status == 409 and body["error"]["code"] == "not_a_call"

    in_lyon = await voice.ambassador("LYON01", role="manager")
    lyon_call = await voice.voice_conversation("+33611223344", store="LYON01")
    status, body = await voice.place_call(lyon_call, in_lyon)
    assert status == 409 and body["error"]["code"] == "no_voice_number"

    withheld = await voice.voice_conversation("anonymous:" + new_sid("CA"))
    status, body = await voice.place_call(withheld, manager)
    assert status == 409 and body["error"]["code"] == "no_client_number"
    assert voice_provider.created_calls == []


async def test_a_provider_refusal_answers_502_with_its_message_and_fails_the_row(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    conversation_id = await voice.callback()
    await voice.assign(conversation_id, amelie)
    voice_provider.fail_next_call(
        status=400, code=21215, message="Account not authorized to call +33699887766."
    )

    status, body = await voice.place_call(conversation_id, amelie)

    assert status == 502
    assert body == {
        "error": {
            "code": "voice_provider_error",
            "message": "The voice provider refused the call: "
            "Account not authorized to call +33699887766. (21215)",
        }
    }
    (row,) = await voice.calls()
    assert row.status == "failed" and row.call_sid is None and row.ended_at == voice.clock()
    async with voice.hub.db.reading() as session:
        failed = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "voice_call.bridge_failed")
        )
    assert failed is not None and failed.data is not None and failed.data["provider_code"] == 21215

    # Fixed, the next click goes through.
    status, body = await voice.place_call(conversation_id, amelie)
    assert status == 202, body
    assert (await voice_provider.next_call()).to == AMBASSADOR_PHONE


# -- text messages ----------------------------------------------------------------------


async def test_a_reply_in_a_voice_conversation_is_texted_from_the_stores_number(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    conversation_id = await voice.voice_conversation(SHOPPER_NUMBER)
    await voice.assign(conversation_id, amelie)

    stored = await voice.hub.inbox.reply(
        amelie, conversation_id, "r-1", "Bonjour, je vous rappelle à 15h."
    )
    assert await voice.delivery(stored.message.id) == ("pending", None)
    await voice.settle()

    sent = await voice_provider.next_message()
    assert sent.params == {
        "To": [SHOPPER_NUMBER],
        "From": [STORE_NUMBER],
        "Body": ["Bonjour, je vous rappelle à 15h."],
    }
    assert await voice.delivery(stored.message.id) == ("sent", None)
    # The same client id again stores and sends nothing more.
    again = await voice.hub.inbox.reply(
        amelie, conversation_id, "r-1", "Bonjour, je vous rappelle à 15h."
    )
    await voice.settle()
    assert again.duplicate and len(voice_provider.sent_messages) == 1


async def test_a_refused_text_fails_the_reply_with_the_providers_reason(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    conversation_id = await voice.voice_conversation(SHOPPER_NUMBER)
    await voice.assign(conversation_id, amelie)
    voice_provider.fail_next_message(
        status=400, code=21610, message="Attempt to send to unsubscribed recipient"
    )

    stored = await voice.hub.inbox.reply(amelie, conversation_id, "r-1", "Bonjour")
    await voice.settle()

    status, error = await voice.delivery(stored.message.id)
    assert status == "failed"
    assert error == (
        "The voice provider refused the text message: "
        "Attempt to send to unsubscribed recipient (21610)"
    )
    voice.clock.advance(hours=1)
    await voice.settle()
    assert voice_provider.sent_messages == []  # a permanent refusal is not retried


async def test_a_provider_outage_is_retried_and_the_text_sent_once(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    conversation_id = await voice.voice_conversation(SHOPPER_NUMBER)
    await voice.assign(conversation_id, amelie)
    voice_provider.fail_next_message(status=503, code=20503, message="Service unavailable")

    stored = await voice.hub.inbox.reply(amelie, conversation_id, "r-1", "Un instant")
    await voice.settle()
    assert await voice.delivery(stored.message.id) == ("pending", None)
    assert voice_provider.sent_messages == []

    voice.clock.advance(seconds=31)
    await voice.settle()
    assert (await voice_provider.next_message()).body == "Un instant"
    assert await voice.delivery(stored.message.id) == ("sent", None)
    voice.clock.advance(minutes=4)
    await voice.settle()
    assert len(voice_provider.sent_messages) == 1
    async with voice.hub.db.reading() as session:
        row = await session.scalar(select(ChannelOutbox))
    assert row is not None and (row.channel, row.status, row.attempts) == ("sms", "sent", 2)


async def test_a_recovery_leaves_a_retrying_text_to_its_own_job(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    conversation_id = await voice.voice_conversation(SHOPPER_NUMBER)
    await voice.assign(conversation_id, amelie)
    voice_provider.fail_next_message(status=503, code=20503, message="Service unavailable")
    stored = await voice.hub.inbox.reply(amelie, conversation_id, "r-1", "Un instant")
    await voice.settle()

    jobs = voice.hub.jobs
    assert isinstance(jobs, InProcessRunner)
    await jobs.recover()  # what a restart or the periodic sweep does
    voice.clock.advance(seconds=31)
    await voice.settle()

    assert await voice.delivery(stored.message.id) == ("sent", None)
    assert len(voice_provider.sent_messages) == 1


async def test_a_reply_nobody_can_text_is_refused_and_nothing_stored(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    manager = await voice.ambassador(role="manager")
    withheld = await voice.voice_conversation("anonymous:" + new_sid("CA"))
    with pytest.raises(Conflict) as refused:
        await voice.hub.inbox.reply(manager, withheld, "r-1", "Hello?")
    assert refused.value.code == "voice_no_sms" and "withheld" in refused.value.message

    in_lyon = await voice.ambassador("LYON01", role="manager")
    lyon_call = await voice.voice_conversation("+33611223344", store="LYON01")
    with pytest.raises(Conflict) as refused:
        await voice.hub.inbox.reply(in_lyon, lyon_call, "r-2", "Hello?")
    assert refused.value.code == "voice_no_sms" and "no number" in refused.value.message

    assert [m.direction for m in await voice.messages()] == ["in", "in"]
    async with voice.hub.db.reading() as session:
        assert (await session.scalars(select(ChannelOutbox))).all() == []


async def test_a_missed_callback_is_texted_to_the_shopper_from_the_stores_number(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    conversation_id = await voice.callback()
    await voice.assign(conversation_id, amelie)

    response = await voice.client.post(
        f"/api/conversations/{conversation_id}/callback-outcome",
        json={"outcome": "no_answer"},
        headers=await voice.login(amelie),
    )
    assert response.status == 200, await response.text()
    await voice.settle()

    sent = await voice_provider.next_message()
    assert (sent.to, sent.from_) == (SHOPPER_NUMBER, STORE_NUMBER)
    # The form named no language: the boutique's first one (fr).
    assert "Bonjour Marie Curie" in sent.body and "a tenté de vous appeler" in sent.body
    async with voice.hub.db.reading() as session:
        row = await session.scalar(select(ChannelOutbox))
        callback = await session.scalar(select(Callback))
    assert row is not None and callback is not None
    assert (row.channel, row.ref_kind, row.ref_id, row.message_id, row.status) == (
        "sms",
        "callback",
        callback.id,
        None,
        "sent",
    )


async def test_voice_sms_enqueues_only_for_a_store_with_a_number(voice: VoiceHub) -> None:
    paris = await _store_id(voice, "PARIS01")
    lyon = await _store_id(voice, "LYON01")
    sms = VoiceSms()
    async with voice.hub.db.transaction() as session:
        scheduled = await sms.enqueue(
            session,
            store_id=paris,
            to=SHOPPER_NUMBER,
            text="See you soon",
            ref="cb-1",
            now=voice.clock(),
        )
        none = await sms.enqueue(
            session,
            store_id=lyon,
            to=SHOPPER_NUMBER,
            text="See you soon",
            ref="cb-2",
            now=voice.clock(),
        )
    assert none is None
    assert scheduled is not None and scheduled.job_kind == "voice_sms"
    await voice.hub.jobs.schedule(scheduled.job_kind, scheduled.key)
    await voice.settle()
    sent = await voice.provider.next_message()
    assert (sent.to, sent.from_, sent.body) == (SHOPPER_NUMBER, STORE_NUMBER, "See you soon")


async def _store_id(voice: VoiceHub, code: str) -> str:
    async with voice.hub.db.reading() as session:
        store_id = await session.scalar(select(Store.id).where(Store.code == code))
    assert store_id is not None
    return str(store_id)


# -- the call card ----------------------------------------------------------------------


async def test_the_call_card_shows_the_number_what_is_possible_the_callback_and_calls(
    voice: VoiceHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador(name="Amélie Laurent")
    conversation_id = await voice.callback()
    await voice.assign(conversation_id, amelie)
    status, body = await voice.place_call(conversation_id, amelie)
    assert status == 202
    headers = await voice.login(amelie)

    response = await voice.client.get(f"/api/conversations/{conversation_id}", headers=headers)
    assert response.status == 200
    state = (await response.json())["channel_state"]
    callback = state.pop("callback")
    assert callback["phone"] == SHOPPER_NUMBER and callback["name"] == "Marie Curie"
    assert callback["status"] == "queued"
    assert state == {
        "kind": "voice",
        "phone": SHOPPER_NUMBER,
        "sms": True,
        "bridge": True,
        "calls": [
            {
                "id": body["call"]["id"],
                "direction": "bridge",
                "status": "queued",
                "duration_seconds": None,
                "staff": "Amélie Laurent",
                "created_at": "2026-11-25T10:00:00Z",
            }
        ],
    }

    # A withheld number in a store without a number: nothing to text, nothing to call.
    in_lyon = await voice.ambassador("LYON01", role="manager")
    withheld = await voice.voice_conversation("anonymous:" + new_sid("CA"), store="LYON01")
    response = await voice.client.get(
        f"/api/conversations/{withheld}", headers=await voice.login(in_lyon)
    )
    assert (await response.json())["channel_state"] == {
        "kind": "voice",
        "phone": None,
        "sms": False,
        "bridge": False,
        "callback": None,
        "calls": [],
    }
