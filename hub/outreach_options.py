"""What may reach a client first, channel by channel: the facts the hub holds (addresses,
the consent ledger, the store's mailbox and SMS number, the WeChat follower and their
48-hour window), judged by the pure rules of ``hub.profiles.outreach_rules``. Read by the
"Reach out" dialog and again by ``hub.outreach`` inside the transaction that sends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import validation
from hub.customers import consent_state
from hub.db.channel_models import Mailbox, VoiceAccount, WechatUser
from hub.db.models import Customer, CustomerIdentity, Store
from hub.errors import InvalidInput, NotFound
from hub.profiles.consent import ConsentMap
from hub.profiles.outreach_rules import (
    OUTREACH_CHANNELS,
    OUTREACH_PURPOSES,
    ChannelFacts,
    Verdict,
    mask,
    verdict,
)
from hub.staff import Principal
from hub.stores import store_by_code

IDENTITY_KIND = {"email": "email", "sms": "phone", "wechat": "wechat_openid"}
# WeChat's customer-service window (adapters/wechat/outbox.py re-checks it when queuing).
WECHAT_WINDOW = timedelta(hours=48)
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Option:
    verdict: Verdict
    address: str | None  # the real address, kept server-side
    display: str | None  # what the console shows


def _best(identities: Sequence[CustomerIdentity], kind: str) -> CustomerIdentity | None:
    """A verified address first, else the newest claimed one (to say it is unverified)."""
    found = [i for i in identities if i.kind == kind]
    found.sort(key=lambda i: (i.verified, i.created_at), reverse=True)
    return found[0] if found else None


async def _wechat_user(
    session: AsyncSession, identities: Sequence[CustomerIdentity]
) -> WechatUser | None:
    openids = [i.value for i in identities if i.kind == "wechat_openid"]
    if not openids:
        return None
    users = (await session.scalars(select(WechatUser).where(WechatUser.openid.in_(openids)))).all()
    # The follower most recently heard from: the one whose window may still be open.
    users = sorted(
        users,
        key=lambda u: (u.subscribed, u.last_interaction_at or NEVER),
        reverse=True,
    )
    return users[0] if users else None


async def _store_ready(session: AsyncSession, store: Store) -> dict[str, bool]:
    mailbox = await session.scalar(select(Mailbox.id).where(Mailbox.store_id == store.id).limit(1))
    number = await session.scalar(
        select(VoiceAccount.id).where(VoiceAccount.store_id == store.id).limit(1)
    )
    return {"email": mailbox is not None, "sms": number is not None, "wechat": True}


async def options(
    session: AsyncSession, customer: Customer, store: Store, purpose: str, now: datetime
) -> list[Option]:
    """Every outreach channel for this client at this store, available or not, and why."""
    consents: ConsentMap = await consent_state(session, customer.id)
    ready = await _store_ready(session, store)
    erased = customer.erased_at is not None
    identities = list(customer.identities)
    found: list[Option] = []
    for channel in OUTREACH_CHANNELS:
        identity = None if erased else _best(identities, IDENTITY_KIND[channel])
        address = identity.value if identity is not None else None
        display = mask(channel, address)
        facts = ChannelFacts(
            channel=channel,
            address=address,
            verified=bool(identity and identity.verified),
            store_ready=ready[channel],
            erased=erased,
        )
        if channel == "wechat" and identity is not None:
            user = await _wechat_user(session, identities)
            if user is not None:
                address = user.openid
                display = user.nickname or display
            facts = ChannelFacts(
                channel=channel,
                address=address,
                verified=True,  # an openid comes from WeChat itself
                store_ready=True,
                following=bool(user and user.subscribed),
                window_open=bool(
                    user
                    and user.last_interaction_at is not None
                    and user.last_interaction_at + WECHAT_WINDOW > now
                ),
            )
        found.append(Option(verdict(facts, purpose, consents), address, display))
    return found


def option_payload(option: Option) -> dict[str, Any]:
    reason = option.verdict.reason
    return {
        "channel": option.verdict.channel,
        "available": option.verdict.available,
        "address": option.display,
        "reason": None
        if reason is None
        else {
            "code": reason.code,
            "message": reason.message,
            "at": reason.at.isoformat() if reason.at else None,
        },
    }


def purpose_of(value: Any) -> str:
    if value not in OUTREACH_PURPOSES:
        raise InvalidInput("purpose", "purpose must be service or marketing")
    return str(value)


def channel_of(value: Any) -> str:
    if value not in OUTREACH_CHANNELS:
        raise InvalidInput("channel", "channel must be email, sms or wechat")
    return str(value)


async def outreach_store(
    session: AsyncSession, principal: Principal, customer: Customer, code: Any
) -> Store:
    """The store the caller writes from: the one named (theirs), else the client's home
    store if the caller works there, else the caller's first store."""
    if code not in (None, ""):
        try:
            store = await store_by_code(session, validation.store_code(code))
        except NotFound:
            store = None
        if store is None or store.id not in principal.store_ids:
            raise InvalidInput("store", "store must be one of your stores")
        return store
    if customer.home_store_id in principal.store_ids:
        home = await session.get(Store, customer.home_store_id)
        assert home is not None
        return home
    store = await session.scalar(
        select(Store).where(Store.id.in_(list(principal.store_ids))).order_by(Store.code).limit(1)
    )
    if store is None:
        raise NotFound("customer not found")
    return store
