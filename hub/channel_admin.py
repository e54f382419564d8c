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

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.email.mailboxes import add_mailbox
from adapters.voice.accounts import NewVoiceAccount, add_voice_account
from adapters.wechat.accounts import NewWechatAccount, add_account
from hub import audit, staff_access, validation
from hub.admin_payloads import WECHAT_SECRETS
from hub.db.channel_models import Mailbox, VoiceAccount, WechatAccountRow, WechatUser
from hub.db.models import Store
from hub.db.voice_models import VoiceCall
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.profiles.identity import InvalidIdentity, normalise_email, normalise_phone
from hub.staff import Principal
from hub.store_admin import actor, closed_body, find

# The adapters name fields as the CLI's options; the API names them as its JSON.
_FIELD_NAMES = {
    "app-id": "app_id",
    "app-secret": "app_secret",
    "aes-key": "aes_key",
    "account-sid": "account_sid",
    "auth-token": "auth_token",
}
# What the audit trail calls each kind of account.
_SUBJECTS = {WechatAccountRow: "wechat_account", Mailbox: "mailbox", VoiceAccount: "voice_account"}


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


def _wechat_rows() -> Any:
    """WeChat accounts beside their store's code (None: bound to no store)."""
    return select(WechatAccountRow, Store.code).outerjoin(
        Store, Store.id == WechatAccountRow.store_id
    )


def _mailbox_rows() -> Any:
    return select(Mailbox, Store.code).join(Store, Store.id == Mailbox.store_id)


def _voice_rows() -> Any:
    return select(VoiceAccount, Store.code).join(Store, Store.id == VoiceAccount.store_id)


async def _reachable(session: AsyncSession, caller: Principal, query: Any) -> list[Any]:
    """The (account, store code) rows of ``query`` within the caller's reach."""
    rows = (await session.execute(query)).all()
    return [(row, code) for row, code in rows if _visible(caller, row.store_id)]


async def _one(
    session: AsyncSession,
    caller: Principal,
    raw: object,
    limit: int,
    query: Callable[[str], Any],
    missing: NotFound,
) -> tuple[Any, Any]:
    """The account a path names, with its store's code; ``missing`` when there is none
    within reach. What cannot name one is not found either: not text, too long, a NUL
    (PostgreSQL cannot compare one), or what ``query`` turns down (None, ``InvalidIdentity``)."""
    staff_access.require_manager(caller)
    wanted = None
    if isinstance(raw, str) and len(raw) <= limit and not validation.has_nul(raw):
        with contextlib.suppress(InvalidIdentity):
            wanted = query(raw)
    found = [] if wanted is None else await _reachable(session, caller, wanted)
    if not found:
        raise missing
    return found[0]


def _audit(
    session: AsyncSession, caller: Principal, now: datetime, action: str, row: Any, **data: Any
) -> None:
    audit.by_staff(session, caller.id, now, action, _SUBJECTS[type(row)], row.id, **data)


# -- listing ---------------------------------------------------------------------------


async def listing(session: AsyncSession, caller: Principal) -> dict[str, list[tuple[Any, Any]]]:
    """Every account within reach with its store's code, each kind in a stable order."""
    staff_access.require_manager(caller)
    return {
        "wechat": await _reachable(session, caller, _wechat_rows().order_by(WechatAccountRow.name)),
        "mailboxes": await _reachable(session, caller, _mailbox_rows().order_by(Mailbox.address)),
        "voice": await _reachable(session, caller, _voice_rows().order_by(VoiceAccount.number)),
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
    with validation.fields_named(_FIELD_NAMES):
        new = NewWechatAccount.parse(
            name=_string(body, "account"),
            app_id=_string(body, "app_id"),
            app_secret=_string(body, "app_secret"),
            token=_string(body, "token"),
            aes_key=_string(body, "aes_key", required=False),
            store_code=store.code if store else None,
        )
    row = await add_account(session, new, now=now, actor=actor(caller))
    return row, new.store_code


async def find_wechat(
    session: AsyncSession, caller: Principal, name: object
) -> tuple[WechatAccountRow, str | None]:
    return await _one(
        session,
        caller,
        name,
        32,
        lambda raw: _wechat_rows().where(WechatAccountRow.name == raw.strip().lower()),
        NotFound(f"WeChat account {name} does not exist", code="unknown_account"),
    )


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
        # The CLI's checks, on the account as it will be.
        with validation.fields_named(_FIELD_NAMES):
            checked = NewWechatAccount.parse(
                name=row.name,
                app_id=row.app_id,
                app_secret=_string(body, "app_secret") if "app_secret" in body else row.app_secret,
                token=_string(body, "token") if "token" in body else row.token,
                aes_key=_string(body, "aes_key") if "aes_key" in body else row.aes_key,
                mode=row.mode,
            )
        row.app_secret, row.token, row.aes_key = checked.app_secret, checked.token, checked.aes_key
        _audit(
            session,
            caller,
            now,
            "channel.secret_rotated",
            row,
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
            _audit(
                session,
                caller,
                now,
                "wechat_account.updated",
                row,
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
    _audit(session, caller, now, "wechat_account.removed", row, account=row.name, store=code)


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
    row, code = await _one(
        session,
        caller,
        address,
        320,
        lambda raw: _mailbox_rows().where(Mailbox.address == normalise_email(raw)),
        NotFound(f"mailbox {address} does not exist", code="unknown_mailbox"),
    )
    await session.delete(row)
    _audit(session, caller, now, "mailbox.removed", row, address=row.address, store=code)


# -- voice -------------------------------------------------------------------------------


async def create_voice(
    session: AsyncSession, caller: Principal, body: dict[str, Any], now: datetime
) -> tuple[VoiceAccount, str]:
    """``hub voice add`` over HTTP."""
    staff_access.require_manager(caller)
    closed_body(body, ("provider", "number", "store", "account_sid", "auth_token"))
    store = await _store(session, caller, body.get("store"))
    with validation.fields_named(_FIELD_NAMES):
        new = NewVoiceAccount.parse(
            provider=_string(body, "provider"),
            number=_string(body, "number"),
            store_code=store.code,
            account_sid=_string(body, "account_sid"),
            auth_token=_string(body, "auth_token"),
        )
    row = await add_voice_account(session, new, now=now, actor=actor(caller))
    return row, store.code


async def find_voice(
    session: AsyncSession, caller: Principal, number: object
) -> tuple[VoiceAccount, str]:
    def by_number(raw: str) -> Any:
        if not raw.strip().startswith("+"):  # only E.164 names a number
            return None
        return _voice_rows().where(VoiceAccount.number == normalise_phone(raw))

    return await _one(
        session,
        caller,
        number,
        32,
        by_number,
        NotFound(f"number {number} is not configured", code="unknown_number"),
    )


async def update_voice(
    session: AsyncSession, caller: Principal, number: object, body: dict[str, Any], now: datetime
) -> tuple[VoiceAccount, str]:
    """Move the number to another store and/or rotate its auth token: webhooks are
    checked against the row on every request, so the new token counts at once."""
    closed_body(body, ("store", "auth_token"))
    row, code = await find_voice(session, caller, number)
    if "auth_token" in body:
        with validation.fields_named(_FIELD_NAMES):
            checked = NewVoiceAccount.parse(
                provider=row.provider,
                number=row.number,
                store_code=code,
                account_sid=row.account_sid,
                auth_token=_string(body, "auth_token"),
            )
        row.auth_token = checked.auth_token
        _audit(
            session,
            caller,
            now,
            "channel.secret_rotated",
            row,
            number=row.number,
            store=code,
            secrets=["auth_token"],
        )
    if "store" in body:
        store = await _store(session, caller, body["store"])
        if store.code != code:
            _audit(
                session,
                caller,
                now,
                "voice_account.updated",
                row,
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
    _audit(session, caller, now, "voice_account.removed", row, number=row.number, store=code)
