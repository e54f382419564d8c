"""Inviting a colleague by e-mail: a one-time link with which they choose their password.

The invitation creates their account switched off and without a usable password. The
link is ``HUB_PUBLIC_URL/invite#<token>``: the token sits in the URL fragment, which no
browser sends to a server, so no access log ever holds it; it is 256 random bits, stored
only as its SHA-256, and works once (a conditional UPDATE takes it, so two simultaneous
uses cannot both succeed) within ``HUB_INVITATION_HOURS`` (72 by default). Inviting the
same address again replaces the pending invitation: the older link stops working.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, mail, staff_access, validation
from hub.db.models import Staff, StaffStore, Store
from hub.db.staff_models import StaffInvitation
from hub.errors import Conflict, NotFound
from hub.i18n import N_, Texts, choose, texts
from hub.security.tokens import token_digest
from hub.settings import Settings
from hub.staff import UNUSABLE_HASH, Principal, open_session, principal_of, skill_list
from hub.staff_admin import stores_named
from hub.staff_payloads import status, store_ids

TOKEN_BYTES = 32
REF_KIND = "staff_invitation"
DEFAULT_CAPACITY = 3
ROLE_NAMES = {
    "ambassador": N_("Ambassador"),
    "manager": N_("Manager"),
    "admin": N_("Administrator"),
}
SUBJECT = N_("Your invitation to join {stores} on Concierge")
FIELDS = frozenset({"email", "name", "role", "stores", "languages", "skills", "capacity"})


@dataclass(frozen=True)
class Invited:
    staff: Staff
    mail_id: str  # to schedule once the transaction committed
    expires_at: datetime
    replaced: bool  # an earlier link for the same person stopped working


def link(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/invite#{token}"


def _body(
    t: Texts, settings: Settings, *, name: str, inviter: str, stores: str, role: str, token: str
) -> str:
    hours = round(settings.invitation_hours)
    return (
        "\n\n".join(
            [
                t.gettext("Hello {name},", name=name),
                t.gettext(
                    "{inviter} has invited you to join the Concierge team of {stores}.",
                    inviter=inviter,
                    stores=stores,
                ),
                t.gettext("Your role: {role}.", role=t.gettext(ROLE_NAMES[role])),
                t.gettext("To choose your password and sign in, please open this link:"),
                link(settings, token),
                t.ngettext(
                    "The link works once, within the next {count} hour.",
                    "The link works once, within the next {count} hours.",
                    hours,
                ),
                t.gettext(
                    "If you were not expecting this invitation, please ignore this e-mail: "
                    "no account will be opened."
                ),
            ]
        )
        + "\n"
    )


async def _existing(session: AsyncSession, caller: Principal, email: str) -> Staff | None:
    """Someone already invited (not yet joined) whom the caller may invite again."""
    staff = await session.scalar(select(Staff).where(Staff.email == email))
    if staff is None:
        return None
    if staff.active:
        raise Conflict(f"{email} is already on the staff", code="staff_exists")
    if status(staff) == "deactivated":
        raise Conflict(
            f"{email} was deactivated: activate their account instead", code="staff_deactivated"
        )
    if not staff_access.can_see(caller, store_ids(staff)):
        raise Conflict(f"{email} was already invited by another store", code="staff_exists")
    staff_access.require_not_admin_target(caller, staff.role)
    return staff


async def invite(
    session: AsyncSession,
    settings: Settings,
    caller: Principal,
    body: dict[str, Any],
    now: datetime,
) -> Invited:
    """Create (or refresh) the switched-off account and e-mail its one-time link."""
    staff_access.require_manager(caller)
    email = validation.staff_email(body.get("email"))
    name = validation.name(body.get("name"))
    role = validation.role(body.get("role", "ambassador"))
    languages = validation.languages(body.get("languages"))
    skills = list(skill_list(body.get("skills")))
    capacity = validation.capacity(body.get("capacity", DEFAULT_CAPACITY))
    staff_access.require_role_grant(caller, role)
    stores = await stores_named(session, body.get("stores"))
    staff_access.require_store_grant(caller, [(s.id, s.code) for s in stores])
    staff = await _existing(session, caller, email)
    replaced = staff is not None
    if staff is None:
        staff = Staff(email=email, password_hash=UNUSABLE_HASH, active=False, created_at=now)
        session.add(staff)
    else:
        await session.execute(
            delete(StaffInvitation).where(
                StaffInvitation.staff_id == staff.id, StaffInvitation.used_at.is_(None)
            )
        )
    staff.name, staff.role, staff.languages = name, role, languages
    staff.skills, staff.capacity = skills, capacity
    kept = [link for link in staff.store_links if link.store_id in {s.id for s in stores}]
    staff.store_links = kept + [
        StaffStore(store_id=s.id, store=s) for s in stores if s.id not in store_ids(staff)
    ]
    await session.flush()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = StaffInvitation(
        staff_id=staff.id,
        token_hash=token_digest(token),
        created_by=caller.id,
        created_at=now,
        expires_at=now + timedelta(hours=settings.invitation_hours),
    )
    session.add(invitation)
    await session.flush()
    mail_id = await _send(session, settings, caller, staff, stores, token, invitation, now)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=caller.id,
        action="staff.invited",
        subject_type="staff",
        subject_id=staff.id,
        email=email,
        role=role,
        stores=sorted(s.code for s in stores),
        replaced=replaced,
        invitation_id=invitation.id,
    )
    return Invited(
        staff=staff, mail_id=mail_id, expires_at=invitation.expires_at, replaced=replaced
    )


async def _send(
    session: AsyncSession,
    settings: Settings,
    caller: Principal,
    staff: Staff,
    stores: list[Store],
    token: str,
    invitation: StaffInvitation,
    now: datetime,
) -> str:
    """In the first language the newcomer speaks that the hub writes, else their store's."""
    language = choose(store_languages=[*staff.languages, *stores[0].languages])
    t = texts(language)
    names = ", ".join(store.name for store in sorted(stores, key=lambda s: s.code))
    message = mail.compose(
        settings,
        to=staff.email,
        subject=t.gettext(SUBJECT, stores=names),
        text=_body(
            t,
            settings,
            name=staff.name,
            inviter=caller.name,
            stores=names,
            role=staff.role,
            token=token,
        ),
        now=now,
    )
    return await mail.enqueue(
        session, message, now=now, ref=(REF_KIND, invitation.id), sensitive=True
    )


def _not_found() -> NotFound:
    return NotFound(
        "this invitation link does not work any more: ask your manager for a new one",
        code="invitation_not_found",
    )


def check_shape(token: object) -> str:
    """A string that could be a link's token; anything else is not found, unhashed."""
    if not isinstance(token, str) or not 20 <= len(token) <= 128:
        raise _not_found()
    return token


def _digest(token: object) -> str:
    return token_digest(check_shape(token))


async def lookup(session: AsyncSession, token: object, now: datetime) -> dict[str, Any]:
    """Whom a still valid link invites, for the page to greet them."""
    invitation = await session.scalar(
        select(StaffInvitation).where(
            StaffInvitation.token_hash == _digest(token),
            StaffInvitation.used_at.is_(None),
            StaffInvitation.expires_at > now,
        )
    )
    staff = await session.get(Staff, invitation.staff_id) if invitation is not None else None
    if staff is None:
        raise _not_found()
    return {
        "email": staff.email,
        "name": staff.name,
        "stores": [
            {"code": link.store.code, "name": link.store.name}
            for link in sorted(staff.store_links, key=lambda link: link.store.code)
        ],
    }


async def accept(
    session: AsyncSession, token: object, password_hash: str, now: datetime, ttl: timedelta
) -> tuple[str, Principal]:
    """Use the link (once), set the password, switch the account on and sign them in."""
    digest = _digest(token)
    taken = await session.execute(
        update(StaffInvitation)
        .where(
            StaffInvitation.token_hash == digest,
            StaffInvitation.used_at.is_(None),
            StaffInvitation.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise _not_found()
    invitation = await session.scalar(
        select(StaffInvitation).where(StaffInvitation.token_hash == digest)
    )
    staff = await session.get(Staff, invitation.staff_id) if invitation is not None else None
    if invitation is None or staff is None:
        raise _not_found()
    staff.password_hash = password_hash
    staff.active = True
    session_token = open_session(session, staff, now=now, ttl=ttl)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=staff.id,
        action="staff.invitation_accepted",
        subject_type="staff",
        subject_id=staff.id,
        invitation_id=invitation.id,
    )
    await session.flush()
    return session_token, principal_of(staff)
