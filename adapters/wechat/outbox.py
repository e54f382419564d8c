"""What the hub sends to WeChat users: rows first, jobs after (``hub.outbound``).

WeChat takes customer-service messages only within 48 hours of the user's last
interaction; a reply outside it is refused here, before anything is stored, with what
the ambassador can do instead. Template messages (appointment notices) are not bound by
the window but need the user to still follow the account.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.wechat.account import WechatAccount
from hub.customers import consent_state
from hub.db.channel_models import ChannelOutbox, WechatUser
from hub.db.models import Conversation, CustomerIdentity, Message
from hub.deliveries import outbox_row
from hub.errors import Conflict
from hub.messages import iso
from hub.profiles.consent import may_contact

CHANNEL = "wechat"
SEND_JOB = "wechat_send"
WINDOW = timedelta(hours=48)


def window_closes_at(user: WechatUser) -> datetime | None:
    return user.last_interaction_at + WINDOW if user.last_interaction_at else None


def window_state(user: WechatUser | None, now: datetime) -> dict[str, Any]:
    """For the console: may a reply go out now, until when, and if not, why not."""
    if user is None:
        return {"open": False, "closes_at": None, "reason": "unknown_user"}
    closes = window_closes_at(user)
    if not user.subscribed:
        return {"open": False, "closes_at": None, "reason": "unsubscribed"}
    if closes is None or closes <= now:
        return {"open": False, "closes_at": closes, "reason": "window_closed"}
    return {"open": True, "closes_at": closes, "reason": None}


def _row(
    account_id: str,
    openid: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    message_id: str | None = None,
    ref: tuple[str, str | None] | None = None,
) -> ChannelOutbox:
    return outbox_row(
        CHANNEL, account_id, openid, kind, payload, now, message_id=message_id, ref=ref
    )


async def enqueue_text(
    session: AsyncSession,
    account: WechatAccount,
    openid: str,
    text: str,
    now: datetime,
    ref_kind: str,
) -> str:
    """An automatic answer to the user's own action (a welcome, a menu tap): in the window
    by construction, since the action itself just opened it."""
    row = _row(account.id, openid, "text", {"text": text}, now, ref=(ref_kind, None))
    session.add(row)
    await session.flush()
    return row.id


async def enqueue_template(
    session: AsyncSession,
    account_id: str,
    openid: str,
    payload: dict[str, Any],
    now: datetime,
    ref: tuple[str, str],
) -> str:
    row = _row(account_id, openid, "template", payload, now, ref=ref)
    session.add(row)
    await session.flush()
    return row.id


class WechatReplies:
    """The ``OutboundChannel`` for ``wechat`` conversations."""

    job_kind = SEND_JOB

    async def enqueue(
        self, session: AsyncSession, conversation: Conversation, message: Message, now: datetime
    ) -> str:
        user = await session.scalar(
            select(WechatUser).where(WechatUser.openid == conversation.contact)
        )
        state = window_state(user, now)
        if not state["open"]:
            others = await alternatives(session, conversation.customer_id)
            raise Conflict(
                _refusal(state["reason"], others),
                code=f"wechat_{state['reason']}",
                alternatives=others,
            )
        assert user is not None
        row = _row(
            user.account_id,
            user.openid,
            "text",
            {"text": message.text},
            now,
            message_id=message.id,
        )
        session.add(row)
        await session.flush()
        return row.id

    async def state(
        self, session: AsyncSession, conversation: Conversation, now: datetime
    ) -> dict[str, Any] | None:
        user = await session.scalar(
            select(WechatUser).where(WechatUser.openid == conversation.contact)
        )
        window = window_state(user, now)
        others = [] if window["open"] else await alternatives(session, conversation.customer_id)
        return {
            "wechat": {
                "nickname": user.nickname if user else None,
                "subscribed": bool(user and user.subscribed),
                "window": {**window, "closes_at": iso(window["closes_at"])},
                "alternatives": others,
            }
        }


def _refusal(reason: str, others: list[dict[str, str]]) -> str:
    if reason == "unsubscribed":
        head = "This client no longer follows the WeChat account, so WeChat will not deliver."
    elif reason == "unknown_user":
        head = "This WeChat user is unknown to the hub, so nothing can be sent."
    else:
        head = (
            "WeChat accepts replies only within 48 hours of the client's last message; "
            "that window has closed."
        )
    if others:
        ways = ", ".join(f"{o['channel']} {o['value']}" for o in others)
        return f"{head} Reach them another way they agreed to: {ways}."
    return (
        f"{head} Appointment notices still reach them as template messages; otherwise wait "
        "until they write again."
    )


async def alternatives(session: AsyncSession, customer_id: str) -> list[dict[str, str]]:
    """The customer's other ways to be reached for service that they consented to."""
    identities = (
        await session.scalars(
            select(CustomerIdentity).where(
                CustomerIdentity.customer_id == customer_id,
                CustomerIdentity.kind.in_(("email", "phone")),
            )
        )
    ).all()
    if not identities:
        return []
    state = await consent_state(session, customer_id)
    found = []
    for identity in sorted(identities, key=lambda i: (not i.verified, i.kind, i.value)):
        if may_contact(state, identity.kind, "service", proactive=True):
            found.append({"channel": identity.kind, "value": identity.value})
    return found
