"""From a spooled WeChat callback to the hub: followers, conversations, events.

Runs after WeChat has had its ``success``, in the web process's spool runner (see
``hub.spool``). Each row is processed at most once to completion: the message's dedupe
key makes a second run (a crash between the inbox's commit and the spool's settle)
store nothing twice.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.wechat.account import WechatAccount
from adapters.wechat.accounts import load_account
from adapters.wechat.callback import CallbackMessage, Link, Location
from adapters.wechat.outbox import enqueue_text
from hub.clock import Clock
from hub.db.booking_models import Appointment
from hub.db.channel_models import InboundSpool, WechatUser
from hub.db.engine import Database
from hub.db.models import Customer, Store
from hub.db.races import transaction_retrying
from hub.feedback_answers import RatingReplies
from hub.i18n import texts
from hub.inbox import Inbox
from hub.jobs.attempts import DeliveryFailed
from hub.jobs.kind import Jobs
from hub.messages import Inbound, NewAttachment
from hub.profiles.identity import WECHAT_OPENID, WECHAT_UNIONID, Identity
from hub.profiles.resolve import attach, survivor
from hub.shopper_texts import appointment_language, customer_language

log = logging.getLogger("adapters.wechat")
CHANNEL = "wechat"
MEDIA_JOB = "wechat_media"
PROFILE_JOB = "wechat_profile"
SEND_JOB = "wechat_send"
# Menu keys the account's custom menu may send (CLICK events); others are logged only.
TALK_KEYS = frozenset({"talk", "talk_to_ambassador", "ambassador", "concierge"})
BOOK_KEYS = frozenset({"book", "book_appointment", "appointment"})
# A callback's CreateTime is the user's action; one far in the future is not believed.
CLOCK_SKEW = timedelta(minutes=5)


def dedupe_key(account: WechatAccount, message: CallbackMessage) -> str:
    """WeChat's key, scoped to the account: MsgIds are only promised unique per account."""
    return f"{message.dedupe_key}@{account.name}"


def to_payload(message: CallbackMessage) -> dict[str, Any]:
    """What the spool keeps: the normalised message as JSON (no XML past the adapter)."""
    payload = dataclasses.asdict(message)
    payload["create_time"] = message.create_time.isoformat()
    return payload


def from_payload(payload: dict[str, Any]) -> CallbackMessage:
    fields = {f.name for f in dataclasses.fields(CallbackMessage)}
    values = {key: value for key, value in payload.items() if key in fields}
    values["create_time"] = datetime.fromisoformat(payload["create_time"])
    # asdict flattened the nested dataclasses to dicts.
    if isinstance(values.get("location"), dict):
        values["location"] = Location(**values["location"])
    if isinstance(values.get("link"), dict):
        values["link"] = Link(**values["link"])
    return CallbackMessage(**values)


class WechatIntake:
    """The spool processor for the ``wechat`` channel."""

    def __init__(
        self,
        *,
        db: Database,
        inbox: Inbox,
        jobs: Jobs,
        clock: Clock,
        public_url: str,
        ratings: RatingReplies | None = None,
    ) -> None:
        self.db = db
        self.inbox = inbox
        # A bare "4" answering the rating question is a rating, not a new conversation.
        self.ratings = ratings
        self.jobs = jobs
        self.clock = clock
        self.public_url = public_url.rstrip("/")

    async def __call__(self, row: InboundSpool) -> None:
        async with self.db.reading() as session:
            account = await load_account(session, account_id=row.account_id)
        if account is None:
            raise DeliveryFailed("the WeChat account was removed", permanent=True)
        message = from_payload(row.payload)
        user_id, first_sight = await self._touch_user(account, message)
        if first_sight:
            await self.jobs.schedule(PROFILE_JOB, user_id)
        if message.kind == "event":
            await self._event(account, message, user_id)
        elif message.kind != "unknown":
            await self._message(account, message, user_id)
        else:
            log.info("wechat: unknown message type ignored", extra={"fields": {"id": row.id}})

    async def _touch_user(
        self, account: WechatAccount, message: CallbackMessage
    ) -> tuple[str, bool]:
        """The follower row, created on first sight; any callback is an interaction."""
        now = self.clock()
        at = min(message.create_time, now + CLOCK_SKEW)
        async with self.db.transaction() as session:
            user = await session.scalar(
                select(WechatUser).where(WechatUser.openid == message.openid)
            )
            first = user is None
            if user is None:
                user = WechatUser(
                    account_id=account.id,
                    openid=message.openid,
                    subscribed=True,
                    created_at=now,
                    updated_at=now,
                )
                session.add(user)
            if message.event != "unsubscribe" and (
                user.last_interaction_at is None or at > user.last_interaction_at
            ):
                user.last_interaction_at = at
            user.updated_at = now
            await session.flush()
            return user.id, first

    async def _message(
        self, account: WechatAccount, message: CallbackMessage, user_id: str
    ) -> None:
        if (
            message.kind == "text"
            and self.ratings is not None
            and await self.ratings.from_reply(CHANNEL, message.openid, message.text or "")
        ):
            return
        async with self.db.reading() as session:
            user = await session.get(WechatUser, user_id)
            assert user is not None
            store_code = await _store_code(session, user.store_id) or account.store_code
        proven = (Identity(WECHAT_UNIONID, user.unionid, verified=True),) if user.unionid else ()
        text, data, attachments = _content(account, message)
        stored = await self.inbox.receive(
            Inbound(
                channel=CHANNEL,
                contact=message.openid,
                identity_kind=WECHAT_OPENID,
                identity_value=message.openid,
                dedupe_key=dedupe_key(account, message),
                text=text,
                received_at=message.create_time,
                store_code=store_code,
                display_name=user.nickname,
                # The language their WeChat is set to: the app's word for it, as a
                # widget's page is (the profile's language still comes first).
                language=user.language,
                proven=proven,
                data=data,
                attachments=attachments,
            )
        )
        if user.customer_id != stored.conversation.customer_id:
            await _link_customer(self.db, user_id, stored.conversation.customer_id)
        for attachment_id in stored.to_fetch:
            await self.jobs.schedule(MEDIA_JOB, attachment_id)

    async def _event(self, account: WechatAccount, message: CallbackMessage, user_id: str) -> None:
        event = message.event or ""
        now = self.clock()
        scheduled: list[str] = []
        async with self.db.transaction() as session:
            user = await session.get(WechatUser, user_id)
            assert user is not None
            if event == "subscribe":
                user.subscribed, user.unsubscribed_at = True, None
                if account.welcome_text:
                    scheduled.append(
                        await enqueue_text(
                            session, account, message.openid, account.welcome_text, now, "welcome"
                        )
                    )
            elif event == "unsubscribe":
                # No proactive message (template, reminder) goes to them from now on.
                user.subscribed, user.unsubscribed_at = False, now
            if event in ("subscribe", "scan") and message.event_key:
                reply = await self._scene(session, user, message.event_key, now)
                if reply:
                    scheduled.append(
                        await enqueue_text(session, account, message.openid, reply, now, "scene")
                    )
            if event == "click" and (message.event_key or "").lower() in BOOK_KEYS:
                store_code = await _store_code(session, user.store_id) or account.store_code
                link = f"{self.public_url}/book" + (f"?store={store_code}" if store_code else "")
                store = await _store(session, store_code)
                t = texts(
                    await customer_language(
                        session, user.customer_id, store, follower=user.language
                    )
                )
                text = t.gettext(
                    "Book a private appointment with one of our ambassadors: {url}", url=link
                )
                scheduled.append(
                    await enqueue_text(session, account, message.openid, text, now, "menu")
                )
        for key in scheduled:
            await self.jobs.schedule(SEND_JOB, key)
        if event == "click" and (message.event_key or "").lower() in TALK_KEYS:
            # The shopper asked for a person: open (or join) their conversation so that
            # routing offers it, as if they had written.
            await self._message(
                account,
                dataclasses.replace(message, kind="text", text="Asked to talk to an ambassador"),
                user_id,
            )
        elif event not in ("subscribe", "unsubscribe", "scan", "click"):
            log.info("wechat event not acted on", extra={"fields": {"event": event[:32]}})

    async def _scene(
        self, session: AsyncSession, user: WechatUser, scene: str, now: datetime
    ) -> str | None:
        """A QR code's scene: ``store:CODE`` (a boutique counter) or ``appointment:ID``."""
        kind, _sep, value = scene.partition(":")
        if not _sep:
            kind, _sep, value = scene.partition("_")
        kind = kind.lower()
        if kind == "store":
            store = await session.scalar(select(Store).where(Store.code == value.upper()[:16]))
            if store is None:
                return None
            user.store_id = store.id
            t = texts(
                await customer_language(session, user.customer_id, store, follower=user.language)
            )
            return t.gettext(
                "Welcome to {store}. Write to us here and an ambassador will answer.",
                store=store.name,
            )
        if kind == "appointment":
            appointment = await session.get(Appointment, value[:36])
            if appointment is None or appointment.status in ("cancelled", "expired"):
                return None
            user.store_id = appointment.store_id
            customer = (
                await session.get(Customer, appointment.customer_id)
                if appointment.customer_id
                else None
            )
            if customer is not None:
                # A card in someone's hand is a hint, not a proof: the console offers the
                # merge, it does not happen by itself.
                await session.refresh(customer, ["identities"])
                await attach(session, customer, [Identity(WECHAT_OPENID, user.openid)], now)
            t = texts(await appointment_language(session, appointment))
            return t.gettext("Thank you. Your ambassador will see your messages here.")
        return None


async def _link_customer(db: Database, user_id: str, customer_id: str) -> None:
    """Point the follower at the conversation's profile, or at whatever absorbed it.

    The follower row is locked before the profile row, the order the profile job takes
    them in, and the profile row is read under its lock, so a merge (which re-points
    followers) is either seen here or re-points this one after. A deadlock with a merge
    elsewhere is run again.
    """

    async def link(session: AsyncSession) -> None:
        user = await session.get(WechatUser, user_id, with_for_update=True)
        customer = await session.get(Customer, customer_id, with_for_update=True)
        if customer is not None and user is not None:
            user.customer_id = (await survivor(session, customer)).id

    await transaction_retrying(db, link)


async def _store(session: AsyncSession, code: str | None) -> Store | None:
    return await session.scalar(select(Store).where(Store.code == code)) if code else None


async def _store_code(session: AsyncSession, store_id: str | None) -> str | None:
    if store_id is None:
        return None
    return await session.scalar(select(Store.code).where(Store.id == store_id))


def _content(
    account: WechatAccount, message: CallbackMessage
) -> tuple[str, dict[str, Any] | None, tuple[NewAttachment, ...]]:
    """The timeline's text, structured data and files for one WeChat message."""
    source = {"account_id": account.id, "media_id": message.media_id}
    if message.kind == "image":
        return "[Image]", None, (NewAttachment(kind="image", source=source),)
    if message.kind == "voice":
        transcript = (message.text or "").strip()
        text = f"[Voice message] {transcript}" if transcript else "[Voice message]"
        data = {"transcript": transcript} if transcript else None
        fmt = (message.media_format or "amr").lower()
        return text, data, (NewAttachment(kind="voice", filename=f"voice.{fmt}", source=source),)
    if message.kind in ("video", "shortvideo"):
        return "[Video]", None, (NewAttachment(kind="video", source=source),)
    if message.kind == "location" and message.location is not None:
        place = dataclasses.asdict(message.location)
        label = place.get("label") or f"{place.get('latitude')}, {place.get('longitude')}"
        return f"[Location] {label}", {"location": place}, ()
    if message.kind == "link" and message.link is not None:
        link = dataclasses.asdict(message.link)
        return (
            f"[Link] {link.get('title') or ''} {link.get('url') or ''}".strip(),
            {"link": link},
            (),
        )
    return (message.text or "").strip() or f"[{message.kind}]", None, ()
