"""Identity kinds and their normal forms: one spelling per identity, so one customer.

Pure: no I/O. E-mail is trimmed and lower-cased; phone numbers become E.164, read with the
store's country as the default region; channel ids are kept as given (trimmed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

EMAIL = "email"
PHONE = "phone"
WECHAT_OPENID = "wechat_openid"
WECHAT_UNIONID = "wechat_unionid"
VISITOR = "visitor"
POS_CUSTOMER_NO = "pos_customer_no"
EXTERNAL = "external"
KINDS = (EMAIL, PHONE, WECHAT_OPENID, WECHAT_UNIONID, VISITOR, POS_CUSTOMER_NO, EXTERNAL)

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-:.@]{1,128}$")


class InvalidIdentity(ValueError):
    """A value that cannot be an identity of its kind; the message says why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Identity:
    kind: str
    value: str
    verified: bool = False


def normalise_email(raw: str) -> str:
    value = raw.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidIdentity(EMAIL, f"{raw.strip()!r} is not an e-mail address")
    return value


def normalise_phone(raw: str, default_region: str | None = None) -> str:
    """E.164 (+33142965000); a national number needs the store's country as region."""
    try:
        number = phonenumbers.parse(raw.strip(), (default_region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidIdentity(PHONE, f"{raw.strip()!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentity(PHONE, f"{raw.strip()!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: str, raw: str, *, default_region: str | None = None) -> str:
    if kind not in KINDS:
        raise InvalidIdentity(kind, f"unknown identity kind {kind!r}")
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidIdentity(kind, f"{kind} is empty")
    if kind == EMAIL:
        return normalise_email(raw)
    if kind == PHONE:
        return normalise_phone(raw, default_region)
    value = raw.strip()
    if len(value) > 128:
        raise InvalidIdentity(kind, f"{kind} is longer than 128 characters")
    if not _TOKEN.match(value):
        raise InvalidIdentity(kind, f"{kind} {value[:40]!r} has characters an id cannot have")
    return value


def identity(kind: str, raw: str, *, verified: bool, default_region: str | None = None) -> Identity:
    return Identity(kind, normalise(kind, raw, default_region=default_region), verified)
