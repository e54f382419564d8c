"""What a shopper tells us about themselves in a form: the web chat's "about you" form,
the contact form.

Everything here is a claim. The e-mail address and phone number become unverified
identities on the shopper's own profile (never a key to someone else's); the boxes they
tick become consent-ledger entries (sourced by the form) under the policy in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub import validation
from hub.errors import InvalidInput
from hub.profiles.consent import MARKETING, ConsentEntry
from hub.profiles.identity import EMAIL, PHONE, Identity, InvalidIdentity, identity

FIELDS = frozenset({"name", "email", "phone", "marketing"})


@dataclass(frozen=True)
class ContactDetails:
    name: str | None = None
    claims: tuple[Identity, ...] = ()
    consents: tuple[ConsentEntry, ...] = ()


def _claim(kind: str, raw: Any, country: str | None, prefix: str) -> Identity | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        raise InvalidInput(f"{prefix}{kind}", f"{kind} must be text")
    try:
        return identity(kind, raw, verified=False, default_region=country)
    except InvalidIdentity as exc:
        raise InvalidInput(f"{prefix}{kind}", str(exc)) from None


def parse_contact(
    data: Any,
    *,
    country: str | None,
    now: datetime,
    policy_version: str,
    source: str = "chat_form",
    prefix: str = "contact.",
) -> ContactDetails:
    """The form's ``{name?, email?, phone?, marketing?: {email?, phone?}}``, checked; an
    error names the field as ``<prefix><field>``."""
    if data is None:
        return ContactDetails()
    if not isinstance(data, dict) or not set(data) <= FIELDS:
        raise InvalidInput(prefix.rstrip(".") or "body", "takes name, email, phone and marketing")
    name = (
        None if data.get("name") in (None, "") else validation.name(data["name"], f"{prefix}name")
    )
    claims = {kind: _claim(kind, data.get(kind), country, prefix) for kind in (EMAIL, PHONE)}
    marketing = data.get("marketing") or {}
    if not isinstance(marketing, dict) or not set(marketing) <= {EMAIL, PHONE}:
        raise InvalidInput(f"{prefix}marketing", "marketing takes email and phone")
    consents = []
    for channel, granted in sorted(marketing.items()):
        if not isinstance(granted, bool):
            raise InvalidInput(f"{prefix}marketing.{channel}", "must be true or false")
        if not granted:
            continue  # an unticked box is no answer, not a withdrawal
        if claims[channel] is None:
            raise InvalidInput(
                f"{prefix}marketing.{channel}", f"give your {channel} to receive news by {channel}"
            )
        consents.append(
            ConsentEntry(
                channel=channel,
                purpose=MARKETING,
                granted=True,
                source=source,
                policy_version=policy_version,
                actor_kind="customer",
                actor_id=None,
                at=now,
            )
        )
    return ContactDetails(
        name=name,
        claims=tuple(claim for claim in claims.values() if claim is not None),
        consents=tuple(consents),
    )
