"""Official Accounts in the database: adding them, configuring them, finding them fast.

The callback looks its account up on every request (500 a second in a busy market), so
accounts are cached briefly; a changed token or key takes effect within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.wechat.account import WechatAccount
from hub import audit
from hub.db.channel_models import WechatAccountRow
from hub.db.engine import Database
from hub.db.models import Store
from hub.errors import Conflict, InvalidInput, NotFound
from hub.stores import store_by_code

CACHE_SECONDS = 30.0
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_APP_ID = re.compile(r"^wx[0-9a-f]{16}$")
_TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")  # WeChat's own rule for the token
_SECRET = re.compile(r"^[A-Za-z0-9]{16,128}$")
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_FIELD = re.compile(r"^[A-Za-z0-9_]{1,32}$")
# What a template may say about an appointment, filled in when it is sent.
MODES = ("safe", "compatible", "plain")
PURPOSES = ("appointment_booked", "appointment_moved", "appointment_cancelled", "reminder")
PLACEHOLDERS = ("{name}", "{type}", "{start}", "{store}", "{address}", "{video_url}")


@dataclass(frozen=True)
class NewWechatAccount:
    name: str
    app_id: str
    app_secret: str
    token: str
    aes_key: str
    store_code: str | None = None
    welcome_text: str | None = None
    mode: str = "safe"

    @classmethod
    def parse(
        cls,
        *,
        name: str,
        app_id: str,
        app_secret: str,
        token: str,
        aes_key: str,
        store_code: str | None = None,
        welcome_text: str | None = None,
        mode: str = "safe",
    ) -> NewWechatAccount:
        """Check each value the way WeChat's admin console would, naming the bad one."""
        name = name.strip().lower()
        if not _NAME.match(name):
            raise InvalidInput("account", "the account name is 1-32 lower-case letters, digits, -")
        if not _APP_ID.match(app_id.strip()):
            raise InvalidInput("app-id", "an app id is wx followed by 16 hexadecimal digits")
        if not _SECRET.match(app_secret.strip()):
            raise InvalidInput("app-secret", "the app secret is 16-128 letters and digits")
        if not _TOKEN.match(token.strip()):
            raise InvalidInput("token", "the token is 3-32 letters and digits")
        aes_key = aes_key.strip()
        if not _valid_aes_key(aes_key):
            raise InvalidInput("aes-key", "the EncodingAESKey is 43 letters and digits")
        if mode not in MODES:
            raise InvalidInput("mode", f"the mode is one of {', '.join(MODES)}")
        welcome = (welcome_text or "").strip() or None
        if welcome is not None and len(welcome) > 600:
            raise InvalidInput("welcome", "a welcome message is at most 600 characters")
        return cls(
            name=name,
            app_id=app_id.strip(),
            app_secret=app_secret.strip(),
            token=token.strip(),
            aes_key=aes_key,
            store_code=store_code.strip().upper() if store_code else None,
            welcome_text=welcome,
            mode=mode,
        )


def _valid_aes_key(key: str) -> bool:
    if len(key) != 43 or not key.isalnum() or not key.isascii():
        return False
    try:
        return len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


async def add_account(
    session: AsyncSession, new: NewWechatAccount, *, now: datetime, actor: tuple[str, str | None]
) -> WechatAccountRow:
    store = await store_by_code(session, new.store_code) if new.store_code else None
    taken = await session.scalar(
        select(WechatAccountRow.name).where(
            (WechatAccountRow.name == new.name) | (WechatAccountRow.app_id == new.app_id)
        )
    )
    if taken is not None:
        raise Conflict(
            f"a WeChat account with this name or app id exists ({taken})", code="account_exists"
        )
    row = WechatAccountRow(
        name=new.name,
        app_id=new.app_id,
        app_secret=new.app_secret,
        token=new.token,
        aes_key=new.aes_key,
        store_id=store.id if store else None,
        welcome_text=new.welcome_text,
        mode=new.mode,
        templates={},
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor_kind=actor[0],
        actor_id=actor[1],
        action="wechat_account.added",
        subject_type="wechat_account",
        subject_id=row.id,
        name=new.name,
        app_id=new.app_id,
        store=new.store_code,
    )
    return row


def parse_template(
    purpose: str, template_id: str, fields: list[str], url: str | None
) -> dict[str, Any]:
    """``fields`` are ``key=text`` with placeholders such as ``{start}``; checked here so a
    typo fails at configuration, not at the first reminder."""
    if purpose not in PURPOSES:
        raise InvalidInput("purpose", f"the purpose is one of {', '.join(PURPOSES)}")
    if not _TEMPLATE_ID.match(template_id):
        raise InvalidInput("template-id", "a template id is letters, digits, - and _")
    mapping: dict[str, str] = {}
    for entry in fields:
        key, sep, text = entry.partition("=")
        if not sep or not _FIELD.match(key):
            raise InvalidInput("field", f"{entry!r} is not key=text (e.g. keyword1={{start}})")
        _check_placeholders(text, "field")
        mapping[key] = text
    if not mapping:
        raise InvalidInput("field", "a template needs at least one --field key=text")
    if url is not None:
        _check_placeholders(url, "url")
    return {"template_id": template_id, "fields": mapping, "url": url}


def _check_placeholders(text: str, field: str) -> None:
    for found in re.findall(r"\{[^}]*\}", text):
        if found not in PLACEHOLDERS and found != "{manage_url}":
            allowed = ", ".join((*PLACEHOLDERS, "{manage_url}"))
            raise InvalidInput(field, f"{found} is not one of {allowed}")


async def account_row(session: AsyncSession, name: str) -> WechatAccountRow:
    row = await session.scalar(select(WechatAccountRow).where(WechatAccountRow.name == name))
    if row is None:
        raise NotFound(f"WeChat account {name} does not exist", code="unknown_account")
    return row


def as_account(row: WechatAccountRow, store_code: str | None) -> WechatAccount:
    return WechatAccount(
        id=row.id,
        name=row.name,
        app_id=row.app_id,
        app_secret=row.app_secret,
        token=row.token,
        aes_key=row.aes_key,
        store_code=store_code,
        mode=row.mode,
        welcome_text=row.welcome_text,
        templates=dict(row.templates or {}),
    )


async def load_account(
    session: AsyncSession, *, name: str | None = None, account_id: str | None = None
) -> WechatAccount | None:
    """The account by callback name or id, with its store's code; None when unknown."""
    query = select(WechatAccountRow, Store.code).outerjoin(
        Store, Store.id == WechatAccountRow.store_id
    )
    if name is not None:
        query = query.where(WechatAccountRow.name == name)
    else:
        query = query.where(WechatAccountRow.id == account_id)
    found = (await session.execute(query)).first()
    return None if found is None else as_account(found[0], found[1])


class AccountCache:
    """Accounts by name for the callback; unknown names are cached too, briefly."""

    def __init__(self, db: Database, seconds: float = CACHE_SECONDS) -> None:
        self.db = db
        self.seconds = seconds
        self._entries: dict[str, tuple[float, WechatAccount | None]] = {}

    async def get(self, name: str) -> WechatAccount | None:
        now = time.monotonic()
        entry = self._entries.get(name)
        if entry is not None and entry[0] > now:
            return entry[1]
        async with self.db.reading() as session:
            account = await load_account(session, name=name)
        if len(self._entries) > 1000:  # names come from URLs: keep the cache bounded
            self._entries.clear()
        self._entries[name] = (now + self.seconds, account)
        return account
