"""Managing colleagues: the list, one person, edits, schedules, time off, deactivation.

Who may do what is ``hub.staff_access``; the field checks are the ones the CLI uses
(``hub.validation``, ``hub.staff``, ``hub.schedules``). Every change is audited with what
it was before and after. What must happen outside the transaction (hanging up consoles,
routing) is left to the caller, told by the returned ``Changed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, schedules, staff_access, validation
from hub.db.models import Staff, StaffSession, StaffStore, Store
from hub.db.staff_models import StaffInvitation
from hub.errors import Conflict, InvalidInput, NotFound
from hub.staff import UNUSABLE_HASH, Principal, phone_number, skill_list
from hub.staff_payloads import snapshot, store_ids
from hub.stores import store_by_code

EDITABLE = ("name", "role", "stores", "languages", "skills", "capacity", "phone")
# Changes that follow the person into every store (stores are checked store by store).
WHOLE_PERSON = frozenset(EDITABLE) - {"stores"}
MAX_STORES = 100
ID = re.compile(r"[A-Za-z0-9-]{1,64}")


@dataclass(frozen=True)
class Changed:
    staff: Staff
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def console_stale(self) -> bool:
        """What an open console was given at sign-in (stores, role, languages, skills,
        capacity, name) changed: it must reconnect to get the new profile."""
        return bool(set(self.changes) - {"phone"})


def plausible_id(value: object) -> bool:
    """An id as the hub writes them (UUIDs): anything else names nothing, unqueried."""
    return isinstance(value, str) and ID.fullmatch(value) is not None


def actor(caller: Principal) -> tuple[str, str | None]:
    return ("staff", caller.id)


async def find(session: AsyncSession, caller: Principal, staff_id: object) -> Staff:
    """One colleague within the caller's reach; anyone else is not found."""
    staff_access.require_manager(caller)
    staff = await session.get(Staff, staff_id) if plausible_id(staff_id) else None
    if staff is None:
        raise NotFound("staff member not found", code="unknown_staff")
    staff_access.require_visible(caller, store_ids(staff))
    return staff


async def listing(
    session: AsyncSession, caller: Principal, *, store: str | None, active: bool | None
) -> list[Staff]:
    """Everyone in the caller's reach, by name; or those of one of their stores."""
    staff_access.require_manager(caller)
    query = select(Staff).order_by(Staff.name, Staff.id)
    if store is not None:
        found = await store_by_code(session, validation.store_code(store))
        if not staff_access.can_see(caller, [found.id]):
            raise NotFound(f"store {found.code} does not exist", code="unknown_store")
        query = query.where(Staff.id.in_(_working_in([found.id])))
    elif not staff_access.is_admin(caller):
        query = query.where(Staff.id.in_(_working_in(caller.store_ids)))
    if active is not None:
        query = query.where(Staff.active.is_(active))
    return list(await session.scalars(query))


def _working_in(store_id_set: Any) -> Any:
    return select(StaffStore.staff_id).where(StaffStore.store_id.in_(list(store_id_set)))


async def stores_named(session: AsyncSession, value: Any, field: str = "stores") -> list[Store]:
    """A list of store codes, each an existing store, at least one."""
    if not isinstance(value, list) or not value or len(value) > MAX_STORES:
        raise InvalidInput(field, f"{field} must list the codes of one or more stores")
    found: dict[str, Store] = {}
    for code in value:
        store = await store_by_code(session, validation.store_code(code, field))
        found[store.id] = store
    return list(found.values())


async def update(
    session: AsyncSession, caller: Principal, staff_id: object, body: dict[str, Any], now: datetime
) -> Changed:
    """``PATCH``: change some of name, role, stores, languages, skills, capacity, phone."""
    unknown = sorted(set(body) - set(EDITABLE))
    if unknown:
        raise InvalidInput(unknown[0], f"only {', '.join(EDITABLE)} can be changed here")
    staff = await find(session, caller, staff_id)
    staff_access.require_not_admin_target(caller, staff.role)
    if WHOLE_PERSON & set(body):
        staff_access.require_whole_person(caller, staff.id, staff.role, store_ids(staff))
    before = snapshot(staff)
    if "name" in body:
        staff.name = validation.name(body["name"])
    if "role" in body:
        role = validation.role(body["role"])
        if role != staff.role:
            staff_access.require_not_self(caller, staff.id, "change the role of")
            staff_access.require_role_grant(caller, role)
            staff.role = role
    if "languages" in body:
        staff.languages = validation.languages(body["languages"])
    if "skills" in body:
        staff.skills = list(skill_list(body["skills"]))
    if "capacity" in body:
        staff.capacity = validation.capacity(body["capacity"])
    if "stores" in body:
        await _set_stores(session, caller, staff, await stores_named(session, body["stores"]))
    if "phone" in body:
        country = min(staff.store_links, key=lambda link: link.store.code).store.country
        staff.phone = phone_number(body["phone"], country)
    after = snapshot(staff)
    changes = {
        key: {"from": before[key], "to": after[key]}
        for key in EDITABLE
        if before[key] != after[key]
    }
    if changes:
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=caller.id,
            action="staff.updated",
            subject_type="staff",
            subject_id=staff.id,
            changes=changes,
        )
    await session.flush()
    return Changed(staff, changes)


async def _set_stores(
    session: AsyncSession, caller: Principal, staff: Staff, requested: list[Store]
) -> None:
    staff_access.require_store_grant(caller, [(s.id, s.code) for s in requested])
    wanted = staff_access.merged_stores(caller, store_ids(staff), {s.id for s in requested})
    if not wanted:
        raise InvalidInput("stores", "stores must keep at least one store")
    by_id = {s.id: s for s in requested}
    staff.store_links = [link for link in staff.store_links if link.store_id in wanted]
    for store_id in sorted(wanted - store_ids(staff)):
        staff.store_links.append(StaffStore(store_id=store_id, store=by_id[store_id]))
    await session.flush()


async def _in_their_store(
    session: AsyncSession, caller: Principal, staff: Staff, code: Any
) -> Store:
    """One of the person's stores that the caller manages too."""
    store = await store_by_code(session, validation.store_code(code))
    if store.id not in store_ids(staff):
        raise InvalidInput("store", f"they do not work at {store.code}", code="not_their_store")
    staff_access.require_store_grant(caller, [(store.id, store.code)])
    return store


async def set_schedule(
    session: AsyncSession, caller: Principal, staff_id: object, body: dict[str, Any], now: datetime
) -> tuple[Store, Any]:
    """Their weekly hours in one store; ``hours: null``: they work the store's hours."""
    staff = await find(session, caller, staff_id)
    staff_access.require_not_admin_target(caller, staff.role)
    store = await _in_their_store(session, caller, staff, body.get("store"))
    if "hours" not in body:
        raise InvalidInput(
            "hours", 'hours is required: e.g. "Tue-Sat 10:00-19:00", or null for the store hours'
        )
    raw = body["hours"]
    hours = None if raw is None else schedules.weekly(validation.text(raw, "hours", max_length=300))
    await schedules.set_schedule(session, staff, store, hours, now=now, actor=actor(caller))
    return store, hours


async def add_time_off(
    session: AsyncSession, caller: Principal, staff_id: object, body: dict[str, Any], now: datetime
) -> Any:
    """A span without bookings; times without an offset are read on ``store``'s clock."""
    staff = await find(session, caller, staff_id)
    staff_access.require_not_admin_target(caller, staff.role)
    zone = None
    if body.get("store") is not None:
        zone = (await _in_their_store(session, caller, staff, body["store"])).timezone
    start = schedules.instant(body.get("from"), "from", zone)
    end = schedules.instant(body.get("to"), "to", zone)
    reason = body.get("reason")
    if reason is not None:
        reason = validation.text(reason, "reason", max_length=200)
    return await schedules.add_time_off(
        session, staff, start, end, reason=reason, now=now, actor=actor(caller)
    )


async def remove_time_off(
    session: AsyncSession, caller: Principal, staff_id: object, time_off_id: object, now: datetime
) -> None:
    staff = await find(session, caller, staff_id)
    staff_access.require_not_admin_target(caller, staff.role)
    if not plausible_id(time_off_id):
        raise NotFound("no such time off", code="unknown_time_off")
    await schedules.remove_time_off(session, staff, time_off_id, now=now, actor=actor(caller))


async def deactivate(
    session: AsyncSession, caller: Principal, staff_id: object, now: datetime
) -> Staff:
    """Switched off: every session ends and any unused invitation link dies, in this
    transaction. Their open consoles and routing are the caller's next step."""
    staff = await find(session, caller, staff_id)
    staff_access.require_not_self(caller, staff.id, "deactivate")
    staff_access.require_whole_person(caller, staff.id, staff.role, store_ids(staff))
    was_active = staff.active
    staff.active = False
    sessions = await session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
    links = await session.execute(
        delete(StaffInvitation).where(
            StaffInvitation.staff_id == staff.id, StaffInvitation.used_at.is_(None)
        )
    )
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=caller.id,
        action="staff.deactivated",
        subject_type="staff",
        subject_id=staff.id,
        was_active=was_active,
        sessions_ended=getattr(sessions, "rowcount", None),
        invitations_withdrawn=getattr(links, "rowcount", None),
    )
    await session.flush()
    return staff


async def activate(
    session: AsyncSession, caller: Principal, staff_id: object, now: datetime
) -> Staff:
    """Switched on again; they sign in afresh (no session comes back)."""
    staff = await find(session, caller, staff_id)
    staff_access.require_whole_person(caller, staff.id, staff.role, store_ids(staff))
    if staff.password_hash == UNUSABLE_HASH:
        raise Conflict(
            "they have not accepted their invitation yet: send them a new one",
            code="invitation_pending",
        )
    if not staff.active:
        staff.active = True
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=caller.id,
            action="staff.activated",
            subject_type="staff",
            subject_id=staff.id,
        )
    await session.flush()
    return staff
