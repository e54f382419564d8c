"""WeChat's background jobs: send a queued message, fetch a media file, read a profile.

They run in the in-process runner or in an rq worker (``hub worker``); wechatpy's client
is synchronous, so ``adapters.wechat.api`` runs it in a thread. Each job reads its row,
calls WeChat once, and records the answer on the row and, where there is one, on the
timeline message, so the ambassador sees a refusal (45015: the 48-hour window) instead
of a silent gap.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.wechat.account import WechatAccount
from adapters.wechat.accounts import load_account
from adapters.wechat.api import WechatApi, WechatApiError
from adapters.wechat.api import WechatUser as WechatProfile
from adapters.wechat.intake import CHANNEL, MEDIA_JOB, PROFILE_JOB
from adapters.wechat.outbox import SEND_JOB
from hub import change_feed
from hub.db.channel_models import Attachment, ChannelOutbox, WechatUser
from hub.db.models import Message
from hub.db.races import transaction_retrying
from hub.deliveries import record_outbox_delivery
from hub.jobs.attempts import DeliveryFailed, RetryPolicy, attempt, due_rows
from hub.jobs.kind import JobContext, JobKind
from hub.profiles.identity import WECHAT_OPENID, WECHAT_UNIONID, Identity
from hub.profiles.resolve import resolve_customer

log = logging.getLogger("adapters.wechat")
# A busy WeChat is back within minutes; a day of failures means something is wrong.
SEND_RETRIES = RetryPolicy(
    first_delay=timedelta(seconds=10), max_delay=timedelta(minutes=30), max_attempts=10
)
MEDIA_RETRIES = RetryPolicy(
    first_delay=timedelta(seconds=10), max_delay=timedelta(minutes=30), max_attempts=8
)
PROFILE_RETRY = timedelta(minutes=10)
PROFILE_GIVE_UP = timedelta(days=1)
API_TIMEOUT_SECONDS = 10.0
# What a WeChat error means, for the ambassador who sees it.
EXPLAINED = {
    45015: "more than 48 hours since the client's last message, or they unfollowed",
    43004: "the client no longer follows the account",
    40003: "WeChat does not know this client (invalid openid)",
    45047: "too many messages since the client's last one (WeChat allows 20)",
    -1: "WeChat was busy",
}


@asynccontextmanager
async def _api(ctx: JobContext, account: WechatAccount) -> AsyncIterator[WechatApi]:
    """A client per job: rq runs each job on its own event loop and process. The access
    token lives in Redis when there is one, so every process shares it."""
    redis = Redis.from_url(ctx.settings.redis_url) if ctx.settings.redis_url else None
    api = WechatApi(
        account,
        api_base=ctx.settings.wechat_api_base,
        redis=redis,
        prefix=ctx.settings.redis_prefix,
        timeout=API_TIMEOUT_SECONDS,
    )
    try:
        yield api
    finally:
        await api.close()
        if redis is not None:
            redis.close()


def describe(error: WechatApiError) -> str:
    meaning = EXPLAINED.get(error.errcode)
    return f"WeChat {error.errcode}: {meaning or error.errmsg}"


async def _account(ctx: JobContext, account_id: str | None) -> WechatAccount:
    async with ctx.db.reading() as session:
        account = await load_account(session, account_id=account_id)
    if account is None:
        raise DeliveryFailed("the WeChat account was removed", permanent=True)
    return account


async def send(ctx: JobContext, outbox_id: str) -> None:
    async def work(row: ChannelOutbox) -> None:
        account = await _account(ctx, row.account_id)
        if row.kind == "template":
            await _still_following(ctx, row.recipient)
        try:
            async with _api(ctx, account) as api:
                if row.kind == "text":
                    await api.send_text(row.recipient, row.payload["text"])
                else:
                    payload = row.payload
                    await api.send_template(
                        row.recipient, payload["template_id"], payload["data"], payload.get("url")
                    )
        except WechatApiError as error:
            raise DeliveryFailed(describe(error), permanent=not error.retryable) from None

    await attempt(ctx, SEND_JOB, ChannelOutbox, outbox_id, work, SEND_RETRIES)
    await record_outbox_delivery(ctx, outbox_id)


async def _still_following(ctx: JobContext, openid: str) -> None:
    async with ctx.db.reading() as session:
        subscribed = await session.scalar(
            select(WechatUser.subscribed).where(WechatUser.openid == openid)
        )
    if not subscribed:
        raise DeliveryFailed("the client no longer follows the account", permanent=True)


async def fetch_media(ctx: JobContext, attachment_id: str) -> None:
    async def work(row: Attachment) -> None:
        source = row.source or {}
        account = await _account(ctx, source.get("account_id"))
        try:
            async with _api(ctx, account) as api:
                media = await api.download_media(str(source.get("media_id") or ""))
        except WechatApiError as error:
            raise DeliveryFailed(describe(error), permanent=not error.retryable) from None
        async with ctx.db.transaction() as session:
            await session.execute(
                update(Attachment)
                .where(Attachment.id == row.id)
                .values(
                    data=media.data,
                    size=len(media.data),
                    content_type=media.content_type or row.content_type,
                    filename=row.filename or media.filename,
                )
            )

    await attempt(ctx, MEDIA_JOB, Attachment, attachment_id, work, MEDIA_RETRIES)
    async with ctx.db.transaction() as session:
        await _record_attachment(session, attachment_id, ctx.clock())


async def _record_attachment(session: AsyncSession, attachment_id: str, now: datetime) -> None:
    """The message's list of files shows the fetched (or failed) state of this one."""
    row = await session.get(Attachment, attachment_id)
    if row is None or row.status == "queued":
        return
    message = await session.get(Message, row.message_id)
    if message is None or not message.data:
        return
    status = "ready" if row.status == "sent" else "failed"
    entries: list[dict[str, Any]] = []
    for entry in message.data.get("attachments", []):
        if entry.get("id") == attachment_id:
            entry = {
                **entry,
                "status": status,
                "size": row.size,
                "content_type": row.content_type,
                "filename": row.filename,
            }
        entries.append(entry)
    message.data = {**message.data, "attachments": entries}
    await change_feed.record(session, change_feed.MESSAGE_UPDATED, message.id, at=now)


async def read_profile(ctx: JobContext, user_id: str) -> None:
    """Nickname, unionid and language: the unionid is the same person on the brand's other
    accounts; the language is how to speak to them until their profile says otherwise."""
    async with ctx.db.reading() as session:
        user = await session.get(WechatUser, user_id)
    if user is None or user.profile_fetched_at is not None:
        return
    account = await _account(ctx, user.account_id)
    try:
        async with _api(ctx, account) as api:
            info = await api.user_info(user.openid)
    except WechatApiError as error:
        if error.retryable and ctx.clock() - user.created_at < PROFILE_GIVE_UP:
            await ctx.jobs.schedule(PROFILE_JOB, user_id, at=ctx.clock() + PROFILE_RETRY)
        log.warning("wechat profile not read", extra={"fields": {"error": describe(error)}})
        return
    # A message of the same follower may be linking them right now: a race on the unique
    # verified identity resolves on the next try, which finds the winner's profile.
    await transaction_retrying(
        ctx.db, lambda session: _store_profile(session, ctx.clock(), user_id, info)
    )


async def _store_profile(
    session: AsyncSession, now: datetime, user_id: str, info: WechatProfile
) -> None:
    # The follower row first, then profiles: the order the message intake locks them.
    user = await session.get(WechatUser, user_id, with_for_update=True)
    if user is None:
        return
    user.nickname = (info.nickname or "").strip()[:200] or None
    user.unionid = info.unionid or None
    # Their phone's language: what the hub speaks to them when their profile names none.
    user.language = info.language or user.language
    user.profile_fetched_at = now
    identities = [Identity(WECHAT_OPENID, user.openid, verified=True)]
    if user.unionid:
        identities.append(Identity(WECHAT_UNIONID, user.unionid, verified=True))
    customer = await resolve_customer(
        session,
        identities=identities,
        display_name=user.nickname,
        home_store_id=user.store_id,
        now=now,
    )
    user.customer_id = customer.id
    await change_feed.record(session, change_feed.CUSTOMER, customer.id, at=now)


async def _due_profiles(session: AsyncSession, now: datetime) -> list[tuple[str, datetime]]:
    rows = await session.scalars(
        select(WechatUser.id).where(
            WechatUser.profile_fetched_at.is_(None),
            WechatUser.created_at > now - PROFILE_GIVE_UP,
        )
    )
    return [(user_id, now) for user_id in rows]


async def _due_sends(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
    return await due_rows(session, ChannelOutbox, ChannelOutbox.channel == CHANNEL)


async def _due_media(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
    """WeChat's media only: other channels' files are fetched by their own jobs."""
    return await due_rows(
        session,
        Attachment,
        Attachment.message_id.in_(select(Message.id).where(Message.channel == CHANNEL)),
    )


SEND_KIND = JobKind(name=SEND_JOB, handle=send, due=_due_sends)
MEDIA_KIND = JobKind(name=MEDIA_JOB, handle=fetch_media, due=_due_media)
PROFILE_KIND = JobKind(name=PROFILE_JOB, handle=read_profile, due=_due_profiles)
KINDS = (SEND_KIND, MEDIA_KIND, PROFILE_KIND)
