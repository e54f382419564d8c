"""Channel accounts over the API: WeChat Official Accounts, mailboxes, voice numbers.

The checks and the rows are the CLI's (``adapters.*.accounts``/``mailboxes``: ``hub
wechat add``, ``hub mailbox add``, ``hub voice add``). Secrets are write-only: taken on
creation and rotation, stored where the CLI stores them (the account's row, as the
adapters read it), never answered, logged or audited; answers say which are set.

Reach: an admin manages every account; a manager those bound to their stores, and binds
them only to their stores. An account outside the caller's reach is not found. Unbound
WeChat accounts (conversations that name no store) and deleting a WeChat account are for
admins. An account whose removal would delete history (followers, calls) is refused
(``409 channel_has_history``): rebind it to another store instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.email.mailboxes import add_mailbox
from adapters.voice.accounts import NewVoiceAccount, add_voice_account
from adapters.wechat.accounts import NewWechatAccount, add_account
from hub import audit, staff_access
from hub.db.channel_models import Mailbox, VoiceAccount, WechatAccountRow, WechatUser
from hub.db.models import Store
from hub.db.voice_models import VoiceCall
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.profiles.identity import InvalidIdentity, normalise_email, normalise_phone
from hub.staff import Principal
from hub.store_admin import closed_body, find, has_nul

# The adapters name fields as the CLI's options; the API names them as its JSON.
_FIELD_NAMES = {
    "app-id": "app_id",
    "app-secret": "app_secret",
    "aes-key": "aes_key",
    "account-sid": "account_sid",
    "auth-token": "auth_token",
}
WECHAT_SECRETS = ("app_secret", "token", "aes_key")


def actor(caller: Principal) -> tuple[str, str | None]:
    return ("staff", caller.id)


def _api_field(exc: InvalidInput) -> InvalidInput:
    field = _FIELD_NAMES.get(exc.field, exc.field)
    return InvalidInput(field, exc.message, code=exc.code)


def _string(body: dict[str, Any], field: str, *, required: bool = True) -> str:
    value = body.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > 320:
        raise InvalidInput(field, f"{field} is required (a string)")
    return value


def _require_admin(caller: Principal, what: str) -> None:
    if not staff_access.is_admin(caller):
        raise Forbidden(f"only an admin can {what}", code="admin_only")


async def _store(session: AsyncSession, caller: Principal, code: object) -> Store:
    """A store to bind an account to: one the caller manages (else not found)."""
    if not isinstance(code, str):
        raise InvalidInput("store", "store must be a store code")
    return await find(session, caller, code)


def _visible(caller: Principal, store_id: str | None) -> bool:
    if staff_access.is_admin(caller):
        return True
    return store_id is not None and store_id in caller.store_ids


# -- listing ---------------------------------------------------------------------------


async def listing(session: AsyncSession, caller: Principal) -> dict[str, list[tuple[Any, Any]]]:
    """Every account within reach with its store's code, each kind in a stable order."""
    staff_access.require_manager(caller)
    wechat = (
        await session.execute(
            select(WechatAccountRow, Store.code)
            .outerjoin(Store, Store.id == WechatAccountRow.store_id)
            .order_by(WechatAccountRow.name)
        )
    ).all()
    mailboxes = (
        await session.execute(
            select(Mailbox, Store.code)
            .join(Store, Store.id == Mailbox.store_id)
            .order_by(Mailbox.address)
        )
    ).all()
    voice = (
        await session.execute(
            select(VoiceAccount, Store.code)
            .join(Store, Store.id == VoiceAccount.store_id)
            .order_by(VoiceAccount.number)
        )
    ).all()
    return {
        "wechat": [(row, code) for row, code in wechat if _visible(caller, row.store_id)],
        "mailboxes": [(row, code) for row, code in mailboxes if _visible(caller, row.store_id)],
        "voice": [(row, code) for row, code in voice if _visible(caller, row.store_id)],
    }


# -- WeChat ------------------------------------------------------------------------------


async def create_wechat(
    session: AsyncSession, caller: Principal, body: dict[str, Any], now: datetime
) -> tuple[WechatAccountRow, str | None]:
    """``hub wechat add`` over HTTP; without a store, for admins only."""
    staff_access.require_manager(caller)
    closed_body(body, ("account", "app_id", "app_secret", "token", "aes_key", "store"))
    store = None
    if body.get("store") is not None:
        store = await _store(session, caller, body["store"])
    else:
        _require_admin(caller, "add a WeChat account bound to no store")
    try:
        new = NewWechatAccount.parse(
            name=_string(body, "account"),
            app_id=_string(body, "app_id"),
            app_secret=_string(body, "app_secret"),
            token=_string(body, "token"),
            aes_key=_string(body, "aes_key", required=False),
            store_code=store.code if store else None,
        )
    except InvalidInput as exc:
        raise _api_field(exc) from None
    row = await add_account(session, new, now=now, actor=actor(caller))
    return row, new.store_code


async def find_wechat(
    session: AsyncSession, caller: Principal, name: object
) -> tuple[WechatAccountRow, str | None]:
    staff_access.require_manager(caller)
    found = None
    if isinstance(name, str) and len(name) <= 32 and not has_nul(name):
        found = (
            await session.execute(
                select(WechatAccountRow, Store.code)
                .outerjoin(Store, Store.id == WechatAccountRow.store_id)
                .where(WechatAccountRow.name == name.strip().lower())
            )
        ).first()
    if found is None or not _visible(caller, found[0].store_id):
        raise NotFound(f"WeChat account {name} does not exist", code="unknown_account")
    return found[0], found[1]


async def update_wechat(
    session: AsyncSession, caller: Principal, name: object, body: dict[str, Any], now: datetime
) -> tuple[WechatAccountRow, str | None]:
    """Rebind to another store and/or rotate secrets. The callback of every process uses
    the new token and key within ``adapters.wechat.accounts.CACHE_SECONDS``; replies use
    the new app secret from their next job."""
    closed_body(body, ("store", *WECHAT_SECRETS))
    row, code = await find_wechat(session, caller, name)
    rotated = [field for field in WECHAT_SECRETS if field in body]
    if rotated:
        try:  # the CLI's checks, on the account as it will be
            checked = NewWechatAccount.parse(
                name=row.name,
                app_id=row.app_id,
                app_secret=_string(body, "app_secret") if "app_secret" in body else row.app_secret,
                token=_string(body, "token") if "token" in body else row.token,
                aes_key=_string(body, "aes_key") if "aes_key" in body else row.aes_key,
                mode=row.mode,
            )
        except InvalidInput as exc:
            raise _api_field(exc) from None
        row.app_secret, row.token, row.aes_key = checked.app_secret, checked.token, checked.aes_key
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=caller.id,
            action="channel.secret_rotated",
            subject_type="wechat_account",
            subject_id=row.id,
            account=row.name,
            store=code,  # so that the store's managers see it in the audit viewer
            secrets=rotated,
        )
    if "store" in body:
        before = code
        if body["store"] is None:
            _require_admin(caller, "unbind a WeChat account from its store")
            row.store_id, code = None, None
        else:
            store = await _store(session, caller, body["store"])
            row.store_id, code = store.id, store.code
        if code != before:
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=caller.id,
                action="wechat_account.updated",
                subject_type="wechat_account",
                subject_id=row.id,
                account=row.name,
                store=code,
                changes={"store": {"from": before, "to": code}},
            )
    row.updated_at = now
    await session.flush()
    return row, code


async def delete_wechat(
    session: AsyncSession, caller: Principal, name: object, now: datetime
) -> None:
    """Admins only; refused once the account has followers (their conversations' 48-hour
    windows and links live on its rows)."""
    row, code = await find_wechat(session, caller, name)
    _require_admin(caller, "remove a WeChat account")
    followers = await session.scalar(
        select(func.count()).select_from(WechatUser).where(WechatUser.account_id == row.id)
    )
    if followers:
        raise Conflict(
            f"{row.name} has {followers} followers whose history would be lost",
            code="channel_has_history",
        )
    await session.delete(row)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=caller.id,
        action="wechat_account.removed",
        subject_type="wechat_account",
        subject_id=row.id,
        account=row.name,
        store=code,
    )


# -- mailboxes ---------------------------------------------------------------------------


async def create_mailbox(
    session: AsyncSession, caller: Principal, body: dict[str, Any], now: datetime
) -> tuple[Mailbox, str]:
    """``hub mailbox add`` over HTTP."""
    staff_access.require_manager(caller)
    closed_body(body, ("address", "store"))
    store = await _store(session, caller, body.get("store"))
    row = await add_mailbox(
        session,
        _string(body, "address"),
        store.code,
        display_name=None,
        signature=None,
        now=now,
        actor=actor(caller),
    )
    return row, store.code


async def delete_mailbox(
    session: AsyncSession, caller: Principal, address: object, now: datetime
) -> None:
    """The hub stops receiving mail for it; its threads answer from the hub's own sender."""
    staff_access.require_manager(caller)
    row = None
    if isinstance(address, str) and len(address) <= 320 and not has_nul(address):
        try:
            normal = normalise_email(address)
        except InvalidIdentity:
            normal = None
        if normal is not None:
            row = await session.scalar(select(Mailbox).where(Mailbox.address == normal))
    if row is None or not _visible(caller, row.store_id):
        raise NotFound(f"mailbox {address} does not exist", code="unknown_mailbox")
    store = await session.get(Store, row.store_id)
    code = store.code if store is not None else None
    await session.delete(row)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=caller.id,
        action="mailbox.removed",
        subject_type="mailbox",
        subject_id=row.id,
        address=row.address,
        store=code,
    )


# -- voice -------------------------------------------------------------------------------


async def create_voice(
    session: AsyncSession, caller: Principal, body: dict[str, Any], now: datetime
) -> tuple[VoiceAccount, str]:
    """``hub voice add`` over HTTP."""
    staff_access.require_manager(caller)
    closed_body(body, ("provider", "number", "store", "account_sid", "auth_token"))
    store = await _store(session, caller, body.get("store"))
    try:
        new = NewVoiceAccount.parse(
            provider=_string(body, "provider"),
            number=_string(body, "number"),
            store_code=store.code,
            account_sid=_string(body, "account_sid"),
            auth_token=_string(body, "auth_token"),
        )
    except InvalidInput as exc:
        raise _api_field(exc) from None
    row = await add_voice_account(session, new, now=now, actor=actor(caller))
    return row, store.code


async def find_voice(
    session: AsyncSession, caller: Principal, number: object
) -> tuple[VoiceAccount, str]:
    staff_access.require_manager(caller)
    found = None
    if (
        isinstance(number, str)
        and len(number) <= 32
        and not has_nul(number)
        and number.strip().startswith("+")
    ):
        try:
            e164 = normalise_phone(number)
        except InvalidIdentity:
            e164 = None
        if e164 is not None:
            found = (
                await session.execute(
                    select(VoiceAccount, Store.code)
                    .join(Store, Store.id == VoiceAccount.store_id)
                    .where(VoiceAccount.number == e164)
                )
            ).first()
    if found is None or not _visible(caller, found[0].store_id):
        raise NotFound(f"number {number} is not configured", code="unknown_number")
    return found[0], found[1]


async def update_voice(
    session: AsyncSession, caller: Principal, number: object, body: dict[str, Any], now: datetime
) -> tuple[VoiceAccount, str]:
    """Move the number to another store and/or rotate its auth token: webhooks are
    checked against the row on every request, so the new token counts at once."""
    closed_body(body, ("store", "auth_token"))
    row, code = await find_voice(session, caller, number)
    if "auth_token" in body:
        try:
            checked = NewVoiceAccount.parse(
                provider=row.provider,
                number=row.number,
                store_code=code,
                account_sid=row.account_sid,
                auth_token=_string(body, "auth_token"),
            )
        except InvalidInput as exc:
            raise _api_field(exc) from None
        row.auth_token = checked.auth_token
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=caller.id,
            action="channel.secret_rotated",
            subject_type="voice_account",
            subject_id=row.id,
            number=row.number,
            store=code,
            secrets=["auth_token"],
        )
    if "store" in body:
        store = await _store(session, caller, body["store"])
        if store.code != code:
            audit.record(
                session,
                at=now,
                actor_kind="staff",
                actor_id=caller.id,
                action="voice_account.updated",
                subject_type="voice_account",
                subject_id=row.id,
                number=row.number,
                store=store.code,
                changes={"store": {"from": code, "to": store.code}},
            )
            row.store_id, code = store.id, store.code
    await session.flush()
    return row, code


async def delete_voice(
    session: AsyncSession, caller: Principal, number: object, now: datetime
) -> None:
    """Refused once the number has calls: their records would go with it."""
    row, code = await find_voice(session, caller, number)
    calls = await session.scalar(
        select(func.count()).select_from(VoiceCall).where(VoiceCall.account_id == row.id)
    )
    if calls:
        raise Conflict(
            f"{row.number} has {calls} calls whose records would be lost",
            code="channel_has_history",
        )
    await session.delete(row)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=caller.id,
        action="voice_account.removed",
        subject_type="voice_account",
        subject_id=row.id,
        number=row.number,
        store=code,
    )
