"""Staff accounts, login sessions and the access check every console call relies on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, validation
from hub.db.models import Staff, StaffSession, StaffStore
from hub.errors import Conflict, Unauthorized
from hub.security.passwords import DUMMY_HASH, hash_password, verify_password
from hub.security.tokens import new_session_token, token_digest
from hub.stores import store_by_code


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
    token = new_session_token()
    session.add(
        StaffSession(
            token_hash=token_digest(token), staff_id=staff.id, created_at=now, expires_at=now + ttl
        )
    )
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
