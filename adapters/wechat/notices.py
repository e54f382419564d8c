"""Appointment notices and reminders to WeChat clients, as template messages.

Customer-service messages stop 48 hours after the client's last message; a reminder a
week later would be refused. Template messages are not bound by that window, so the
account's configured templates carry confirmations and reminders, filled from the
appointment. Nothing goes to someone who unfollowed or withdrew consent for WeChat.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.wechat.accounts import load_account
from adapters.wechat.outbox import SEND_JOB, enqueue_template
from hub import customers
from hub.booking_notices import local_when, where
from hub.db.booking_models import Appointment
from hub.db.channel_models import ChannelOutbox, WechatUser
from hub.db.models import Conversation
from hub.i18n import Texts, texts
from hub.outbound import Scheduled
from hub.profiles import consent
from hub.shopper_texts import appointment_language, type_name

log = logging.getLogger("adapters.wechat")
PURPOSE_OF_EVENT = {
    "booked": "appointment_booked",
    "rescheduled": "appointment_moved",
    "cancelled": "appointment_cancelled",
    "reminder": "reminder",
}
MAX_FIELD = 200  # WeChat cuts template values; keep them readable


class NoTemplate(Exception):
    """Why a notice could not go to WeChat (the reminder job shows this)."""


async def recipient(session: AsyncSession, row: Appointment) -> WechatUser | None:
    """The follower to notify: the booking's WeChat conversation, else the customer's."""
    if row.conversation_id is not None:
        conversation = await session.get(Conversation, row.conversation_id)
        if conversation is not None and conversation.channel == "wechat":
            return await session.scalar(
                select(WechatUser).where(WechatUser.openid == conversation.contact)
            )
    if row.customer_id is None:
        return None
    return await session.scalar(
        select(WechatUser)
        .where(WechatUser.customer_id == row.customer_id)
        .order_by(WechatUser.last_interaction_at.desc())
        .limit(1)
    )


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text[:MAX_FIELD]


def _values(t: Texts, row: Appointment, manage_url: str | None) -> dict[str, str]:
    """The template's fields, written in the client's language (``t``)."""
    return {
        "name": row.contact_name or "",
        "type": type_name(t, row.type.name),
        "start": local_when(t, row),
        "store": row.store.name,
        "address": row.store.address or "",
        "video_url": row.video_url or "",
        "manage_url": manage_url or "",
        "where": where(t, row),
    }


class WechatNotices:
    """``hub.outbound.AppointmentMessenger`` for WeChat followers."""

    job_kind = SEND_JOB

    async def appointment_notice(
        self,
        session: AsyncSession,
        row: Appointment,
        event: str,
        manage_url: str | None,
        now: datetime,
        *,
        ref: tuple[str, str],
    ) -> Scheduled | None:
        """Queue the template for ``event``; None when this customer is not on WeChat.

        Raises ``NoTemplate`` when they are, but nothing can be sent (no template
        configured, unfollowed, consent withdrawn), so a reminder fails visibly.
        """
        user = await recipient(session, row)
        if user is None:
            return None
        if not user.subscribed:
            raise NoTemplate("the client no longer follows the WeChat account")
        if row.customer_id is not None:
            state = await customers.consent_state(session, row.customer_id)
            allowed = consent.may_contact(
                state, "wechat", consent.SERVICE, proactive=True, requested_by_customer=True
            )
            if not allowed:
                raise NoTemplate("the client withdrew consent to WeChat messages")
        existing = await session.scalar(
            select(ChannelOutbox.id).where(
                ChannelOutbox.ref_kind == ref[0], ChannelOutbox.ref_id == ref[1]
            )
        )
        if existing is not None:
            return Scheduled(SEND_JOB, existing)  # an earlier attempt queued it
        account = await load_account(session, account_id=user.account_id)
        purpose = PURPOSE_OF_EVENT[event]
        config = (account.templates if account else {}).get(purpose)
        if account is None or not config:
            raise NoTemplate(f"no WeChat template is configured for {purpose}")
        language = await appointment_language(session, row, follower=user.language)
        values = _values(texts(language), row, manage_url)
        payload: dict[str, Any] = {
            "template_id": config["template_id"],
            "data": {key: fill(text, values) for key, text in config["fields"].items()},
            "url": fill(config["url"], values) if config.get("url") else None,
        }
        key = await enqueue_template(session, account.id, user.openid, payload, now, ref)
        return Scheduled(SEND_JOB, key)
