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
from zoneinfo import ZoneInfo

from hub.bookings import BookingService, SlotTaken
from hub.conversations import visible_conversation
from hub.db.engine import Database
from hub.db.models import Store
from hub.errors import InvalidInput
from hub.inbox import Inbox, Stored, check_handler
from hub.security.tokens import ConversationProofs
from hub.staff import Principal

MAX_SLOTS = 3
# Long enough to book from a proposal a client reads a week later.
PROOF_VALID = timedelta(days=14)


def place_name(timezone: str) -> str:
    """ "Paris" for Europe/Paris: how shoppers recognise a store's clock."""
    return timezone.rsplit("/", 1)[-1].replace("_", " ")


def spoken_time(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M}"


def proposal_text(type_name: str, store: Store, starts: list[datetime], book_url: str) -> str:
    lines = [f"{type_name}: I can see you at these times ({place_name(store.timezone)} time):"]
    lines += [f"• {spoken_time(start, store.timezone)}" for start in starts]
    lines.append(f"Choose one to book it, or pick another time here: {book_url}")
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
        text = proposal_text(row.name, store, starts, book_url)
        return await self.inbox.reply(principal, conversation.id, client_id, text, data=payload)
