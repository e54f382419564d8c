"""Connecting a WeChat user to their client profile: WeChat proves the openid, a mailed code
proves the e-mail address, and the two proofs together make one person.

The flow, each step a function here (the HTTP side is ``adapters.wechat.link_routes``):

1. ``new_state`` / ``authorize_url``: our own start page sends the WeChat browser to
   WeChat's ``snsapi_base`` authorize page with a ``state`` that is an HMAC of the account,
   the time and a nonce kept in a cookie of that browser, so a code can come back only to
   the browser that asked for it (otherwise anyone could hand a victim a link finishing
   *their own* OAuth, and have the victim's e-mail connect the attacker's WeChat).
2. ``start``: the OAuth code becomes the openid; a ``WechatLink`` is stored with the SHA-256
   of a fresh browser token (the raw token lives only in an HttpOnly cookie).
3. ``send_code``: a 6-digit code goes to the address the user typed, through the mail
   outbox (``sensitive``: the body is dropped once delivered).
4. ``confirm``: the right code makes the e-mail a verified identity; the profiles holding
   the openid and the e-mail (if any) are merged by the profile rules, in one transaction.

Phone numbers are refused for now: the hub has no SMS provider yet (issue #9).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.wechat.account import WechatAccount
from adapters.wechat.api import WechatApiError
from adapters.wechat.link_mail import code_mail
from hub import audit, change_feed, mail
from hub.customers import merge_profiles
from hub.db.channel_models import WechatAccountRow, WechatLink, WechatUser
from hub.db.engine import Database
from hub.db.jobs_models import MailOutbox
from hub.db.models import Customer
from hub.errors import Conflict, Gone, HubError, InvalidInput, RateLimited
from hub.i18n import texts
from hub.jobs.kind import Jobs
from hub.profiles.identity import (
    EMAIL,
    WECHAT_OPENID,
    WECHAT_UNIONID,
    Identity,
    InvalidIdentity,
    normalise,
    normalise_email,
)
from hub.profiles.resolve import resolve_customer, verified_owners
from hub.security.ratelimit import Limiter
from hub.security.tokens import token_digest
from hub.settings import Settings

log = logging.getLogger("adapters.wechat")

TOKEN_BYTES = 32
LINK_TTL = timedelta(minutes=30)
RESEND_AFTER = timedelta(minutes=1)
MAX_CODES = 5
MAX_ATTEMPTS = 5
CODE_DIGITS = 6
REF_KIND = "wechat_link"
# WeChat allows only letters and digits in ``state``: issued seconds, "x", hex HMAC.
_OAUTH_CODE = re.compile(r"^[A-Za-z0-9_\-]{1,128}$", re.ASCII)
_CODE = re.compile(r"^[0-9]{6}$", re.ASCII)
_PHONE_LIKE = re.compile(r"^\+?[0-9][0-9 ().\-]{5,}$", re.ASCII)
PHONE_LATER = (
    "Codes by text message are not available yet, so a phone number cannot be used. "
    "Please enter your e-mail address."
)


class OpenIdSource(Protocol):
    """The one call ``start`` needs (``adapters.wechat.api.WechatApi`` in the app)."""

    async def oauth_openid(self, code: str) -> str: ...


class WechatUnavailable(HubError):
    """WeChat did not answer usably; trying again later may work."""

    status = 503
    code = "wechat_unavailable"


class TooSoon(RateLimited):
    """A code was sent less than a minute ago; says when the next one may go."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(retry_after)
        self.code = "code_recently_sent"
        self.message = "We have just sent you a code. Wait a minute before asking for another."


@dataclass(frozen=True)
class CodeSent:
    link_id: str
    email: str
    mail_id: str
    resend_at: datetime
    expires_at: datetime
    codes_left: int


@dataclass(frozen=True)
class Linked:
    customer_id: str  # the profile that holds the WeChat user and the e-mail now
    email: str
    merged: tuple[str, ...]  # profiles absorbed into it


@dataclass(frozen=True)
class LinkState:
    step: str  # "email" (no code sent yet), "code" (waiting for it), "done"
    email: str | None
    expires_at: datetime
    resend_at: datetime | None
    attempts_left: int


# -- Step 2: the OAuth code becomes a link ----------------------------------------------


async def start(
    db: Database, api: OpenIdSource, account: WechatAccount, code: object, now: datetime
) -> tuple[str, str]:
    """The openid behind ``code`` gets a new link; returns (browser token, link id).

    A code WeChat refuses (invalid, or used already: each works once) stores nothing.
    """
    if not isinstance(code, str) or not _OAUTH_CODE.match(code):
        raise _bad_code()
    try:
        openid = normalise(WECHAT_OPENID, await api.oauth_openid(code))
    except WechatApiError as error:
        if error.retryable:
            log.warning("wechat oauth failed", extra={"fields": {"errcode": error.errcode}})
            raise WechatUnavailable(
                "WeChat is not answering right now. Please try again in a few minutes."
            ) from None
        raise _bad_code() from None
    except InvalidIdentity:
        raise WechatUnavailable("WeChat gave an unexpected answer. Please try again.") from None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    async with db.transaction() as session:
        # This user's unfinished, expired links are of no use to anyone any more.
        await session.execute(
            delete(WechatLink).where(
                WechatLink.openid == openid,
                WechatLink.completed_at.is_(None),
                WechatLink.expires_at <= now,
            )
        )
        link = WechatLink(
            account_id=account.id,
            openid=openid,
            token_hash=token_digest(token),
            attempts=0,
            expires_at=now + LINK_TTL,
            created_at=now,
        )
        session.add(link)
        await session.flush()
        link_id = link.id
    log.info("wechat link started", extra={"fields": {"link_id": link_id}})
    return token, link_id


def _bad_code() -> InvalidInput:
    return InvalidInput(
        "code",
        "WeChat did not accept this sign-in (it may have been used already). "
        "Open the link again from the WeChat chat.",
        code="invalid_oauth_code",
    )


# -- Step 3: a code to the e-mail address -----------------------------------------------


def email_address(raw: object) -> str:
    """The address as stored; a phone number gets its own answer (no SMS provider yet)."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("email", "Enter your e-mail address.", code="email_required")
    text = raw.strip()
    if "@" not in text and _PHONE_LIKE.match(text):
        raise InvalidInput("email", PHONE_LATER, code="phone_not_supported")
    try:
        return normalise_email(text)
    except InvalidIdentity:
        raise InvalidInput(
            "email", "This is not an e-mail address. Please check it.", code="invalid_email"
        ) from None


async def send_code(
    db: Database,
    jobs: Jobs,
    settings: Settings,
    token: object,
    email: object,
    now: datetime,
    *,
    limiter: Limiter | None = None,
    language: str | None = None,
) -> CodeSent:
    """Mail a fresh code to ``email`` for a live link (the previous code stops working),
    written in ``language`` (the page's).

    At most one code a minute and ``MAX_CODES`` per link; ``limiter`` (per address) keeps
    one mailbox from being flooded through many links.
    """
    address = email_address(email)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    async with db.transaction() as session:
        link = await _live_link(session, token, now)
        sent = int(
            await session.scalar(
                select(func.count())
                .select_from(MailOutbox)
                .where(MailOutbox.ref_kind == REF_KIND, MailOutbox.ref_id == link.id)
            )
            or 0
        )
        if sent >= MAX_CODES:
            raise Gone(
                f"We have sent {MAX_CODES} codes for this link already. Use the last one, "
                "or open the link again from the WeChat chat.",
                code="too_many_codes",
            )
        # Claimed atomically: of two requests in the same minute, one sends.
        claimed = await session.execute(
            update(WechatLink)
            .where(
                WechatLink.id == link.id,
                (WechatLink.code_sent_at.is_(None))
                | (WechatLink.code_sent_at <= now - RESEND_AFTER),
            )
            .values(code_sent_at=now, email=address, code_hash=_code_digest(link.id, address, code))
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            last = link.code_sent_at or now
            raise TooSoon(max(1.0, (last + RESEND_AFTER - now).total_seconds()))
        if limiter is not None:
            limiter.hit(f"wechat-link-mail:{address}")
        subject, text = code_mail(texts(language), code, link.expires_at - now)
        message = mail.compose(settings, to=address, subject=subject, text=text, now=now)
        mail_id = await mail.enqueue(
            session, message, now=now, ref=(REF_KIND, link.id), sensitive=True
        )
        audit.record(
            session,
            at=now,
            actor_kind="customer",  # whoever holds the WeChat; a profile only once linked
            actor_id=None,
            action="wechat_link.code_sent",
            subject_type="wechat_link",
            subject_id=link.id,
            email=address,
        )
        result = CodeSent(
            link_id=link.id,
            email=address,
            mail_id=mail_id,
            resend_at=now + RESEND_AFTER,
            expires_at=link.expires_at,
            codes_left=MAX_CODES - sent - 1,
        )
    await mail.schedule(jobs, mail_id)
    return result


def _code_digest(link_id: str, email: str, code: str) -> str:
    """Bound to the link and the address, so a code proves only what it was sent for."""
    return hashlib.sha256(f"{link_id}:{email}:{code}".encode()).hexdigest()


# -- Step 4: the code comes back ----------------------------------------------------------


async def confirm(db: Database, token: object, code: object, now: datetime) -> Linked:
    """Check the code (``MAX_ATTEMPTS`` wrong ones kill the link); link on the right one."""
    if not isinstance(code, str) or not _CODE.match(code.replace(" ", "")):
        raise InvalidInput("code", "The code is the 6 digits from the e-mail.", code="invalid_code")
    code = code.replace(" ", "")
    linked: Linked | None = None
    async with db.transaction() as session:
        link = await _live_link(session, token, now)
        if link.code_hash is None or link.email is None:
            raise Conflict("Ask for a code first: enter your e-mail address.", code="no_code_sent")
        # Counted before comparing, atomically, so parallel guesses share the budget.
        counted = await session.execute(
            update(WechatLink)
            .where(
                WechatLink.id == link.id,
                WechatLink.completed_at.is_(None),
                WechatLink.attempts < MAX_ATTEMPTS,
            )
            .values(attempts=WechatLink.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(link)
        if getattr(counted, "rowcount", 0) != 1:
            _check_live(link, now)  # another request completed or used up the link
            raise _locked()
        if link.code_hash is not None and link.email is not None:
            expected = _code_digest(link.id, link.email, code)
            if hmac.compare_digest(link.code_hash.encode(), expected.encode()):
                linked = await _complete(session, link, now)
        attempts = link.attempts
    if linked is not None:
        log.info("wechat link completed", extra={"fields": {"link_id": link.id}})
        return linked
    left = MAX_ATTEMPTS - attempts
    if left <= 0:
        raise _locked()
    raise InvalidInput(
        "code",
        f"This code is not right. {left} {'try' if left == 1 else 'tries'} left.",
        code="wrong_code",
    )


def _locked() -> Gone:
    return Gone(
        "Too many wrong codes: this link no longer works. Open the link again from the WeChat"
        " chat to start over.",
        code="too_many_attempts",
    )


async def _complete(session: AsyncSession, link: WechatLink, now: datetime) -> Linked:
    """Both proofs are in: one profile holds the openid and the verified e-mail.

    The profiles that own any of them (verified) are one person now and are merged by the
    profile rules (the older survives); none owning any: a new profile holds them.
    """
    assert link.email is not None
    email = link.email
    user = await session.scalar(select(WechatUser).where(WechatUser.openid == link.openid))
    identities = [Identity(WECHAT_OPENID, link.openid, verified=True)]
    if user is not None and user.unionid:
        identities.append(Identity(WECHAT_UNIONID, user.unionid, verified=True))
    identities.append(Identity(EMAIL, email, verified=True))
    owners = await verified_owners(session, identities)
    merged: list[str] = []
    if len(owners) > 1:
        keep = await _merge_owners(session, owners, link, now)
        merged = [o.id for o in owners if o.id != keep.id]
    store_id = await session.scalar(
        select(WechatAccountRow.store_id).where(WechatAccountRow.id == link.account_id)
    )
    customer = await resolve_customer(
        session,
        identities=identities,
        display_name=user.nickname if user is not None else None,
        home_store_id=store_id,
        now=now,
    )
    if user is not None:
        user.customer_id = customer.id
        user.updated_at = now
    link.completed_at = now
    link.customer_id = customer.id
    audit.record(
        session,
        at=now,
        actor_kind="customer",
        actor_id=customer.id,
        action="customer.wechat_linked",
        subject_type="customer",
        subject_id=customer.id,
        kind=EMAIL,
        via="wechat_link",
        link_id=link.id,
        wechat_account_id=link.account_id,
        merged=merged or None,
    )
    for customer_id in dict.fromkeys((customer.id, *merged)):
        await change_feed.record(session, change_feed.CUSTOMER, customer_id, at=now)
    await session.flush()
    return Linked(customer_id=customer.id, email=email, merged=tuple(merged))


async def _merge_owners(
    session: AsyncSession, owners: list[Customer], link: WechatLink, now: datetime
) -> Customer:
    """Merge into the oldest; the address' mere claims go first, so the merge's reason
    is the proof, not "claimed email" (the verified copy moves over in the merge)."""
    for owner in owners:
        claims = [
            i
            for i in owner.identities
            if (i.kind, i.value) == (EMAIL, link.email) and not i.verified
        ]
        for claim in claims:
            await session.delete(claim)
        if claims:
            await session.flush()
            await session.refresh(owner, ["identities"])
    reason = f"a WeChat link proved wechat_openid {link.openid} and verified email {link.email}"
    keep = owners[0]
    for other in owners[1:]:
        keep = await merge_profiles(session, ("customer", keep.id), keep, other, reason, now)
    return keep


# -- Reading and checking a link --------------------------------------------------------


async def status(db: Database, token: object, now: datetime) -> LinkState:
    """Where the browser's link stands, so the page resumes at the right step."""
    async with db.reading() as session:
        link = await _link(session, token)
    if link.completed_at is None:
        _check_live(link, now)
    step = "done" if link.completed_at else ("code" if link.code_hash else "email")
    return LinkState(
        step=step,
        email=link.email,
        expires_at=link.expires_at,
        resend_at=link.code_sent_at + RESEND_AFTER if link.code_sent_at else None,
        attempts_left=max(0, MAX_ATTEMPTS - link.attempts),
    )


async def _link(session: AsyncSession, token: object) -> WechatLink:
    if not isinstance(token, str) or not 20 <= len(token) <= 128:
        raise _no_link()
    link = await session.scalar(
        select(WechatLink)
        .where(WechatLink.token_hash == token_digest(token))
        .execution_options(populate_existing=True)
    )
    if link is None:
        raise _no_link()
    return link


async def _live_link(session: AsyncSession, token: object, now: datetime) -> WechatLink:
    link = await _link(session, token)
    _check_live(link, now)
    return link


def _check_live(link: WechatLink, now: datetime) -> None:
    if link.completed_at is not None:
        raise Conflict("Your WeChat is already connected to your profile.", code="link_completed")
    if link.attempts >= MAX_ATTEMPTS:
        raise _locked()
    if link.expires_at <= now:
        raise Gone(
            "This link has expired. Open the link again from the WeChat chat.",
            code="link_expired",
        )


def _no_link() -> InvalidInput:
    return InvalidInput(
        "link",
        "There is no WeChat connection in progress here. Open the link from the WeChat chat, "
        "in WeChat.",
        code="no_link",
    )
