"""Staff accounts, login sessions and the access check every console call relies on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, validation
from hub.db.models import Staff, StaffSession, StaffStore
from hub.errors import Conflict, InvalidInput, Unauthorized
from hub.profiles.identity import InvalidIdentity, normalise_phone
from hub.security.passwords import DUMMY_HASH, hash_password, verify_password
from hub.security.tokens import new_session_token, token_digest
from hub.stores import store_by_code

# The stored hash of an invited colleague until they choose a password: nothing matches it.
UNUSABLE_HASH = "!"
MAX_SKILLS = 20


@dataclass(frozen=True)
class Principal:
    """The authenticated staff member behind a request or socket; carries store access."""

    id: str
    name: str
    email: str
    role: str
    languages: tuple[str, ...]
    capacity: int
    store_ids: frozenset[str]
    store_codes: tuple[str, ...]
    skills: frozenset[str] = frozenset()

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    def can_see_store(self, store_id: str) -> bool:
        return store_id in self.store_ids

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "stores": list(self.store_codes),
            "languages": list(self.languages),
            "capacity": self.capacity,
            "skills": sorted(self.skills),
        }


def principal_of(staff: Staff) -> Principal:
    return Principal(
        id=staff.id,
        name=staff.name,
        email=staff.email,
        role=staff.role,
        languages=tuple(staff.languages),
        capacity=staff.capacity,
        store_ids=frozenset(link.store_id for link in staff.store_links),
        store_codes=tuple(sorted(link.store.code for link in staff.store_links)),
        skills=frozenset(staff.skills or ()),
    )


@dataclass(frozen=True)
class NewStaff:
    email: str
    name: str
    store_code: str
    role: str
    languages: list[str]
    capacity: int
    password: str
    skills: tuple[str, ...] = ()
    phone: str | None = None  # E.164: where phone calls for them ring


def skill_list(value: Any, field: str = "skills") -> tuple[str, ...]:
    """Skills as the CLI (``bridal,repairs``) or the API (a list) gives them: lower case,
    each once, in the order given; the same check on both surfaces."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise InvalidInput(field, f"{field} must be a list of words, e.g. bridal,repairs")
    found: list[str] = []
    for item in (item.strip().lower() for item in items):
        if not item:
            continue
        if len(item) > 40:
            raise InvalidInput(field, f"{field}: {item[:40]!r}… is longer than 40 characters")
        if item not in found:
            found.append(item)
    if len(found) > MAX_SKILLS:
        raise InvalidInput(field, f"{field}: at most {MAX_SKILLS} skills")
    return tuple(found)


def phone_number(raw: Any, country: str | None, field: str = "phone") -> str | None:
    """Where phone calls for them ring, in E.164; a national number in the store's country."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise InvalidInput(field, f"{field} must be a phone number")
    try:
        return normalise_phone(raw, country)
    except InvalidIdentity as error:
        raise InvalidInput(field, f"{field}: {error}") from None


async def add_staff(session: AsyncSession, new: NewStaff, *, now: datetime, actor: str) -> Staff:
    store = await store_by_code(session, new.store_code)
    if await session.scalar(select(Staff.id).where(Staff.email == new.email)):
        raise Conflict(f"staff member {new.email} already exists", code="staff_exists")
    staff = Staff(
        email=new.email,
        name=new.name,
        password_hash=hash_password(validation.password(new.password)),
        role=new.role,
        languages=new.languages,
        capacity=new.capacity,
        skills=list(new.skills),
        phone=new.phone,
        active=True,
        created_at=now,
    )
    staff.store_links = [StaffStore(store_id=store.id)]
    session.add(staff)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor_kind="cli",
        actor_id=actor,
        action="staff.created",
        subject_type="staff",
        subject_id=staff.id,
        store=store.code,
        role=new.role,
    )
    return staff


async def login(
    session: AsyncSession, email: str, password: str, *, now: datetime, ttl: timedelta
) -> tuple[str, Principal]:
    """A fresh session token for valid credentials; the same error for every failure."""
    staff = await session.scalar(select(Staff).where(Staff.email == email, Staff.active))
    if staff is None:
        verify_password(password, DUMMY_HASH)
        raise Unauthorized("wrong e-mail or password", code="invalid_credentials")
    if not verify_password(password, staff.password_hash):
        raise Unauthorized("wrong e-mail or password", code="invalid_credentials")
    token = open_session(session, staff, now=now, ttl=ttl)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=staff.id,
        action="staff.login",
        subject_type="staff",
        subject_id=staff.id,
    )
    return token, principal_of(staff)


def open_session(session: AsyncSession, staff: Staff, *, now: datetime, ttl: timedelta) -> str:
    """A new session token for someone already proven (a login, an accepted invitation)."""
    token = new_session_token()
    session.add(
        StaffSession(
            token_hash=token_digest(token), staff_id=staff.id, created_at=now, expires_at=now + ttl
        )
    )
    return token


async def session_alive(session: AsyncSession, token_hash: str, *, now: datetime) -> bool:
    """Whether a session still stands (not signed out, not expired, its owner still
    active): what an open console socket is re-checked against on every event."""
    found = await session.scalar(
        select(StaffSession.staff_id)
        .join(Staff, Staff.id == StaffSession.staff_id)
        .where(
            StaffSession.token_hash == token_hash,
            StaffSession.expires_at > now,
            Staff.active.is_(True),
        )
    )
    return found is not None


async def principal_for_token(session: AsyncSession, token: str, *, now: datetime) -> Principal:
    row = await session.scalar(
        select(StaffSession).where(StaffSession.token_hash == token_digest(token))
    )
    if row is None or row.expires_at <= now:
        raise Unauthorized("session expired or invalid")
    staff = await session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        raise Unauthorized("session expired or invalid")
    return principal_of(staff)


async def logout(session: AsyncSession, token: str) -> None:
    await session.execute(
        delete(StaffSession).where(StaffSession.token_hash == token_digest(token))
    )
