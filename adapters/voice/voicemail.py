"""A voicemail becomes a customer message in the call's conversation, with its recording.

Two webhooks speak of one voicemail, in either order: the ``<Record>`` action (the
recording is there, with its duration) and the ``transcribeCallback`` (its transcript,
or that none could be made). Both carry the ``CallSid`` and the ``RecordingSid``, so both
name the same message (``Recording.dedupe_key``): whichever comes first stores it, with
the voice attachment the ``voice_media`` job fetches, and the other fills in what it
knows. Nothing waits for the other, so a transcript that arrives before the recording
is not lost, and a duplicate of either changes nothing.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from adapters.voice import twiml
from adapters.voice.media import MEDIA_JOB, media_source
from adapters.voice.twilio_events import (
    Recording,
    Transcription,
    recording,
    transcription,
)
from adapters.voice.webhook import Signed, call_webhook, no_content, twiml_response
from hub import change_feed
from hub.clock import Clock
from hub.db.engine import Database
from hub.db.models import Message
from hub.db.voice_models import VoiceCall
from hub.errors import InvalidInput, NotFound
from hub.inbox import Inbox
from hub.jobs.kind import Jobs
from hub.messages import Inbound, NewAttachment
from hub.profiles.identity import EXTERNAL, PHONE
from hub.settings import Settings

log = logging.getLogger("adapters.voice")
CHANNEL = "voice"
INBOUND = "inbound"
PENDING = "pending"


@dataclass(frozen=True)
class Caller:
    """Who a call's messages come from: a proven number, or a bare profile for one call."""

    contact: str
    identity_kind: str
    identity_value: str
    number: str | None

    @classmethod
    def of(cls, call_sid: str, number: str | None) -> Caller:
        if number is not None:
            return cls(number, PHONE, number, number)
        # A withheld caller ID: nobody to link, nothing to call back; one profile per call.
        return cls(f"anonymous:{call_sid}", EXTERNAL, f"voice-anonymous:{call_sid}", None)


def incoming_call_of(signed: Signed, call_sid: str) -> VoiceCall:
    """The incoming call a webhook of its own URLs is about (a bridge has no voicemail)."""
    call = signed.call
    if call is None or call.direction != INBOUND or call.call_sid is None:
        raise NotFound("no such call", code="unknown_call")
    same_call(call, call_sid)
    return call


def same_call(call: VoiceCall, call_sid: str) -> None:
    """A webhook of a URL given for one call must be about that call (a bridge may not
    know its CallSid yet when the provider's first webhook arrives)."""
    if call.call_sid is not None and call.call_sid != call_sid:
        raise InvalidInput(
            "CallSid", "CallSid is not the call this URL is for", code="invalid_field"
        )


class Voicemail:
    def __init__(
        self, *, db: Database, clock: Clock, settings: Settings, inbox: Inbox, jobs: Jobs
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.inbox = inbox
        self.jobs = jobs

    async def recording(self, request: web.Request) -> web.Response:
        """``POST /voice/twilio/recording?call=``: the ``<Record>`` action; hang up after."""
        signed = await call_webhook(request, self.db, self.settings.public_url)
        event = recording(signed.params)
        await self.received(signed, incoming_call_of(signed, event.call_sid), event)
        return twiml_response(twiml.hang_up())

    async def transcription(self, request: web.Request) -> web.Response:
        """``POST /voice/twilio/transcription?call=``: the transcript, or that there is none."""
        signed = await call_webhook(request, self.db, self.settings.public_url)
        event = transcription(signed.params)
        call = incoming_call_of(signed, event.call_sid)
        voicemail = Recording(
            call_sid=event.call_sid,
            account_sid=event.account_sid,
            recording_sid=event.recording_sid,
            recording_url=None,
            duration_seconds=None,
        )
        await self.received(signed, call, voicemail, event)
        return no_content()

    async def received(
        self,
        signed: Signed,
        call: VoiceCall,
        voicemail: Recording,
        transcript: Transcription | None = None,
    ) -> None:
        """Store the voicemail's message if it is new, else add what this webhook knows."""
        caller = Caller.of(voicemail.call_sid, call.from_number)
        duration = voicemail.duration_seconds
        data = _merged(_initial(voicemail.recording_sid), duration, transcript)
        inbound = Inbound(
            channel=CHANNEL,
            contact=caller.contact,
            identity_kind=caller.identity_kind,
            identity_value=caller.identity_value,
            verified=True,
            dedupe_key=voicemail.dedupe_key,
            text=_text(duration),
            received_at=self.clock(),
            store_code=signed.store.code,
            data=data,
            attachments=(
                NewAttachment(
                    kind="voice",
                    content_type="audio/mpeg",
                    filename=f"voicemail-{voicemail.recording_sid}.mp3",
                    data=None,
                    source=media_source(signed.account.id, voicemail.media_path),
                ),
            ),
            conversation_id=call.conversation_id,
        )
        stored = await self.inbox.receive(inbound)
        if stored.duplicate:
            await self._complete(stored.message.id, duration, transcript)
            return
        for attachment_id in stored.to_fetch:
            await self.jobs.schedule(MEDIA_JOB, attachment_id)

    async def _complete(
        self, message_id: str, duration: int | None, transcript: Transcription | None
    ) -> None:
        """Fill in the duration or the transcript once; consoles hear of it by the change feed."""
        now = self.clock()
        async with self.db.transaction() as session:
            message = await session.get(Message, message_id, with_for_update=True)
            if message is None:
                return
            data = _merged(message.data or {}, duration, transcript)
            if data == message.data:
                return  # a duplicate, or what we knew already
            message.data = data
            if duration is not None and message.text == _text(None):
                message.text = _text(duration)
            await change_feed.record(session, change_feed.MESSAGE_UPDATED, message.id, at=now)


def _initial(recording_sid: str) -> dict[str, Any]:
    return {
        "voicemail": {
            "recording_sid": recording_sid,
            "duration_seconds": None,
            "transcription": PENDING,
        }
    }


def _merged(
    data: dict[str, Any], duration: int | None, transcript: Transcription | None
) -> dict[str, Any]:
    """``data`` with the duration and transcript added where still unknown (a new dict)."""
    merged = copy.deepcopy(data)
    voicemail = merged.setdefault("voicemail", {})
    if duration is not None and voicemail.get("duration_seconds") is None:
        voicemail["duration_seconds"] = duration
    if transcript is not None and voicemail.get("transcription", PENDING) == PENDING:
        voicemail["transcription"] = transcript.status
        if transcript.text:
            merged["transcript"] = transcript.text
    return merged


def _text(duration: int | None) -> str:
    return "Voicemail" if duration is None else f"Voicemail ({duration} s)"
