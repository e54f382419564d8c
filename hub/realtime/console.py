"""The ambassadors' socket namespace: presence, offers, replies, typing, close.

Every event re-checks the caller against the conversation's store and assignment; the
principal comes from the login session, never from the payload.
"""

from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie
from typing import Any

import socketio

from hub import attention, customers, validation
from hub.attachment_uploads import Uploader, attachment_ids, claim, message_entries
from hub.clock import Clock
from hub.conversation_notes import add_note
from hub.conversations import visible_conversation
from hub.customers import visible_customer
from hub.db.engine import Database
from hub.errors import InvalidInput, Unauthorized
from hub.handover import Handover
from hub.inbox import Inbox
from hub.messages import conversation_payload, iso, message_payload
from hub.realtime.acks import TrackedNamespace, acked, payload_dict
from hub.realtime.conversation_updates import conversation_read
from hub.realtime.names import CONSOLE, SESSION_COOKIE, customer_room, staff_room
from hub.realtime.publisher import Publisher
from hub.security.tokens import token_digest
from hub.staff import Principal, principal_for_token, session_alive
from routing.model import AmbassadorProfile, Presence
from routing.service import RoutingService

log = logging.getLogger("hub.console")


def session_token_from(environ: dict[str, Any], auth: Any) -> str | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return str(auth["token"])
    try:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None


def profile_of(principal: Principal) -> AmbassadorProfile:
    return AmbassadorProfile(
        id=principal.id,
        name=principal.name,
        store_ids=principal.store_ids,
        languages=principal.languages,
        capacity=float(principal.capacity),
        skills=principal.skills,
    )


class ConsoleNamespace(TrackedNamespace):
    def __init__(
        self,
        *,
        db: Database,
        inbox: Inbox,
        routing: RoutingService,
        publisher: Publisher,
        handover: Handover,
        clock: Clock,
        own_origin: str,
    ) -> None:
        super().__init__(CONSOLE)
        self.handover = handover
        self.db = db
        self.inbox = inbox
        self.routing = routing
        self.publisher = publisher
        self.clock = clock
        self.own_origin = own_origin

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin.lower() != self.own_origin:
            raise socketio.exceptions.ConnectionRefusedError("origin not allowed")
        token = session_token_from(environ, auth)
        if not token:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        try:
            async with self.db.reading() as session:
                principal = await principal_for_token(session, token, now=self.clock())
        except Unauthorized:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized") from None
        digest = token_digest(token)
        await self.save_session(sid, {"principal": principal, "token_hash": digest})
        await self.enter_room(sid, staff_room(principal.id))
        await self.routing.connected(profile_of(principal), sid)
        # Deactivated while connecting: the hang-up (hub.realtime.staff_consoles) may have
        # looked for this socket before routing knew it. Now that it does, look again.
        if not await self._still_signed_in(digest):
            await self.routing.disconnected(principal.id, sid)
            await self.leave_room(sid, staff_room(principal.id))
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        log.info("ambassador connected", extra={"fields": {"staff_id": principal.id}})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        principal = await self._principal(sid, live=False)
        await self.routing.disconnected(principal.id, sid)

    async def _principal(self, sid: str, *, live: bool = True) -> Principal:
        """The socket's signed-in staff member; ``live``: their session must still stand
        (not signed out, expired or deactivated), else the socket is hung up."""
        session = await self.get_session(sid)
        principal = session.get("principal")
        if not isinstance(principal, Principal):
            raise Unauthorized("not signed in")
        if live and not await self._still_signed_in(session.get("token_hash")):
            # After this event's ack (which says why), not before it: the ack goes first.
            self.server.start_background_task(self.disconnect, sid)
            raise Unauthorized("your session has ended: sign in again", code="session_ended")
        return principal

    async def _still_signed_in(self, token_hash: object) -> bool:
        if not isinstance(token_hash, str):
            return False
        async with self.db.reading() as session:
            return await session_alive(session, token_hash, now=self.clock())

    @acked
    async def on_presence(self, sid: str, data: Any = None) -> dict[str, Any]:
        principal = await self._principal(sid)
        status = payload_dict(data).get("status")
        if status not in (Presence.AVAILABLE.value, Presence.AWAY.value):
            raise InvalidInput("status", "status must be 'available' or 'away'")
        result = await self.routing.set_presence(principal.id, Presence(status))
        return {"status": result.value}

    @acked
    async def on_accept(self, sid: str, data: Any = None) -> dict[str, Any]:
        principal = await self._principal(sid)
        offer_id = _string(payload_dict(data), "offer_id")
        offer = await self.routing.accept(offer_id, principal.id)
        async with self.db.reading() as session:
            conversation = await visible_conversation(session, principal, offer.conversation_id)
            return {"conversation": conversation_payload(conversation)}

    @acked
    async def on_decline(self, sid: str, data: Any = None) -> dict[str, Any]:
        principal = await self._principal(sid)
        await self.routing.decline(_string(payload_dict(data), "offer_id"), principal.id)
        return {"ok": True}

    @acked
    async def on_reply(self, sid: str, data: Any = None) -> dict[str, Any]:
        principal = await self._principal(sid)
        body = payload_dict(data)
        files = attachment_ids(body.get("attachments"))
        entries: list[dict[str, Any]] = []
        uploader = Uploader("staff", principal.id, _conversation_id(body))
        if files:
            async with self.db.reading() as session:
                entries = await message_entries(session, files, uploader)
        stored = await self.inbox.reply(
            principal,
            body.get("conversation_id"),
            body.get("client_id"),
            body.get("text"),
            origin=sid,
            data={"attachments": entries} if entries else None,
            also=(lambda s, c, m: claim(s, files, uploader, c, m)) if files else None,
        )
        message = stored.message
        ack = {"id": message.id, "seq": message.seq, "created_at": iso(message.created_at)}
        if "delivery" in (payload := message_payload(message)):
            ack["delivery"] = payload["delivery"]
        return ack

    @acked
    async def on_typing(self, sid: str, data: Any = None) -> dict[str, Any]:
        principal = await self._principal(sid)
        body = payload_dict(data)
        async with self.db.reading() as session:
            conversation = await visible_conversation(
                session, principal, body.get("conversation_id")
            )
        if conversation.assigned_staff_id == principal.id and conversation.status == "assigned":
            author = {"kind": "ambassador", "name": principal.name}
            await self.publisher.typing(conversation, author, bool(body.get("typing")), sid)
        return {"ok": True}

    @acked
    async def on_transfer(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{conversation_id, to: {ambassador_id} | {store}, note?}``."""
        principal = await self._principal(sid)
        body = payload_dict(data)
        target = payload_dict(body.get("to"))
        conversation = await self.handover.transfer(
            principal,
            body.get("conversation_id"),
            to_ambassador=target.get("ambassador_id"),
            to_store=target.get("store"),
            note=body.get("note"),
        )
        return {"conversation": conversation_payload(conversation)}

    @acked
    async def on_assign(self, sid: str, data: Any = None) -> dict[str, Any]:
        """A manager's ``{conversation_id, ambassador_id}``: assign a waiting conversation."""
        principal = await self._principal(sid)
        body = payload_dict(data)
        conversation = await self.handover.assign(
            principal, body.get("conversation_id"), body.get("ambassador_id")
        )
        return {"conversation": conversation_payload(conversation)}

    @acked
    async def on_watch_customer(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Follow one customer's profile: ``customer_updated`` arrives when anyone changes it."""
        principal = await self._principal(sid)
        async with self.db.reading() as session:
            customer = await visible_customer(
                session, principal, payload_dict(data).get("customer_id")
            )
        session_data = await self.get_session(sid)
        previous = session_data.get("watching")
        if previous and previous != customer.id:
            await self.leave_room(sid, customer_room(previous))
        await self.enter_room(sid, customer_room(customer.id))
        session_data["watching"] = customer.id
        await self.save_session(sid, session_data)
        return {"customer_id": customer.id}

    @acked
    async def on_note(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{conversation_id, text, about?}``: a note on the conversation's customer, or
        with ``about: "conversation"`` (and an optional ``client_id``) a note in the
        conversation's timeline for colleagues (hub.conversation_notes)."""
        principal = await self._principal(sid)
        body = payload_dict(data)
        about = body.get("about", "customer")
        if about not in ("customer", "conversation"):
            raise InvalidInput("about", "about must be 'customer' or 'conversation'")
        if about == "conversation":
            return await self._conversation_note(sid, principal, body)
        text = validation.text(body.get("text"), "text", max_length=4000)
        async with self.db.transaction() as session:
            conversation = await visible_conversation(
                session, principal, body.get("conversation_id")
            )
            note = await customers.add_note(
                session, principal, conversation.customer_id, text, self.clock()
            )
            payload = customers.note_payload(note, principal.name)
        await self.publisher.customer_updated(note.customer_id)
        return {"note": payload}

    async def _conversation_note(
        self, sid: str, principal: Principal, body: dict[str, Any]
    ) -> dict[str, Any]:
        noted = await add_note(
            self.db,
            self.clock,
            principal,
            body.get("conversation_id"),
            body.get("text"),
            body.get("client_id"),
        )
        payload = message_payload(noted.message)
        if not noted.duplicate:
            # Like a reply: the assigned ambassador's consoles (never the shopper: the
            # publisher leaves notes out), and the writer's other tabs when not theirs.
            await self.publisher.message_added(noted.conversation, noted.message, sid)
            if noted.conversation.assigned_staff_id != principal.id:
                await self.publisher.to_staff(principal.id, "message", payload, sid)
        return {"message": payload}

    @acked
    async def on_close(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{conversation_id, outcome?, note?}``: the outcome is one of
        hub.conversation_labels.OUTCOMES, for staff only."""
        principal = await self._principal(sid)
        body = payload_dict(data)
        conversation = await self.inbox.close(
            principal,
            body.get("conversation_id"),
            outcome=body.get("outcome"),
            note=body.get("note"),
        )
        return {"conversation": conversation_payload(conversation)}

    @acked
    async def on_read(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{conversation_id, seq}``: the console showed the conversation up to ``seq``;
        the caller's marker moves there (never back) and their other tabs hear of it."""
        principal = await self._principal(sid)
        body = payload_dict(data)
        async with self.db.transaction() as session:
            mark = await attention.mark_read(
                session, principal, body.get("conversation_id"), body.get("seq"), self.clock()
            )
        await conversation_read(self.publisher, principal.id, mark.payload(), sid)
        return mark.payload()


def _conversation_id(body: dict[str, Any]) -> str:
    """The payload's conversation id as a claim to check (the inbox checks it)."""
    value = body.get("conversation_id")
    return value if isinstance(value, str) else ""


def _string(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value or len(value) > 100:
        raise InvalidInput(field, f"{field} is required")
    return value
