"""Call via provider: ring the ambassador's phone, then bridge them to the client.

1. The console asks (``POST /api/conversations/{id}/call``). The caller must handle the
   conversation, a ``voice`` one, have a phone of their own (``staff.phone``) and the
   store a number at the provider. A ``voice_calls`` row (direction ``bridge``, status
   ``queued``) is committed first, then the provider is asked to ring the ambassador
   from the store's number; the answer's CallSid goes on the row. A refusal marks the row
   failed and answers ``502 voice_provider_error`` with the provider's words. The network
   call happens outside any transaction.
2. The ambassador answers: the provider fetches ``/voice/twilio/bridge?call=<row id>``
   (signed with the account's auth token over the public URL). The answer is TwiML that
   names the client and dials their number with the store's number as caller ID; the dial
   outcome goes to ``/voice/twilio/dial?call=<row id>`` and the call's progress to
   ``/voice/twilio/status`` (both handled by the inbound side, by row id or CallSid).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.voice import twiml
from adapters.voice.provider import ProviderError, VoiceProvider
from adapters.voice.sms import is_e164, store_account
from adapters.voice.webhook import webhook_url
from hub import audit
from hub.clock import Clock
from hub.conversations import visible_conversation
from hub.db.channel_models import VoiceAccount
from hub.db.engine import Database
from hub.db.models import Conversation, Staff
from hub.db.voice_models import CALLBACK_OPEN, Callback, VoiceCall
from hub.errors import Conflict, HubError, NotFound
from hub.inbox import check_handler
from hub.settings import Settings
from hub.staff import Principal

log = logging.getLogger("adapters.voice")
CHANNEL = "voice"
DIRECTION = "bridge"
BRIDGE_PATH = "/voice/twilio/bridge"
# A second click while the first call is still ringing the ambassador places no second one.
RINGING = ("queued", "initiated", "ringing")
DOUBLE_CLICK = timedelta(minutes=1)
_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")


class VoiceProviderFailed(HubError):
    """The provider would not place the call: 502 with its explanation."""

    status = 502
    code = "voice_provider_error"


@dataclass(frozen=True)
class Target:
    call: VoiceCall
    account: VoiceAccount


@dataclass(frozen=True)
class PlacedCall:
    id: str
    status: str
    to: str

    def payload(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "to": self.to}


class Bridges:
    def __init__(self, *, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    # -- the console's request ---------------------------------------------------------

    async def call(self, principal: Principal, conversation_id: object) -> PlacedCall:
        now = self.clock()
        async with self.db.transaction() as session:
            conversation = await visible_conversation(session, principal, conversation_id)
            check_handler(principal, conversation)
            call, account = await self._new_call(session, principal, conversation, now)
        public = self.settings.public_url
        try:
            async with VoiceProvider(self.settings.voice_api_base) as provider:
                created = await provider.create_call(
                    account,
                    to=call.to_number,
                    from_=account.number,
                    url=webhook_url(public, "bridge", call.id),
                    status_callback=webhook_url(public, "status"),
                )
        except ProviderError as error:
            await self._failed(principal, call.id, error)
            raise VoiceProviderFailed(_refusal(error)) from None
        status = await self._placed(call.id, created.sid)
        log.info(
            "bridge call placed",
            extra={"fields": {"voice_call_id": call.id, "conversation_id": conversation.id}},
        )
        return PlacedCall(id=call.id, status=status, to=call.to_number)

    async def _new_call(
        self,
        session: AsyncSession,
        principal: Principal,
        conversation: Conversation,
        now: datetime,
    ) -> tuple[VoiceCall, VoiceAccount]:
        if conversation.channel != CHANNEL:
            raise Conflict("only a call or a callback can be placed by phone", code="not_a_call")
        if conversation.status == "closed":
            raise Conflict("the conversation is closed", code="conversation_closed")
        if not is_e164(conversation.contact):
            raise Conflict(
                "the client's number is unknown (a withheld caller ID), so there is no one to call",
                code="no_client_number",
            )
        staff = await session.get(Staff, principal.id)
        if staff is None or not staff.phone:
            raise Conflict(
                "you have no phone number for calls yet: ask a manager to add yours",
                code="no_phone",
            )
        account = await store_account(session, conversation.store_id)
        if account is None:
            raise Conflict(
                "this boutique has no number at the voice provider to call from",
                code="no_voice_number",
            )
        ringing = await session.scalar(
            select(VoiceCall.id)
            .where(
                VoiceCall.conversation_id == conversation.id,
                VoiceCall.direction == DIRECTION,
                VoiceCall.staff_id == principal.id,
                VoiceCall.status.in_(RINGING),
                VoiceCall.created_at > now - DOUBLE_CLICK,
            )
            .limit(1)
        )
        if ringing is not None:
            raise Conflict(
                "your phone is already being called for this client", code="call_in_progress"
            )
        callback_id = await session.scalar(
            select(Callback.id)
            .where(Callback.conversation_id == conversation.id, Callback.status.in_(CALLBACK_OPEN))
            .order_by(Callback.created_at.desc())
            .limit(1)
        )
        call = VoiceCall(
            account_id=account.id,
            conversation_id=conversation.id,
            callback_id=callback_id,
            direction=DIRECTION,
            from_number=account.number,
            to_number=staff.phone,
            status="queued",
            staff_id=principal.id,
            created_at=now,
            updated_at=now,
        )
        session.add(call)
        await session.flush()
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=principal.id,
            action="voice_call.bridge_requested",
            subject_type="conversation",
            subject_id=conversation.id,
            voice_call_id=call.id,
            callback_id=callback_id,
        )
        return call, account

    async def _placed(self, call_id: str, sid: str) -> str:
        """The CallSid on the row; its status is the status webhook's to move on."""
        async with self.db.transaction() as session:
            call = await session.get(VoiceCall, call_id, with_for_update=True)
            assert call is not None
            if call.call_sid is None:
                call.call_sid = sid
            call.updated_at = self.clock()
            return call.status

    async def _failed(self, principal: Principal, call_id: str, error: ProviderError) -> None:
        now = self.clock()
        async with self.db.transaction() as session:
            call = await session.get(VoiceCall, call_id, with_for_update=True)
            assert call is not None
            call.status = "failed"
            call.updated_at = now
            call.ended_at = now
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=principal.id,
                action="voice_call.bridge_failed",
                subject_type="conversation",
                subject_id=call.conversation_id,
                voice_call_id=call.id,
                provider_code=error.code,
                provider_status=error.status,
                error=error.message,
            )
        log.warning(
            "bridge call refused by the provider",
            extra={
                "fields": {"voice_call_id": call_id, "code": error.code, "error": error.message}
            },
        )

    # -- the provider's webhook once the ambassador answered ----------------------------

    async def target(self, call_id: str | None) -> Target:
        """The bridge call a webhook names, with the account its signature must match."""
        async with self.db.reading() as session:
            call = await session.get(VoiceCall, call_id) if call_id else None
            if call is None or call.direction != DIRECTION:
                raise NotFound("no such call")
            account = await session.get(VoiceAccount, call.account_id)
        if account is None:
            raise NotFound("no such call")
        return Target(call, account)

    async def answer(self, target: Target, call_sid: str | None) -> str:
        """The TwiML once the ambassador picked up (the request is proven by then)."""
        call, account = target.call, target.account
        async with self.db.reading() as session:
            conversation = (
                await session.get(Conversation, call.conversation_id)
                if call.conversation_id
                else None
            )
            name = await self._client_name(session, call, conversation)
        await self._remember_sid(call, call_sid)
        if conversation is None or not is_e164(conversation.contact):
            return twiml.hang_up()  # nobody to dial: the conversation was erased meanwhile
        languages = conversation.store.languages or ["en"]
        return twiml.bridge(
            conversation.contact,
            account.number,
            webhook_url(self.settings.public_url, "dial", call.id),
            name=name,
            language=languages[0],
        )

    async def _client_name(
        self, session: AsyncSession, call: VoiceCall, conversation: Conversation | None
    ) -> str | None:
        if call.callback_id is not None:
            callback = await session.get(Callback, call.callback_id)
            if callback is not None and callback.name:
                return callback.name
        return conversation.customer.name if conversation is not None else None

    async def _remember_sid(self, call: VoiceCall, sid: str | None) -> None:
        """The CallSid, should the webhook come before the create answer was stored."""
        if call.call_sid is not None or sid is None or not _CALL_SID.fullmatch(sid):
            return
        async with self.db.transaction() as session:
            fresh = await session.get(VoiceCall, call.id, with_for_update=True)
            if fresh is not None and fresh.call_sid is None:
                fresh.call_sid = sid
                fresh.updated_at = self.clock()


def _refusal(error: ProviderError) -> str:
    if error.code is not None:
        return f"The voice provider refused the call: {error.describe()}"
    return f"The voice provider could not place the call: {error.message}"
