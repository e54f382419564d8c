"""Stores' phone numbers at a voice provider, as ``hub voice add`` stores them.

The auth token is what every webhook of that number is checked against, so it is read
from stdin (never the command line) and never printed, logged or put in a repr.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db.channel_models import VoiceAccount
from hub.errors import Conflict, InvalidInput
from hub.profiles.identity import InvalidIdentity, normalise_phone
from hub.stores import store_by_code

PROVIDERS = ("twilio",)
_ACCOUNT_SID = re.compile(r"^AC[0-9a-f]{32}$")
_AUTH_TOKEN = re.compile(r"^[0-9A-Za-z]{32,128}$")


@dataclass(frozen=True)
class NewVoiceAccount:
    provider: str
    number: str
    store_code: str
    account_sid: str
    auth_token: str = field(repr=False)

    @classmethod
    def parse(
        cls, *, provider: str, number: str, store_code: str, account_sid: str, auth_token: str
    ) -> NewVoiceAccount:
        if provider not in PROVIDERS:
            raise InvalidInput("provider", f"the provider is one of {', '.join(PROVIDERS)}")
        if not number.strip().startswith("+"):
            raise InvalidInput("number", "give the number in international form, e.g. +33142…")
        try:
            e164 = normalise_phone(number)
        except InvalidIdentity as exc:
            raise InvalidInput("number", str(exc)) from None
        if not _ACCOUNT_SID.match(account_sid.strip()):
            raise InvalidInput("account-sid", "an account SID is AC followed by 32 hex digits")
        if not _AUTH_TOKEN.match(auth_token.strip()):
            raise InvalidInput("auth-token", "give the account's auth token on stdin")
        return cls(
            provider=provider,
            number=e164,
            store_code=store_code.strip().upper(),
            account_sid=account_sid.strip(),
            auth_token=auth_token.strip(),
        )


async def add_voice_account(
    session: AsyncSession, new: NewVoiceAccount, *, now: datetime, actor: tuple[str, str | None]
) -> VoiceAccount:
    store = await store_by_code(session, new.store_code)
    if await session.scalar(select(VoiceAccount.id).where(VoiceAccount.number == new.number)):
        raise Conflict(f"the number {new.number} is configured already", code="number_exists")
    row = VoiceAccount(
        provider=new.provider,
        number=new.number,
        store_id=store.id,
        account_sid=new.account_sid,
        auth_token=new.auth_token,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor_kind=actor[0],
        actor_id=actor[1],
        action="voice_account.added",
        subject_type="voice_account",
        subject_id=row.id,
        provider=new.provider,
        number=new.number,
        store=store.code,
    )
    return row
