"""Which channel an ambassador may use to reach a client first, and if not, why not.

Pure: the facts about one channel in, a verdict out. Reaching out is proactive, so the
consent ledger needs a current grant for exactly that channel and purpose
(``consent.may_contact(..., proactive=True)``): a service follow-up ("your ring is ready")
and a marketing invitation ("the new collection") are separate agreements. The reasons
are written for the ambassador who reads them in the console, and their codes let the
console say them in its own language.

Checks run from what the ambassador can do least about (the client was erased) to most
(the WeChat window reopens when the client writes), so the reason shown is the one that
matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.profiles.consent import ConsentMap, may_contact

# Outreach channels, and the consent ledger's channel that governs each.
CONSENT_CHANNEL = {"email": "email", "sms": "phone", "wechat": "wechat"}
OUTREACH_CHANNELS = tuple(CONSENT_CHANNEL)
OUTREACH_PURPOSES = ("service", "marketing")

_WORDS = {"email": "e-mail", "sms": "text message", "wechat": "WeChat"}
_STORE_MISSING = {
    "email": ("no_mailbox", "This boutique has no mailbox to write from yet."),
    "sms": ("no_sms_number", "This boutique has no number to send text messages from."),
    "wechat": ("no_wechat_account", "This boutique has no WeChat Official Account."),
}


@dataclass(frozen=True)
class Reason:
    """Why a channel cannot be used; ``at`` dates a withdrawal."""

    code: str
    message: str
    at: datetime | None = None


@dataclass(frozen=True)
class ChannelFacts:
    """What the hub knows about one channel for one client at one store."""

    channel: str
    address: str | None  # the best address: a verified one if there is one
    verified: bool
    store_ready: bool  # a mailbox, an SMS number, a WeChat account
    erased: bool = False
    # WeChat only: the follower is known and follows; their 48-hour window is open.
    following: bool = False
    window_open: bool = False


@dataclass(frozen=True)
class Verdict:
    channel: str
    available: bool
    reason: Reason | None


def _consent_reason(consents: ConsentMap, channel: str, purpose: str) -> Reason | None:
    ledger_channel = CONSENT_CHANNEL[channel]
    if may_contact(consents, ledger_channel, purpose, proactive=True):
        return None
    current = consents.get((ledger_channel, purpose))
    words = _WORDS[channel]
    if current is not None and not current.granted:
        return Reason(
            "consent_withdrawn",
            f"The client withdrew consent to {purpose} messages by {words} "
            f"on {current.at.date().isoformat()}.",
            current.at,
        )
    return Reason(
        "no_consent", f"The client has not agreed to receive {purpose} messages by {words}."
    )


def _wechat_reason(facts: ChannelFacts) -> Reason | None:
    if not facts.following:
        return Reason(
            "wechat_not_following", "The client does not follow the boutique's WeChat account."
        )
    if not facts.window_open:
        return Reason(
            "wechat_window_closed",
            "WeChat delivers a message only within 48 hours of the client's last message, "
            "and there is no template for a personal message: wait until they write, "
            "or use another channel.",
        )
    return None


def verdict(facts: ChannelFacts, purpose: str, consents: ConsentMap) -> Verdict:
    """May the ambassador write to the client on ``facts.channel`` for ``purpose`` now?"""
    if facts.channel not in CONSENT_CHANNEL:
        raise ValueError(f"unknown outreach channel {facts.channel!r}")
    if purpose not in OUTREACH_PURPOSES:
        raise ValueError(f"unknown outreach purpose {purpose!r}")
    reason = _reason(facts, purpose, consents)
    return Verdict(facts.channel, reason is None, reason)


def _reason(facts: ChannelFacts, purpose: str, consents: ConsentMap) -> Reason | None:
    words = _WORDS[facts.channel]
    if facts.erased:
        return Reason("customer_erased", "This client's data was erased; they cannot be contacted.")
    if facts.address is None:
        return Reason("no_address", f"There is no {words} address for this client.")
    if not facts.verified:
        return Reason(
            "address_unverified",
            f"The client's {words} address is not verified yet: it was typed, never proven.",
        )
    consent = _consent_reason(consents, facts.channel, purpose)
    if consent is not None:
        return consent
    if not facts.store_ready:
        code, message = _STORE_MISSING[facts.channel]
        return Reason(code, message)
    if facts.channel == "wechat":
        return _wechat_reason(facts)
    return None


def mask(channel: str, address: str | None) -> str | None:
    """The address as the console shows it: enough to recognise, not to copy."""
    if address is None:
        return None
    if channel == "email":
        local, _, domain = address.partition("@")
        return f"{local[:1]}•••@{domain}" if domain else "•••"
    if channel == "sms":
        digits = address.lstrip("+")
        return f"+{digits[:2]}•••{digits[-2:]}" if len(digits) > 4 else "•••"
    return "WeChat"
