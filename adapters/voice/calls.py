"""Incoming phone calls: ring the ambassador routing chose, else a callback or a voicemail.

A call is a ``voice_calls`` row keyed by its ``CallSid`` and a customer message
("Incoming call") in the caller's voice conversation, stored together: a retried
``incoming`` webhook finds the message by its dedupe key and the row beside it, and is
answered from what the row says was decided. The caller's number is a verified phone
identity (the network proved it); a withheld number gets a bare profile of its own.

The conversation goes to routing like any other (``wait_for_routing``: the caller is on
the line). If routing offered it to an ambassador with a phone, or it was already
assigned to one, their phone rings; the ``<Dial>`` action then accepts the offer on their
behalf (answered) or declines it (anything else), so routing offers it to the next
person and the caller is offered a callback (press 1) or a voicemail. Out of hours, or
with nobody free, the caller gets that offer at once. Either way the conversation stays
in routing's queue, so a missed call lands in the console like any message.

Status callbacks are ``adapters.voice.call_status``'s.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.voice import twiml
from adapters.voice.twilio_events import (
    CallStatus,
    IncomingCall,
    call_status,
    gather_result,
    incoming_call,
)
from adapters.voice.voicemail import CHANNEL, INBOUND, Caller, incoming_call_of, same_call
from adapters.voice.webhook import (
    Signed,
    call_webhook,
    incoming_webhook,
    no_content,
    twiml_response,
    webhook_url,
)
from hub.callbacks import Callbacks, NewCallback
from hub.clock import Clock
from hub.db.engine import Database
from hub.db.models import Conversation, Message, Offer, Staff, new_id
from hub.db.voice_models import VoiceCall
from hub.errors import Conflict, InvalidInput, NotFound
from hub.inbox import Inbox
from hub.messages import Inbound
from hub.routing_config import store_info
from hub.settings import Settings
from routing.callback_policy import CallbackWindow
from routing.policy import store_is_open

log = logging.getLogger("adapters.voice")
RING = "ring"
VOICEMAIL = "voicemail"
CLOSED = "closed"  # out of hours: a callback or a voicemail, with the "closed" wording
ANSWERED = frozenset({"completed", "answered"})
# A call the hub placed (``adapters.voice.bridge``): the ambassador's phone first, then the
# client. Its ``<Dial>`` action and status callbacks come here too.
BRIDGE = "bridge"
MIN_RING_SECONDS = 5  # Twilio's shortest useful dial time-out (and twiml.ring's)
# The welcome the caller hears before the ambassador's phone starts ringing.
GREETING_SECONDS = 8


class Offers(Protocol):
    """The routing service, as far as a ringing phone concerns it."""

    async def accept(self, offer_id: str, ambassador_id: str) -> object: ...

    async def decline(self, offer_id: str, ambassador_id: str) -> object: ...


class VoiceCalls:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        inbox: Inbox,
        routing: Offers,
        callbacks: Callbacks,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.inbox = inbox
        self.routing = routing
        self.callbacks = callbacks

    # -- POST /voice/twilio/incoming ----------------------------------------------------

    async def incoming(self, request: web.Request) -> web.Response:
        signed = await incoming_webhook(request, self.db, self.settings.public_url)
        event = incoming_call(signed.params)
        call = await self._call_row(signed, event)
        if call.handling is None:
            call = await self._decide(signed, call)
        return twiml_response(await self._answer(signed, call))

    async def _call_row(self, signed: Signed, event: IncomingCall) -> VoiceCall:
        """The call's row, stored with its "Incoming call" message the first time."""
        found = await self._by_sid(event.call_sid)
        if found is not None:
            if found.account_id != signed.account.id or found.direction != INBOUND:
                raise InvalidInput("CallSid", "CallSid belongs to another number's call")
            return found
        now = self.clock()
        call_id = new_id()
        caller = Caller.of(event.call_sid, event.from_number)

        async def store_row(session: AsyncSession, conversation: Conversation, _: Message) -> None:
            session.add(
                VoiceCall(
                    id=call_id,
                    call_sid=event.call_sid,
                    account_id=signed.account.id,
                    conversation_id=conversation.id,
                    direction=INBOUND,
                    from_number=event.from_number,
                    to_number=signed.account.number,
                    status="ringing",
                    created_at=now,
                    updated_at=now,
                )
            )
            await session.flush()

        inbound = Inbound(
            channel=CHANNEL,
            contact=caller.contact,
            identity_kind=caller.identity_kind,
            identity_value=caller.identity_value,
            verified=True,
            dedupe_key=f"voice:{event.call_sid}:incoming",
            text="Incoming call",
            received_at=now,
            store_code=signed.store.code,
            display_name=event.caller_name,
            data={
                "call": {
                    "id": call_id,
                    "sid": event.call_sid,
                    "direction": "inbound",
                    "from": event.from_number,
                    "to": signed.account.number,
                }
            },
        )
        await self.inbox.receive(inbound, also=store_row, wait_for_routing=True)
        found = await self._by_sid(event.call_sid)
        if found is None:  # pragma: no cover - the row commits with its message
            raise Conflict("the call is being stored", code="call_pending")
        return found

    async def _decide(self, signed: Signed, call: VoiceCall) -> VoiceCall:
        """Ring someone or not, once per call: a concurrent retry reads the first decision."""
        now = self.clock()
        async with self.db.transaction() as session:
            current = await session.get(VoiceCall, call.id, with_for_update=True)
            assert current is not None
            if current.handling is not None:
                return current
            handling, staff_id, offer_id = await self._choose(session, signed, current, now)
            current.handling = handling
            current.staff_id = staff_id
            current.offer_id = offer_id
            current.updated_at = now
        log.info(
            "incoming call",
            extra={"fields": {"call_id": current.id, "handling": handling, "staff_id": staff_id}},
        )
        return current

    async def _choose(
        self, session: AsyncSession, signed: Signed, call: VoiceCall, now: datetime
    ) -> tuple[str, str | None, str | None]:
        if not store_is_open(store_info(signed.store), now):
            return CLOSED, None, None
        conversation = (
            await session.get(Conversation, call.conversation_id) if call.conversation_id else None
        )
        if conversation is None:
            return VOICEMAIL, None, None
        staff = conversation.assigned_staff
        if conversation.status == "assigned" and staff is not None and staff.phone:
            return RING, staff.id, None  # the caller's own conversation, already someone's
        if conversation.status == "offered":
            offer = await session.scalar(
                select(Offer)
                .where(Offer.conversation_id == conversation.id, Offer.status == "pending")
                .order_by(Offer.created_at.desc())
                .limit(1)
            )
            if offer is not None and self._ring_seconds(offer, now) >= MIN_RING_SECONDS:
                offered = await session.get(Staff, offer.staff_id)
                if offered is not None and offered.phone:
                    return RING, offered.id, offer.id
        return VOICEMAIL, None, None

    async def _answer(self, signed: Signed, call: VoiceCall) -> str:
        """The TwiML for what was decided: ring the ambassador, or callback and voicemail."""
        if call.handling == RING and call.staff_id is not None:
            now = self.clock()
            async with self.db.reading() as session:
                staff = await session.get(Staff, call.staff_id)
                offer = await session.get(Offer, call.offer_id) if call.offer_id else None
            seconds = self._ring_seconds(offer, now)
            if staff is not None and staff.phone and seconds >= MIN_RING_SECONDS:
                return twiml.ring(
                    [staff.phone],
                    seconds,
                    self._url("dial", call),
                    signed.account.number,
                    store_name=signed.store.name,
                    language=signed.language,
                    answered_url=self._url("answered", call),
                )
        return self._voicemail(signed, call, "closed" if call.handling == CLOSED else "unanswered")

    def _ring_seconds(self, offer: Offer | None, now: datetime) -> int:
        """``voice_ring_seconds``, but no longer than the offer lives (after the greeting),
        so that answering the phone can still take the offer."""
        seconds = self.settings.voice_ring_seconds
        if offer is None:
            return seconds
        left = (offer.expires_at - now).total_seconds() - GREETING_SECONDS
        return min(seconds, int(left))

    def _voicemail(
        self,
        signed: Signed,
        call: VoiceCall,
        reason: twiml.Reason | None,
        *,
        offer_callback: bool | None = None,
        ask_for_number: bool = True,
    ) -> str:
        """Press 1 for a callback (a known number only), else a transcribed voicemail."""
        return twiml.offer_callback_or_voicemail(
            signed.store.name,
            self._url("gather", call),
            self._url("recording", call),
            self._url("transcription", call),
            signed.language,
            reason=reason,
            offer_callback=(
                call.from_number is not None if offer_callback is None else offer_callback
            ),
            ask_for_number=ask_for_number,
        )

    def _url(self, action: str, call: VoiceCall) -> str:
        return webhook_url(self.settings.public_url, action, call.id)

    # -- POST /voice/twilio/dial?call= ---------------------------------------------------

    async def dial(self, request: web.Request) -> web.Response:
        """The ``<Dial>`` action: the ambassador answered (the call is theirs) or not.

        For a bridge the hub placed, it is the client who answered or not: recorded for
        the note, and the ambassador's line is hung up."""
        signed = await call_webhook(request, self.db, self.settings.public_url)
        event = call_status(signed.params)
        assert signed.call is not None
        same_call(signed.call, event.call_sid)
        if event.dial_call_status is None:
            raise InvalidInput(
                "DialCallStatus", "DialCallStatus is missing or malformed", code="invalid_field"
            )
        call = await self._record_dial(signed.call.id, event)
        if call.direction != INBOUND:
            return twiml_response(twiml.hang_up())  # a bridge: the ambassador is done
        answered = call.dial_status in ANSWERED
        if call.offer_id is not None and call.staff_id is not None:
            await self._settle_offer(call.offer_id, call.staff_id, answered=answered)
        if answered:
            return twiml_response(twiml.hang_up())
        return twiml_response(self._voicemail(signed, call, "unanswered"))

    async def _record_dial(self, call_id: str, event: CallStatus) -> VoiceCall:
        """The dial's outcome, once: a retried action is answered from the first one."""
        async with self.db.transaction() as session:
            call = await session.get(VoiceCall, call_id, with_for_update=True)
            assert call is not None
            if call.dial_status is None:
                call.dial_status = event.dial_call_status
                call.updated_at = self.clock()
            return call

    async def answered(self, request: web.Request) -> web.Response:
        """The ambassador's phone was answered (``<Number statusCallbackEvent="answered">``):
        the offer is theirs now, while they talk, not when the ``<Dial>`` ends minutes later
        (by when the offer would have expired and gone to a colleague)."""
        signed = await call_webhook(request, self.db, self.settings.public_url)
        event = call_status(signed.params)  # the ambassador's leg: its own CallSid
        call = signed.call
        assert call is not None
        if call.direction != INBOUND or call.call_sid is None:
            raise NotFound("no such call", code="unknown_call")
        if signed.params.get("ParentCallSid") != call.call_sid:
            raise InvalidInput(
                "ParentCallSid",
                "ParentCallSid is not the call this URL is for",
                code="invalid_field",
            )
        if event.status == "in-progress" and call.offer_id and call.staff_id:
            await self._settle_offer(call.offer_id, call.staff_id, answered=True)
        return no_content()

    async def _settle_offer(self, offer_id: str, staff_id: str, *, answered: bool) -> None:
        """Accept on the ambassador's behalf (the console hears ``assigned``), or decline so
        routing offers the conversation to the next person; nothing once it is settled."""
        async with self.db.reading() as session:
            offer = await session.get(Offer, offer_id)
        if offer is None or offer.status != "pending":
            return  # accepted when the phone was answered, or in the console, or expired
        try:
            if answered:
                await self.routing.accept(offer_id, staff_id)
            else:
                await self.routing.decline(offer_id, staff_id)
        except (Conflict, NotFound) as moved:
            # Expired, revoked or taken in the console meanwhile: routing has moved on.
            log.warning(
                "voice offer no longer open",
                extra={"fields": {"offer_id": offer_id, "answered": answered, "code": moved.code}},
            )

    # -- POST /voice/twilio/gather?call= -------------------------------------------------

    async def gather(self, request: web.Request) -> web.Response:
        """1 asks for a callback to the caller's number; any other key goes to voicemail."""
        signed = await call_webhook(request, self.db, self.settings.public_url)
        event = gather_result(signed.params)
        call = incoming_call_of(signed, event.call_sid)
        if event.wants_callback and call.from_number is not None:
            requested = await self.callbacks.request(
                NewCallback(
                    phone=call.from_number,
                    store_code=signed.store.code,
                    window=CallbackWindow(),
                    source="phone",
                    phone_verified=True,
                    conversation_id=call.conversation_id,
                    client_key=f"call:{call.call_sid}",
                )
            )
            async with self.db.transaction() as session:
                await session.execute(
                    update(VoiceCall)
                    .where(VoiceCall.id == call.id, VoiceCall.callback_id.is_(None))
                    .values(callback_id=requested.callback.id, updated_at=self.clock())
                )
            return twiml_response(twiml.callback_confirmed(signed.store.name, signed.language))
        return twiml_response(
            self._voicemail(
                signed,
                call,
                None,
                offer_callback=False,
                ask_for_number=call.from_number is None,
            )
        )

    async def _by_sid(self, call_sid: str) -> VoiceCall | None:
        async with self.db.reading() as session:
            return await session.scalar(select(VoiceCall).where(VoiceCall.call_sid == call_sid))
