"""An ambassador proposes appointment times from a conversation.

The proposal is a message like any reply, so every channel gets it as text (with a link
to the booking page); its ``data`` lets the web widget show each time as a button that
books in one click. Times are checked free when proposed; booking still goes through the
booking service, so a time taken meanwhile gets the usual ``409``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from hub.bookings import BookingService, SlotTaken
from hub.conversations import visible_conversation
from hub.db.engine import Database
from hub.db.models import Store
from hub.errors import InvalidInput
from hub.i18n import Texts
from hub.inbox import Inbox, Stored, check_handler
from hub.security.tokens import ConversationProofs
from hub.shopper_texts import conversation_texts, place, type_name, when
from hub.staff import Principal

MAX_SLOTS = 3
# Long enough to book from a proposal a client reads a week later.
PROOF_VALID = timedelta(days=14)


def proposal_text(
    t: Texts, appointment_type: str, store: Store, starts: list[datetime], book_url: str
) -> str:
    """The proposal as every channel shows it: the times on the store's clock, in the
    shopper's language, and the booking page for another time."""
    lines = [
        t.gettext(
            "{type}: I can see you at these times ({place} time):",
            type=type_name(t, appointment_type),
            place=place(t, store.timezone),
        )
    ]
    lines += [f"• {when(t, start, store.timezone)}" for start in starts]
    lines.append(t.gettext("Choose one to book it, or pick another time here: {url}", url=book_url))
    return "\n".join(lines)


class Proposals:
    def __init__(
        self,
        db: Database,
        inbox: Inbox,
        booking: BookingService,
        public_url: str,
        proofs: ConversationProofs,
    ) -> None:
        self.db = db
        self.inbox = inbox
        self.booking = booking
        self.public_url = public_url
        self.proofs = proofs

    async def propose(
        self,
        principal: Principal,
        conversation_id: object,
        client_id: object,
        type_code: object,
        starts: list[datetime],
    ) -> Stored:
        if not 1 <= len(starts) <= MAX_SLOTS:
            raise InvalidInput("starts", f"propose between 1 and {MAX_SLOTS} times")
        if not isinstance(type_code, str) or not type_code:
            raise InvalidInput("type", "type is required (an appointment type's code)")
        async with self.db.reading() as session:
            conversation = await visible_conversation(session, principal, conversation_id)
            check_handler(principal, conversation)  # before telling them what is free
            store = await session.get(Store, conversation.store_id)
            assert store is not None
        starts = sorted(set(starts))
        data, slots = await self.booking.availability(
            store.code,
            type_code,
            starts[0],
            starts[-1] + timedelta(minutes=1),
            language=conversation.language,
        )
        free = {slot.start: slot for slot in slots}
        if any(start not in free for start in starts):
            raise SlotTaken
        row = data.type_row
        book_url = f"{self.public_url}/book?" + urlencode(
            {"store": store.code, "type": row.code, "conversation": conversation.id}
        )
        if conversation.channel != "webchat":
            # The link opens in a browser with no visitor token: it carries its own proof.
            expires = self.booking.clock() + PROOF_VALID
            book_url += "#proof=" + self.proofs.issue(conversation.id, expires)
        payload: dict[str, Any] = {
            "proposal": {
                "store": {"code": store.code, "name": store.name, "timezone": store.timezone},
                "type": {
                    "code": row.code,
                    "name": row.name,
                    "kind": row.kind,
                    "duration_minutes": row.duration_minutes,
                },
                "slots": [
                    {"start": free[s].start.isoformat(), "end": free[s].end.isoformat()}
                    for s in starts
                ],
                "book_url": book_url,
            }
        }
        text = proposal_text(conversation_texts(conversation), row.name, store, starts, book_url)
        return await self.inbox.reply(principal, conversation.id, client_id, text, data=payload)
