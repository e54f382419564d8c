"""Incoming phone calls on both databases, driven by the fake provider's signed webhooks:
ring the offered ambassador, answer or not, a callback by pressing 1, a voicemail with its
recording and transcript, out of hours, status callbacks twice and out of order, and the
refusals that store nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hub.db.change_models import Change
from hub.db.channel_models import Attachment
from hub.db.models import Conversation, CustomerIdentity, Message
from hub.db.voice_models import Callback, VoiceCall
from tests.conftest import FakeClock
from tests.fakes.voice_provider import (
    SHOPPER_NUMBER,
    STORE_NUMBER,
    FakeVoiceProvider,
    new_sid,
)
from tests.integration.voice_support import (
    AMBASSADOR_PHONE,
    PUBLIC,
    VoiceCallsHub,
    said,
    start_voice_hub,
)

# PARIS01 speaks French first, so its callers hear French.
CLOSED = "Notre boutique est actuellement fermée."
BUSY = "Tous nos conseillers sont actuellement auprès d'autres clients."
PRESS_1 = "appuyer sur la touche 1"


def answered_params(provider: FakeVoiceProvider, call_sid: str) -> dict[str, str]:
    """The status callback of the ambassador's leg of a ``<Dial>``, once they picked up."""
    return {
        "AccountSid": provider.account_sid,
        "ApiVersion": "2010-04-01",
        "CallSid": new_sid("CA"),
        "ParentCallSid": call_sid,
        "CallStatus": "in-progress",
        "Direction": "outbound-dial",
        "From": STORE_NUMBER,
        "To": AMBASSADOR_PHONE,
        "CallbackSource": "call-progress-events",
        "SequenceNumber": "2",
    }


@pytest.fixture
async def voice(
    aiohttp_client: Any, database_url: str, clock: FakeClock, voice_provider: FakeVoiceProvider
) -> VoiceCallsHub:
    return await start_voice_hub(aiohttp_client, database_url, clock, voice_provider)


async def test_a_call_in_hours_rings_the_offered_ambassador_and_answering_assigns_it(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador(name="Amélie Laurent")
    sid, root = await voice.incoming(caller_name="Marie Curie")
    call = await voice.call(sid)
    (offer,) = await voice.offers()
    assert offer.status == "pending" and offer.staff_id == amelie.id
    assert offer.conversation_id == call.conversation_id
    assert (call.handling, call.staff_id, call.offer_id) == ("ring", amelie.id, offer.id)
    dial = root.find("Dial")
    assert dial is not None and [n.text for n in dial.iter("Number")] == [AMBASSADOR_PHONE]
    assert dial.get("action") == f"{PUBLIC}/voice/twilio/dial?call={call.id}"
    assert dial.get("callerId") == STORE_NUMBER and dial.get("timeout") == "20"
    number = dial.find("Number")
    assert number is not None and number.get("statusCallbackEvent") == "answered"
    assert number.get("statusCallback") == f"{PUBLIC}/voice/twilio/answered?call={call.id}"
    assert said(root).startswith("Bienvenue chez Boutique PARIS01")
    assert root.find("Say") is not None and root.find("Say").get("language") == "fr-FR"

    # Twilio retries the webhook: the same answer, one row, one message.
    _, again = await voice.incoming(sid, caller_name="Marie Curie")
    assert [n.text for n in again.iter("Number")] == [AMBASSADOR_PHONE]
    assert await voice.count_calls() == 1
    (message,) = await voice.messages()
    assert message.text == "Incoming call" and message.author_kind == "customer"
    assert message.data == {
        "call": {
            "id": call.id,
            "sid": sid,
            "direction": "inbound",
            "from": SHOPPER_NUMBER,
            "to": STORE_NUMBER,
        }
    }
    (conversation,) = await voice.conversations()
    assert conversation.channel == "voice" and conversation.contact == SHOPPER_NUMBER
    async with voice.hub.db.reading() as session:
        identity = await session.scalar(select(CustomerIdentity))
    assert identity is not None
    assert (identity.kind, identity.value, identity.verified) == ("phone", SHOPPER_NUMBER, True)
    assert identity.customer_id == conversation.customer_id

    # Amélie picks up: the conversation is hers while she talks (the offer would expire
    # long before the <Dial> ends and reports).
    picked_up = answered_params(voice_provider, sid)
    assert (await voice.on_call("answered", sid, picked_up)).status == 204
    (conversation,) = await voice.conversations()
    assert conversation.status == "assigned" and conversation.assigned_staff_id == amelie.id
    assert [o.status for o in await voice.offers()] == ["accepted"]
    assert (await voice.on_call("answered", sid, picked_up)).status == 204  # retried: no-op

    answered = voice_provider.status_params(
        sid, "in-progress", dial_call_status="completed", dial_duration=185
    )
    reply = await voice.on_call("dial", sid, answered)
    assert reply.status == 200 and [child.tag for child in reply.twiml()] == ["Hangup"]
    (conversation,) = await voice.conversations()
    assert conversation.status == "assigned" and conversation.assigned_staff_id == amelie.id
    assert [o.status for o in await voice.offers()] == ["accepted"]
    # The same action again changes nothing and is answered alike.
    reply = await voice.on_call("dial", sid, answered)
    assert [child.tag for child in reply.twiml()] == ["Hangup"]

    done = voice_provider.status_params(sid, "completed", duration=192, sequence_number=3)
    assert (await voice.post("/voice/twilio/status", done)).status == 204
    call = await voice.call(sid)
    assert (call.status, call.duration_seconds, call.dial_status) == ("completed", 192, "completed")
    assert call.ended_at == voice.clock()
    note = (await voice.messages())[-1]
    assert note.author_kind == "system" and note.text == "Call with Amélie Laurent, 3 min 12 s"


async def test_nobody_answering_offers_a_callback_and_pressing_1_queues_one(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador()
    sid, _ = await voice.incoming()
    call = await voice.call(sid)
    missed = voice_provider.status_params(sid, "in-progress", dial_call_status="no-answer")
    reply = await voice.on_call("dial", sid, missed)
    root = reply.twiml()
    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert gather.get("action") == f"{PUBLIC}/voice/twilio/gather?call={call.id}"
    record = root.find("Record")
    assert record is not None and record.get("transcribe") == "true"
    assert record.get("action") == f"{PUBLIC}/voice/twilio/recording?call={call.id}"
    assert record.get("transcribeCallback") == f"{PUBLIC}/voice/twilio/transcription?call={call.id}"
    assert BUSY in said(root) and PRESS_1 in said(root)
    # Declined on the ambassador's behalf: back in the queue, not offered to them again.
    (offer,) = await voice.offers()
    assert offer.status == "declined" and offer.staff_id == amelie.id
    (conversation,) = await voice.conversations()
    assert conversation.status == "queued"

    for _ in range(2):  # Twilio retries the keypress: one callback
        reply = await voice.on_call("gather", sid, voice_provider.gather_params(sid, "1"))
        assert reply.status == 200 and "vous rappellera" in said(reply.twiml())
    await voice.settle()
    async with voice.hub.db.reading() as session:
        (callback,) = (await session.scalars(select(Callback))).all()
    assert callback.conversation_id == conversation.id and callback.status == "queued"
    assert (callback.phone, callback.source) == (SHOPPER_NUMBER, "phone")
    assert (await voice.call(sid)).callback_id == callback.id

    other = await voice.on_call("gather", sid, voice_provider.gather_params(sid, "5"))
    assert other.twiml().find("Gather") is None and other.twiml().find("Record") is not None

    done = voice_provider.status_params(sid, "completed", duration=40)
    assert (await voice.post("/voice/twilio/status", done)).status == 204
    assert (await voice.messages())[-1].text == "Missed call: the caller asked to be called back"


async def test_a_voicemail_becomes_a_message_with_its_recording_and_transcript(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    paris = await voice.ambassador(available=False)  # nobody online: straight to voicemail
    lyon = await voice.ambassador("LYON01", available=False)
    sid, root = await voice.incoming()
    assert root.find("Dial") is None and root.find("Gather") is not None
    assert BUSY in said(root)
    assert (await voice.call(sid)).handling == "voicemail"

    recording_sid = new_sid("RE")
    voice_provider.add_recording(recording_sid, b"ID3-voicemail")
    for _ in range(2):  # the action, retried
        reply = await voice.on_call(
            "recording", sid, voice_provider.recording_params(sid, recording_sid, duration=17)
        )
        assert reply.status == 200 and [child.tag for child in reply.twiml()] == ["Hangup"]
    await voice.settle()
    assert voice_provider.media_fetches[recording_sid] == 1
    _, voicemail = await voice.messages()
    assert voicemail.text == "Voicemail (17 s)" and voicemail.author_kind == "customer"
    assert voicemail.data is not None
    assert voicemail.data["voicemail"]["duration_seconds"] == 17
    assert voicemail.data["voicemail"]["transcription"] == "pending"
    (entry,) = voicemail.data["attachments"]
    assert (entry["kind"], entry["status"], entry["size"]) == ("voice", "ready", 13)
    async with voice.hub.db.reading() as session:
        attachment = await session.get(Attachment, entry["id"])
    assert attachment is not None and attachment.data == b"ID3-voicemail"

    path = f"/api/attachments/{entry['id']}"
    response = await voice.client.get(path, headers=await voice.login(paris))
    assert response.status == 200 and await response.read() == b"ID3-voicemail"
    assert (await voice.client.get(path, headers=await voice.login(lyon))).status == 404
    assert (await voice.client.get(path)).status == 404  # as if it did not exist

    text = "Bonjour, c'est Marie, pouvez-vous me rappeler pour la bague Serpent ?"
    transcribed = voice_provider.transcription_params(sid, recording_sid, text)
    for _ in range(2):
        reply = await voice.on_call("transcription", sid, transcribed)
        assert reply.status == 204
    voicemail = await voice.message(voicemail.id)
    assert voicemail.data is not None and voicemail.data["transcript"] == text
    assert voicemail.data["voicemail"]["transcription"] == "completed"
    async with voice.hub.db.reading() as session:
        updates = await session.scalar(
            select(func.count()).select_from(Change).where(Change.ref == voicemail.id)
        )
    assert updates == 2  # the recording fetched, the transcript: once each

    done = voice_provider.status_params(sid, "completed", duration=35)
    await voice.post("/voice/twilio/status", done)
    assert (await voice.messages())[-1].text == "Missed call: the caller left a voicemail"


async def test_a_transcript_that_arrives_before_the_recording_is_kept(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    sid, _ = await voice.incoming()
    recording_sid = new_sid("RE")
    voice_provider.add_recording(recording_sid)
    text = "Please call me back about my appointment."
    transcribed = voice_provider.transcription_params(sid, recording_sid, text)
    assert (await voice.on_call("transcription", sid, transcribed)).status == 204
    recorded = voice_provider.recording_params(sid, recording_sid, duration=9)
    assert (await voice.on_call("recording", sid, recorded)).status == 200
    await voice.settle()
    _, voicemail = await voice.messages()
    assert voicemail.text == "Voicemail (9 s)" and voicemail.data is not None
    assert voicemail.data["transcript"] == text
    assert voicemail.data["voicemail"]["duration_seconds"] == 9
    assert voicemail.data["attachments"][0]["status"] == "ready"
    assert voice_provider.media_fetches[recording_sid] == 1


async def test_out_of_hours_the_caller_hears_the_boutique_is_closed(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider, clock: FakeClock
) -> None:
    clock.advance(hours=11)  # 22:00 in Paris
    await voice.ambassador()
    sid, root = await voice.incoming()
    assert root.find("Dial") is None and root.find("Gather") is not None
    assert CLOSED in said(root) and BUSY not in said(root)
    assert (await voice.call(sid)).handling == "closed"
    (conversation,) = await voice.conversations()
    assert conversation.status in ("queued", "offered")  # in the console like any message

    done = voice_provider.status_params(sid, "completed", duration=12)
    await voice.post("/voice/twilio/status", done)
    assert (await voice.messages())[-1].text == (
        "Missed call outside opening hours: the caller hung up before anyone answered"
    )


async def test_a_withheld_number_gets_a_profile_of_its_own_and_no_callback_offer(
    voice: VoiceCallsHub,
) -> None:
    sid, root = await voice.incoming(from_number="anonymous")
    assert root.find("Gather") is None and root.find("Record") is not None
    assert "un numéro où vous joindre" in said(root) and PRESS_1 not in said(root)
    (conversation,) = await voice.conversations()
    assert conversation.contact == f"anonymous:{sid}"
    async with voice.hub.db.reading() as session:
        identity = await session.scalar(select(CustomerIdentity))
    assert identity is not None
    assert (identity.kind, identity.value) == ("external", f"voice-anonymous:{sid}")
    assert (await voice.call(sid)).from_number is None


async def test_status_callbacks_twice_and_out_of_order_write_one_note(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    sid, _ = await voice.incoming()
    ringing = voice_provider.status_params(sid, "ringing", sequence_number=0)
    progress = voice_provider.status_params(sid, "in-progress", sequence_number=1)
    done = voice_provider.status_params(sid, "completed", duration=8, sequence_number=2)
    for params in (progress, ringing, done, done, progress):
        assert (await voice.post("/voice/twilio/status", params)).status == 204
    call = await voice.call(sid)
    assert (call.status, call.duration_seconds) == ("completed", 8)
    notes = [m for m in await voice.messages() if m.author_kind == "system"]
    assert [n.text for n in notes] == ["Missed call: the caller hung up before anyone answered"]


async def test_unsigned_forged_or_misdirected_webhooks_are_refused_and_store_nothing(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    params = voice_provider.incoming_call_params(call_sid=new_sid("CA"))
    path = "/voice/twilio/incoming"
    refusals = [
        await voice.post(path, params, signature=voice_provider.sign(f"{PUBLIC}{path}", {})),
        await voice.post(path, params, signed=False),
        # Signed for the address the hub is reached at, not the public one.
        await voice.provider.call(voice.base_url, path, params),
        await voice.post(path, params, signature=voice_provider.sign(f"{PUBLIC}/other", params)),
    ]
    # Signed with the right token, but for another account.
    other = {**params, "AccountSid": "AC" + "f" * 32}
    refusals.append(await voice.post(path, other))
    for reply in refusals:
        assert reply.status == 403, reply.text
        assert '"bad_signature"' in reply.text
    assert await voice.count_calls() == 0 and await voice.messages() == []
    assert await voice.conversations() == []

    unknown = voice_provider.incoming_call_params(to_number="+33142650099")
    reply = await voice.post(path, unknown)
    assert reply.status == 404 and '"unknown_number"' in reply.text
    malformed = {**params, "CallSid": "nope"}
    assert (await voice.post(path, malformed)).status == 400

    # A call's own URLs refuse a forgery the same way, and change nothing.
    sid, _ = await voice.incoming()
    call = await voice.call(sid)
    dial = voice_provider.status_params(sid, "in-progress", dial_call_status="no-answer")
    forged = await voice.post(f"/voice/twilio/dial?call={call.id}", dial, signature="x" * 28)
    assert forged.status == 403 and (await voice.call(sid)).dial_status is None
    elsewhere = await voice.post(
        f"/voice/twilio/dial?call={call.id}",
        dial,
        signature=voice_provider.sign(f"{PUBLIC}/voice/twilio/dial?call=other", dial),
    )
    assert elsewhere.status == 403
    status = voice_provider.status_params(sid, "completed", duration=3)
    assert (await voice.post("/voice/twilio/status", status, signed=False)).status == 403
    assert (await voice.call(sid)).ended_at is None
    assert (await voice.post("/voice/twilio/dial?call=nobody", dial)).status == 404
    stranger = voice_provider.status_params(new_sid("CA"), "completed")
    assert (await voice.post("/voice/twilio/status", stranger)).status == 404
    assert len(await voice.messages()) == 1


async def test_recordings_are_fetched_with_the_accounts_credentials_only(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    """The fake serves media only to Basic auth of the account SID and auth token, and
    counts those fetches; a recording not there yet is fetched again later."""
    sid, _ = await voice.incoming()
    recording_sid = new_sid("RE")
    recorded = voice_provider.recording_params(sid, recording_sid, duration=4)
    await voice.on_call("recording", sid, recorded)
    await voice.settle()  # not at the provider yet: 404, retried later
    async with voice.hub.db.reading() as session:
        attachment = await session.scalar(select(Attachment))
    assert attachment is not None and attachment.status == "queued"
    assert attachment.source is not None and "https://" not in str(attachment.source)
    voice_provider.add_recording(recording_sid, b"late")
    voice.clock.advance(seconds=11)
    await voice.settle()
    async with voice.hub.db.reading() as session:
        attachment = await session.scalar(select(Attachment))
        message = await session.scalar(select(Message).where(Message.text == "Voicemail (4 s)"))
    assert attachment is not None and attachment.data == b"late" and attachment.status == "sent"
    assert voice_provider.media_fetches[recording_sid] == 1
    assert message is not None and message.data is not None
    assert message.data["attachments"][0]["status"] == "ready"


async def test_a_call_from_a_client_already_assigned_rings_their_ambassador(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    amelie = await voice.ambassador(name="Amélie Laurent")
    first, _ = await voice.incoming()
    answered = voice_provider.status_params(first, "in-progress", dial_call_status="completed")
    await voice.on_call("dial", first, answered)
    await voice.post("/voice/twilio/status", voice_provider.status_params(first, "completed"))
    second, root = await voice.incoming()
    assert [n.text for n in root.iter("Number")] == [AMBASSADOR_PHONE]
    call = await voice.call(second)
    assert (call.handling, call.staff_id, call.offer_id) == ("ring", amelie.id, None)
    conversations = await voice.conversations()
    assert len(conversations) == 1 and conversations[0].id == call.conversation_id
    async with voice.hub.db.reading() as session:
        conversation = await session.get(Conversation, call.conversation_id)
    assert conversation is not None and conversation.status == "assigned"


async def test_a_call_the_hub_placed_reports_its_outcome_here_too(
    voice: VoiceCallsHub, voice_provider: FakeVoiceProvider
) -> None:
    """A bridge (``adapters.voice.bridge``) sends its ``<Dial>`` action and status callbacks
    to these routes: the ambassador's line is hung up, the outcome noted once."""
    amelie = await voice.ambassador(name="Amélie Laurent", available=False)
    first, _ = await voice.incoming()
    incoming = await voice.call(first)
    sid = new_sid("CA")
    async with voice.hub.db.transaction() as session:
        bridge = VoiceCall(
            call_sid=sid,
            account_id=incoming.account_id,
            conversation_id=incoming.conversation_id,
            direction="bridge",
            from_number=STORE_NUMBER,
            to_number=AMBASSADOR_PHONE,
            status="queued",
            staff_id=amelie.id,
            created_at=voice.clock(),
            updated_at=voice.clock(),
        )
        session.add(bridge)
    for status in ("initiated", "ringing", "in-progress"):
        await voice.post("/voice/twilio/status", voice_provider.status_params(sid, status))
    assert (await voice.call(sid)).status == "in-progress"
    reached = voice_provider.status_params(sid, "in-progress", dial_call_status="completed")
    reply = await voice.post(f"/voice/twilio/dial?call={bridge.id}", reached)
    assert [child.tag for child in reply.twiml()] == ["Hangup"]
    gather = await voice.post(
        f"/voice/twilio/gather?call={bridge.id}", voice_provider.gather_params(sid, "1")
    )
    assert gather.status == 404  # a bridge has no callback menu or voicemail
    done = voice_provider.status_params(sid, "completed", duration=75)
    for _ in range(2):
        assert (await voice.post("/voice/twilio/status", done)).status == 204
    notes = [m.text for m in await voice.messages() if m.author_kind == "system"]
    assert notes == ["Call with the client by Amélie Laurent, 1 min 15 s"]
