"""The shoppers' socket namespace (``/shopper``).

A signed visitor token identifies the shopper; everything else in a payload is a claim
to check. Messages are stored before the ack, keyed by ``client_id``, so a widget can
resend after any reconnect without creating duplicates.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from sqlalchemy import select

from hub import validation
from hub.attachment_uploads import Uploader, attachment_ids, claim, message_entries
from hub.clock import Clock
from hub.contact_details import ContactDetails, parse_contact
from hub.conversation_notes import is_staff_note
from hub.conversations import latest_for_contact, messages_after
from hub.db.engine import Database
from hub.db.models import Store
from hub.errors import InvalidInput, NotFound, Unauthorized
from hub.feedback_answers import Answers
from hub.inbox import Inbox, Stored, message_text
from hub.messages import Inbound, iso, message_payload
from hub.realtime.acks import TrackedNamespace, acked, payload_dict
from hub.realtime.names import SHOPPER, visitor_room
from hub.realtime.publisher import Publisher
from hub.security.ratelimit import Limiter
from hub.security.tokens import VisitorTokens

CHANNEL = "webchat"
HISTORY_LIMIT = 1000
log = logging.getLogger("adapters.webchat")


def _optional(value: Any, check: Any, field: str) -> str | None:
    return None if value in (None, "") else check(value, field)


class ShopperNamespace(TrackedNamespace):
    def __init__(
        self,
        *,
        db: Database,
        inbox: Inbox,
        publisher: Publisher,
        tokens: VisitorTokens,
        limiter: Limiter,
        clock: Clock,
        policy_version: str = "2026-01",
        feedback: Answers | None = None,
    ) -> None:
        super().__init__(SHOPPER)
        self.feedback = feedback
        self.db = db
        self.inbox = inbox
        self.publisher = publisher
        self.tokens = tokens
        self.limiter = limiter
        self.clock = clock
        self.policy_version = policy_version

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        body = payload_dict(auth)
        try:
            visitor_id = self.tokens.verify(body.get("visitor_token"))
            store = _optional(body.get("store"), validation.store_code, "store")
            language = _optional(body.get("language"), validation.language, "language")
        except Unauthorized:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized") from None
        except InvalidInput as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.message) from None
        # The browser's languages, for a page that names none (the handshake's header).
        accept = str(environ.get("HTTP_ACCEPT_LANGUAGE") or "")[:200] or None
        await self.save_session(
            sid,
            {"visitor_id": visitor_id, "store": store, "language": language, "accept": accept},
        )
        await self.enter_room(sid, visitor_room(visitor_id))

    async def _visitor(self, sid: str) -> dict[str, Any]:
        session = await self.get_session(sid)
        if "visitor_id" not in session:
            raise Unauthorized("not connected")
        return session

    async def _country(self, store_code: str | None) -> str | None:
        """The store's country: the region a national phone number is read in."""
        if store_code is None:
            return None
        async with self.db.reading() as session:
            country: str | None = await session.scalar(
                select(Store.country).where(Store.code == store_code)
            )
        return country

    @acked
    async def on_message(self, sid: str, data: Any = None) -> dict[str, Any]:
        visitor = await self._visitor(sid)
        body = payload_dict(data)
        client_id = validation.client_id(body.get("client_id"))
        files = attachment_ids(body.get("attachments"))
        uploader = Uploader("visitor", visitor["visitor_id"])
        self.limiter.hit(f"visitor:{visitor['visitor_id']}")
        entries: list[dict[str, Any]] = []
        if files:
            async with self.db.reading() as session:
                entries = await message_entries(session, files, uploader)
        text = message_text(body.get("text"), {"attachments": entries})
        now = self.clock()
        contact = ContactDetails()
        if body.get("contact") is not None:
            contact = parse_contact(
                body["contact"],
                country=await self._country(visitor["store"]),
                now=now,
                policy_version=self.policy_version,
            )
        stored = await self.inbox.receive(
            Inbound(
                channel=CHANNEL,
                contact=visitor["visitor_id"],
                identity_kind="visitor",
                identity_value=visitor["visitor_id"],
                dedupe_key=f"{CHANNEL}:{visitor['visitor_id']}:{client_id}",
                text=text,
                received_at=now,
                store_code=visitor["store"],
                language=visitor["language"],
                accept_language=visitor.get("accept"),
                display_name=contact.name,
                claimed=contact.claims,
                consents=contact.consents,
                data={"attachments": entries} if entries else None,
            ),
            origin=sid,
            also=(lambda s, c, m: claim(s, files, uploader, c, m)) if files else None,
        )
        if stored.duplicate:
            await self._resent(stored, sid)
        message = stored.message
        return {
            "id": message.id,
            "conversation_id": message.conversation_id,
            "seq": message.seq,
            "created_at": iso(message.created_at),
        }

    async def _resent(self, stored: Stored, sid: str) -> None:
        """The widget sends a message again when it got no ack: the process that stored it
        may have died between its commit and telling anyone (a SIGKILL, a crash), so the
        ambassador may never have seen it and routing may never have heard of a new
        conversation. Tell them again; every client keeps one copy per message id, and a
        waiting conversation handed to routing twice still waits once."""
        try:
            await self.publisher.message_added(stored.conversation, stored.message, sid)
        except Exception:  # stored all the same: consoles recover it by seq
            log.exception("re-emitting a resent message failed")
        if stored.conversation.status == "queued":
            self.inbox.tasks.spawn(
                self.inbox.enqueue(stored.conversation.id), name="routing:enqueue"
            )

    @acked
    async def on_feedback(self, sid: str, data: Any = None) -> dict[str, Any]:
        """``{feedback_id, score, comment?}``: the answer to a rating question asked in this
        visitor's chat; the first answer is kept (``already_answered`` after it)."""
        visitor = await self._visitor(sid)
        if self.feedback is None:
            raise NotFound("feedback is not collected here")
        body = payload_dict(data)
        self.limiter.hit(f"feedback:{visitor['visitor_id']}")
        await self.feedback.from_visitor(
            visitor["visitor_id"], body.get("feedback_id"), body.get("score"), body.get("comment")
        )
        return {"ok": True}

    @acked
    async def on_typing(self, sid: str, data: Any = None) -> dict[str, Any]:
        visitor = await self._visitor(sid)
        async with self.db.reading() as session:
            conversation = await latest_for_contact(session, CHANNEL, visitor["visitor_id"])
        if conversation is not None and conversation.status == "assigned":
            author = {"kind": "customer", "name": None}
            await self.publisher.typing(
                conversation, author, bool(payload_dict(data).get("typing")), sid
            )
        return {"ok": True}

    @acked
    async def on_history(self, sid: str, data: Any = None) -> dict[str, Any]:
        visitor = await self._visitor(sid)
        after = payload_dict(data).get("after_seq", 0)
        if after is None:
            after = 0
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise InvalidInput("after_seq", "after_seq must be a whole number ≥ 0")
        async with self.db.reading() as session:
            conversation = await latest_for_contact(session, CHANNEL, visitor["visitor_id"])
            if conversation is None:
                return {"conversation_id": None, "messages": [], "status": None, "ambassador": None}
            messages = await messages_after(session, conversation.id, after, HISTORY_LIMIT)
        staff = conversation.assigned_staff
        return {
            "conversation_id": conversation.id,
            # Colleagues' notes stay in the console (their seq numbers are gaps here).
            "messages": [message_payload(m) for m in messages if not is_staff_note(m)],
            "status": conversation.status,
            "ambassador": {"name": staff.name} if staff is not None else None,
            "has_more": len(messages) == HISTORY_LIMIT,
        }
