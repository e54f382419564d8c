"""``POST /api/contact``: the website's contact form, as an e-mail conversation.

The form's message opens a conversation on the ``email`` channel in the store's queue, so
the ambassador answers it like any mail and the client's reply threads back; the client
gets a receipt at once (``Auto-Submitted: auto-replied``, so their out-of-office stays
quiet). The address is what they typed, so it is a claim on a profile of its own until
it is proven. Anonymous and public: rate-limited per address and per client address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select

from adapters.email.compose import Sender, bare_id, compose_in_thread, reply_subject
from adapters.email.intake import CHANNEL
from adapters.email.threads import ensure_thread, remember, sender_of
from hub import mail, validation
from hub.api.requests import client_address, json_body
from hub.contact_details import parse_contact
from hub.db.channel_models import Mailbox
from hub.db.models import Store
from hub.errors import InvalidInput
from hub.i18n import N_, Texts, choose, texts
from hub.messages import Inbound
from hub.openapi import errors, operation
from hub.openapi.schemas import OBJECT, STRING, nullable, obj, text
from hub.profiles.identity import EMAIL
from hub.services import Services, services
from hub.shopper_texts import conversation_texts
from hub.stores import store_for_channel

FIELDS = frozenset(
    {"name", "email", "phone", "message", "store", "marketing", "client_id", "language"}
)
SUBJECT = N_("Your message to {store}")


RECEIVED = obj({"conversation_id": STRING, "message_id": STRING})


@operation(
    summary="The website's contact form: a message answered by e-mail",
    tag="contact",
    limited=True,
    request=obj(
        {"name": text(max_length=200), "email": STRING, "message": text(min_length=1)},
        {
            "phone": nullable(STRING),
            "store": nullable(STRING),
            "marketing": nullable(OBJECT),
            "client_id": nullable(STRING),
        },
        closed=True,
    ),
    responses={201: RECEIVED, 200: RECEIVED, **errors(409)},
)
async def contact(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"contact:{client_address(request)}")
    body = await json_body(request)
    if not set(body) <= FIELDS:
        raise InvalidInput("body", f"the form takes {', '.join(sorted(FIELDS))}")
    text = validation.text(body.get("message"), "message")
    store = await _store(hub, body.get("store"))
    details = parse_contact(
        {key: body[key] for key in ("name", "email", "phone", "marketing") if key in body},
        country=store.country,
        now=hub.clock(),
        policy_version=hub.settings.privacy_policy_version,
        source="contact_form",
        prefix="",
    )
    address = next((c.value for c in details.claims if c.kind == EMAIL), None)
    if address is None:
        raise InvalidInput("email", "give your e-mail address so that we can answer")
    if details.name is None:
        raise InvalidInput("name", "give your name")
    hub.limits.verification_mails.hit(f"contact:{address}")
    client_id = validation.client_id(body.get("client_id") or secrets.token_hex(16))
    language = validation.language(body["language"]) if body.get("language") else None
    # The thread's subject is the console's too: it names the store in the shop's language.
    t = texts(
        choose(
            page=language,
            accept=request.headers.get("Accept-Language"),
            store_languages=store.languages,
        )
    )
    stored = await hub.inbox.receive(
        Inbound(
            channel=CHANNEL,
            contact=address,
            identity_kind=EMAIL,
            identity_value=address,
            verified=False,
            dedupe_key=f"contact:{client_id}",
            text=text,
            received_at=hub.clock(),
            store_code=store.code,
            language=language,
            accept_language=request.headers.get("Accept-Language"),
            display_name=details.name,
            claimed=tuple(c for c in details.claims if c.kind != EMAIL),
            consents=details.consents,
            data={"subject": t.gettext(SUBJECT, store=store.name), "form": "contact"},
        )
    )
    if not stored.duplicate:
        receipt = Receipt(address, details.name, text, conversation_texts(stored.conversation))
        await _receipt(hub, stored.conversation.id, store, receipt)
    return web.json_response(
        {"conversation_id": stored.conversation.id, "message_id": stored.message.id},
        status=200 if stored.duplicate else 201,
    )


async def _store(hub: Services, code: Any) -> Store:
    """The boutique the form names, else the first one, as for any channel."""
    named = validation.store_code(code) if code not in (None, "") else None
    async with hub.db.reading() as session:
        return await store_for_channel(session, named)


@dataclass(frozen=True)
class Receipt:
    """Who gets the receipt, what they wrote, and the language it is written in."""

    address: str
    name: str
    text: str
    t: Texts

    def body(self, store: Store) -> str:
        quote = "\n".join(f"> {line}" for line in self.text.splitlines()[:40])
        thanks = self.t.gettext(
            "Thank you for your message. An ambassador of {store} will answer you by e-mail, "
            "usually within a day. To add anything, simply reply to this e-mail.",
            store=store.name,
        )
        heading = self.t.gettext("Your message:")
        return "\n\n".join(
            [self.t.gettext("Dear {name},", name=self.name), thanks, f"{heading}\n{quote}"]
        )


async def _receipt(hub: Services, conversation_id: str, store: Store, receipt: Receipt) -> None:
    """The thread (on the store's mailbox, if it has one) and the receipt that starts it."""
    now = hub.clock()
    async with hub.db.transaction() as session:
        mailbox_id = await session.scalar(
            select(Mailbox.id).where(Mailbox.store_id == store.id).order_by(Mailbox.created_at)
        )
        subject = receipt.t.gettext(SUBJECT, store=store.name)
        thread = await ensure_thread(session, conversation_id, mailbox_id, subject, now)
        sender: Sender = await sender_of(session, thread, None)
        message = compose_in_thread(
            hub.settings,
            sender,
            to=receipt.address,
            subject=reply_subject(subject, receipt.t),
            text=receipt.body(store),
            thread_token=thread.token,
            references=[],
            now=now,
            automatic=True,
        )
        mail_id = await mail.enqueue(session, message, now=now, ref=("contact", conversation_id))
        await remember(session, bare_id(message["Message-ID"]), conversation_id, None, "out", now)
    await mail.schedule(hub.jobs, mail_id)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/contact", contact)
