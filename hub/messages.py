"""The one internal message model every adapter speaks, and its wire payloads.

Adapters turn channel payloads into ``Inbound``; nothing past an adapter sees XML, MIME or
socket frames. ``message_payload`` is the shape both socket namespaces and the REST
timeline return, so clients handle one format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.db.models import Conversation, Customer, Message, Staff
from hub.profiles.consent import ConsentEntry
from hub.profiles.identity import Identity

CHANNELS = ("webchat", "wechat", "email", "voice", "contact", "callback")


@dataclass(frozen=True)
class NewAttachment:
    """``data`` when the channel delivered the bytes; otherwise ``source`` says where from."""

    kind: str  # image | voice | video | file
    content_type: str | None = None
    filename: str | None = None
    data: bytes | None = None
    source: dict[str, Any] | None = None


@dataclass(frozen=True)
class Inbound:
    """A shopper's message as it arrived, normalised."""

    channel: str
    contact: str  # where replies go: visitor id, openid, e-mail address, E.164 number
    identity_kind: str  # visitor | email | phone | wechat_openid | ...
    identity_value: str
    dedupe_key: str  # unique per channel: a retry of the same message carries the same key
    text: str
    received_at: datetime
    store_code: str | None = None
    # The language the shopper's page or app asked for (a BCP 47 tag), and the channel's
    # ``Accept-Language``-like list when it has one; the inbox chooses by hub.i18n.choose.
    language: str | None = None
    accept_language: str | None = None
    display_name: str | None = None
    # More identities the channel itself proves (a WeChat unionid beside the openid).
    proven: tuple[Identity, ...] = ()
    # Identities the shopper typed in (a chat pre-form, a contact form): never trusted.
    claimed: tuple[Identity, ...] = ()
    # Consents the shopper gave in the same form, for the customer's ledger.
    consents: tuple[ConsentEntry, ...] = ()
    # Structured content beside the text (a location, a link), shown by the console.
    data: dict[str, Any] | None = None
    # Files that came with it; a channel that sends only a media id fetches them later.
    attachments: tuple[NewAttachment, ...] = ()
    # Whether the channel proved the sender's identity (a signed WeChat callback does; an
    # e-mail does only when its DMARC check passed at a trusted server).
    verified: bool = True
    # The conversation the channel threads it into (an e-mail's In-Reply-To); a closed one
    # opens again.
    conversation_id: str | None = None
    # A new conversation waits (status ``scheduled``) for whoever asked for it later, a
    # callback at its time, instead of going to routing at once.
    scheduled: bool = False

    def identities(self) -> tuple[Identity, ...]:
        """The channel-proven identities first (verified), then the claims (unverified)."""
        proven = [Identity(i.kind, i.value, verified=True) for i in self.proven]
        primary = Identity(self.identity_kind, self.identity_value, verified=self.verified)
        return (primary, *proven, *self.claims())

    def claims(self) -> tuple[Identity, ...]:
        """The shopper's claims, unverified whatever the adapter set."""
        return tuple(Identity(i.kind, i.value, verified=False) for i in self.claimed)


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def customer_display_name(customer: Customer) -> str:
    return customer.name or f"Guest {customer.id[:4].upper()}"


def message_payload(message: Message) -> dict[str, Any]:
    payload = {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "channel": message.channel,
        "author": {"kind": message.author_kind, "name": message.author_name},
        "text": message.text,
        "created_at": iso(message.created_at),
    }
    if message.data:
        payload["data"] = message.data
    if message.delivery_status is not None and message.channel != "webchat":
        payload["delivery"] = {"status": message.delivery_status, "error": message.delivery_error}
    return payload


def customer_summary(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "name": customer_display_name(customer), "tier": customer.tier}


def staff_summary(staff: Staff | None) -> dict[str, Any] | None:
    return {"id": staff.id, "name": staff.name} if staff is not None else None


def conversation_payload(
    conversation: Conversation, last_message: Message | None = None
) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "store": conversation.store.code,
        "status": conversation.status,
        "language": conversation.language,
        "customer": customer_summary(conversation.customer),
        "assigned_to": staff_summary(conversation.assigned_staff),
        "last_seq": conversation.last_seq,
        "last_message": (
            {
                "text": last_message.text,
                "created_at": iso(last_message.created_at),
                "author": {"kind": last_message.author_kind, "name": last_message.author_name},
            }
            if last_message is not None
            else None
        ),
        "created_at": iso(conversation.created_at),
        "updated_at": iso(conversation.updated_at),
        # Staff only (this payload never reaches a shopper): how the close went.
        "outcome": conversation.outcome,
        "outcome_note": conversation.outcome_note,
        "closed_by": conversation.closed_by_staff_id,
    }
