"""Status callbacks of voice calls: the row's state, and one note when a call ends.

Twilio may deliver a status callback twice or out of order, so the row only moves
forward (``queued`` < ``initiated`` < ``ringing`` < ``in-progress`` < final) and the first
final status ends it with one system note in the timeline (keyed by the call, so a retry
stores nothing): who spoke and how long, or why the call was missed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.voice.calls import ANSWERED, BRIDGE, CLOSED
from adapters.voice.twilio_events import CallStatus, call_status
from adapters.voice.voicemail import CHANNEL, INBOUND
from adapters.voice.webhook import no_content, status_webhook
from hub.clock import Clock
from hub.conversations import append_message
from hub.db.engine import Database
from hub.db.models import Conversation, Message, Staff
from hub.db.voice_models import Callback, VoiceCall
from hub.inbox import ConversationEvents
from hub.settings import Settings

log = logging.getLogger("adapters.voice")
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
_PROGRESS = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3}


class CallStatuses:
    def __init__(
        self, *, db: Database, clock: Clock, settings: Settings, events: ConversationEvents
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.events = events

    # -- POST /voice/twilio/status ---------------------------------------------------------

    async def status(self, request: web.Request) -> web.Response:
        signed = await status_webhook(request, self.db, self.settings.public_url)
        event = call_status(signed.params)
        assert signed.call is not None
        await self._status(signed.call.id, event)
        return no_content()

    async def _status(self, call_id: str, event: CallStatus) -> None:
        """Move the row forward only; the first final status ends it with one note."""
        now = self.clock()
        note: tuple[Conversation, Message] | None = None
        async with self.db.transaction() as session:
            call = await session.get(VoiceCall, call_id, with_for_update=True)
            assert call is not None
            if call.ended_at is not None:
                return  # ended already: a duplicate, or a status overtaken by the final one
            if event.status in FINAL_STATUSES:
                call.status = event.status
                if event.duration_seconds is not None:
                    call.duration_seconds = event.duration_seconds
                call.ended_at = now
                call.updated_at = now
                if call.direction in (INBOUND, BRIDGE):
                    note = await self._final_note(session, call, now)
            elif _PROGRESS.get(event.status, 0) > _PROGRESS.get(call.status, 0):
                call.status = event.status
                call.updated_at = now
        if note is not None:
            conversation, message = note
            try:
                await self.events.message_added(conversation, message, None)
            except Exception:
                log.exception("emitting a call note failed")  # stored; consoles reload it

    async def _final_note(
        self, session: AsyncSession, call: VoiceCall, now: datetime
    ) -> tuple[Conversation, Message] | None:
        key = f"voice:{call.call_sid}:ended"
        if call.conversation_id is None or await session.scalar(
            select(Message.id).where(Message.dedupe_key == key)
        ):
            return None
        conversation = await session.get(Conversation, call.conversation_id)
        if conversation is None:
            return None
        text, outcome = await self._outcome(session, call)
        message = await append_message(
            session,
            conversation,
            now,
            direction="internal",
            channel=CHANNEL,
            author_kind="system",
            author_name=None,
            text=text,
            data={
                "call": {
                    "id": call.id,
                    "outcome": outcome,
                    "status": call.status,
                    "duration_seconds": call.duration_seconds,
                    "staff_id": call.staff_id if outcome == "answered" else None,
                }
            },
            dedupe_key=key,
        )
        return conversation, message

    async def _outcome(self, session: AsyncSession, call: VoiceCall) -> tuple[str, str]:
        """The note's text and a word for the console: how the call went."""
        staff = await session.get(Staff, call.staff_id) if call.staff_id else None
        who = staff.name if staff is not None else "an ambassador"
        lasted = f", {spoken_duration(call.duration_seconds)}" if call.duration_seconds else ""
        if call.direction == BRIDGE:
            return _bridge_outcome(call, who, lasted)
        if call.dial_status in ANSWERED and call.staff_id is not None:
            return f"Call with {who}{lasted}", "answered"
        missed = "Missed call outside opening hours" if call.handling == CLOSED else "Missed call"
        callback = await session.scalar(
            select(Callback.id).where(Callback.client_key == f"call:{call.call_sid}")
        )
        if callback is not None:
            return f"{missed}: the caller asked to be called back", "callback"
        voicemail = await session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == call.conversation_id,
                Message.dedupe_key.startswith(f"voice:{call.call_sid}:recording:"),
            )
            .limit(1)
        )
        if voicemail is not None:
            return f"{missed}: the caller left a voicemail", "voicemail"
        return f"{missed}: the caller hung up before anyone answered", "missed"


def _bridge_outcome(call: VoiceCall, who: str, lasted: str) -> tuple[str, str]:
    """A call the hub placed: did the ambassador pick up, and then the client?"""
    if call.dial_status in ANSWERED:
        return f"Call with the client by {who}{lasted}", "answered"
    if call.dial_status == "busy":
        return f"Call by {who}: the client's line was busy", "client_busy"
    if call.dial_status is not None:
        return f"Call by {who}: the client did not answer", "client_no_answer"
    if call.status != "completed":
        return f"Call by {who}: their own phone did not answer", "ambassador_no_answer"
    return f"Call by {who}: ended before the client was called", "ended"


def spoken_duration(seconds: int) -> str:
    """192 → "3 min 12 s"; 3600 → "1 h"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes:
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)
