"""Proving an e-mail address with a link: the console asks, the customer clicks.

A shopper who types an address in a chat only claims it. An ambassador who can see the
customer may send a link to that address; opening it proves that whoever reads that
mailbox is this customer, so the identity becomes verified. If another profile already
holds the same address verified, the two now share a verified identity, which the merge
rules (``hub.profiles.merge.merge_reason``) treat as one person: they are merged.

The token is 32 random bytes, sent only in the link's URL fragment and stored only as its
SHA-256; it works once and for ``LINK_TTL``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, mail
from hub.customers import merge_profiles, visible_customer
from hub.db.jobs_models import EmailVerification
from hub.db.models import Customer, CustomerIdentity
from hub.errors import Conflict, InvalidInput, NotFound
from hub.i18n import N_, Texts, texts
from hub.profiles.identity import EMAIL
from hub.profiles.resolve import survivor
from hub.security.ratelimit import Limiter
from hub.security.tokens import token_digest
from hub.settings import Settings
from hub.shopper_texts import customer_language
from hub.staff import Principal

TOKEN_BYTES = 32
LINK_TTL = timedelta(days=7)
REF_KIND = "email_verification"
SUBJECT = N_("Please confirm your e-mail address")


@dataclass(frozen=True)
class Requested:
    verification_id: str
    mail_id: str  # to schedule once the transaction committed
    email: str
    expires_at: datetime


@dataclass(frozen=True)
class Confirmed:
    customer_id: str  # the profile that holds the verified address now
    email: str
    changed: tuple[str, ...]  # every profile a console may be showing, for customer_updated


def link(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/verify#{token}"


def _body(t: Texts, settings: Settings, staff_name: str, token: str) -> str:
    days = LINK_TTL.days
    return (
        "\n\n".join(
            [
                t.gettext("Hello,"),
                t.gettext(
                    "{ambassador}, your Concierge ambassador, asked us to confirm that this "
                    "e-mail address is yours, so that we recognise you whenever you write to us.",
                    ambassador=staff_name,
                ),
                t.gettext("To confirm it, please open this link:"),
                link(settings, token),
                t.ngettext(
                    "The link works once, within the next {count} day.",
                    "The link works once, within the next {count} days.",
                    days,
                ),
                t.gettext(
                    "If you have not been in touch with us, please ignore this e-mail: "
                    "nothing will change."
                ),
            ]
        )
        + "\n"
    )


async def request(
    session: AsyncSession,
    settings: Settings,
    limiter: Limiter,
    principal: Principal,
    customer_id: object,
    identity_id: object,
    now: datetime,
) -> Requested:
    """Store a token and its e-mail for one unverified address of a customer the caller sees."""
    customer = await visible_customer(session, principal, customer_id)
    identity = next((i for i in customer.identities if i.id == identity_id), None)
    if identity is None:
        raise NotFound("identity not found")
    if identity.kind != EMAIL:
        raise InvalidInput(
            "identity_id", "only an e-mail address can be verified by e-mail", code="not_email"
        )
    if identity.verified:
        raise Conflict("this e-mail address is already verified", code="already_verified")
    limiter.hit(f"verify-email:{identity.value}")  # nobody's mailbox gets flooded
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = EmailVerification(
        token_hash=token_digest(token),
        customer_id=customer.id,
        email=identity.value,
        requested_by_staff_id=principal.id,
        created_at=now,
        expires_at=now + LINK_TTL,
    )
    session.add(row)
    await session.flush()
    t = texts(await customer_language(session, customer.id))
    message = mail.compose(
        settings,
        to=identity.value,
        subject=t.gettext(SUBJECT),
        text=_body(t, settings, principal.name, token),
        now=now,
    )
    mail_id = await mail.enqueue(session, message, now=now, ref=(REF_KIND, row.id), sensitive=True)
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=principal.id,
        action="customer.verification_requested",
        subject_type="customer",
        subject_id=customer.id,
        kind=EMAIL,
        verification_id=row.id,
    )
    return Requested(
        verification_id=row.id, mail_id=mail_id, email=identity.value, expires_at=row.expires_at
    )


def _invalid(message: str, code: str) -> InvalidInput:
    return InvalidInput("token", message, code=code)


async def _use_token(session: AsyncSession, token: object, now: datetime) -> EmailVerification:
    """Mark the token used (once, atomically) or say clearly why it cannot be."""
    if not isinstance(token, str) or not 20 <= len(token) <= 128:
        raise _invalid("This link is not valid. Ask us for a new one.", "invalid_token")
    digest = token_digest(token)
    used = await session.execute(
        update(EmailVerification)
        .where(
            EmailVerification.token_hash == digest,
            EmailVerification.used_at.is_(None),
            EmailVerification.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    row = await session.scalar(
        select(EmailVerification)
        .where(EmailVerification.token_hash == digest)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise _invalid("This link is not valid. Ask us for a new one.", "invalid_token")
    if getattr(used, "rowcount", 0) == 1:
        return row
    if row.used_at is not None:
        raise _invalid(
            "This link was already used. If your address is not confirmed yet, ask us for a new"
            " one.",
            "token_used",
        )
    raise _invalid("This link has expired. Ask us for a new one.", "token_expired")


async def _verified_owner(session: AsyncSession, email: str, besides: str) -> Customer | None:
    owner_id = await session.scalar(
        select(CustomerIdentity.customer_id).where(
            CustomerIdentity.kind == EMAIL,
            CustomerIdentity.value == email,
            CustomerIdentity.verified.is_(True),
            CustomerIdentity.customer_id != besides,
        )
    )
    owner = await session.get(Customer, owner_id) if owner_id else None
    found = await survivor(session, owner) if owner is not None else None
    return found if found is not None and found.id != besides else None


async def confirm(session: AsyncSession, token: object, now: datetime) -> Confirmed:
    """The customer opened the link: verify the address, merging with its verified owner."""
    row = await _use_token(session, token, now)
    original = await session.get(Customer, row.customer_id)
    customer = await survivor(session, original) if original is not None else None
    identity = (
        next((i for i in customer.identities if (i.kind, i.value) == (EMAIL, row.email)), None)
        if customer is not None and customer.erased_at is None
        else None
    )
    if customer is None or identity is None:
        raise _invalid(
            "This address is no longer on file, so there is nothing to confirm.", "identity_gone"
        )
    changed = {row.customer_id, customer.id}
    already = identity.verified  # another link for the same address came first
    owner = None if already else await _verified_owner(session, row.email, customer.id)
    if owner is not None:
        changed.add(owner.id)
        customer = await _merge(session, customer, owner, identity, row.email, now)
    else:
        identity.verified = True
    audit.record(
        session,
        at=now,
        actor_kind="customer",
        actor_id=customer.id,
        action="customer.identity_verified",
        subject_type="customer",
        subject_id=customer.id,
        kind=EMAIL,
        via="email_link",
        verification_id=row.id,
        requested_by=row.requested_by_staff_id,
        merged_with=owner.id if owner is not None else None,
        already_verified=already or None,
    )
    await session.flush()
    return Confirmed(customer_id=customer.id, email=row.email, changed=tuple(sorted(changed)))


async def _merge(
    session: AsyncSession,
    customer: Customer,
    owner: Customer,
    claim: CustomerIdentity,
    email: str,
    now: datetime,
) -> Customer:
    """Merge the clicked profile with the one already holding the address verified.

    The claimed copy goes first: the owner's verified row moves over (or stays) in the
    merge, and two verified rows for one address never exist, not even mid-flush.
    """
    await session.delete(claim)
    await session.flush()
    await session.refresh(customer, ["identities"])
    keep, other = sorted((customer, owner), key=lambda c: (c.created_at, c.id))
    return await merge_profiles(
        session,
        ("customer", customer.id),
        keep,
        other,
        f"an e-mail link proved verified email {email}",
        now,
    )
