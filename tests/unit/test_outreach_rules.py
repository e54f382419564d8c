"""Which channel may reach a client first, for which purpose, and the reason when not:
the whole matrix of consent (granted, withdrawn, never) by purpose by channel, then the
address, the store's means of sending and the WeChat follower and window."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from hub.profiles.consent import ConsentState
from hub.profiles.outreach_rules import (
    CONSENT_CHANNEL,
    OUTREACH_CHANNELS,
    OUTREACH_PURPOSES,
    ChannelFacts,
    mask,
    verdict,
)

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


def ready(channel: str, **changes: object) -> ChannelFacts:
    base: dict[str, object] = {
        "channel": channel,
        "address": "someone",
        "verified": True,
        "store_ready": True,
        "following": True,
        "window_open": True,
    }
    base.update(changes)
    return ChannelFacts(**base)  # type: ignore[arg-type]


def state(channel: str, purpose: str, granted: bool, at: datetime = AT) -> dict:
    return {(CONSENT_CHANNEL[channel], purpose): ConsentState(granted, at, "console", "v1")}


@pytest.mark.parametrize(
    ("channel", "purpose", "consent"),
    list(
        itertools.product(OUTREACH_CHANNELS, OUTREACH_PURPOSES, ("granted", "withdrawn", "never"))
    ),
)
def test_the_ledger_decides_per_channel_and_purpose(
    channel: str, purpose: str, consent: str
) -> None:
    consents = {} if consent == "never" else state(channel, purpose, consent == "granted")
    found = verdict(ready(channel), purpose, consents)
    expected = {"granted": None, "withdrawn": "consent_withdrawn", "never": "no_consent"}[consent]
    assert found.available is (expected is None)
    assert (found.reason.code if found.reason else None) == expected
    if consent == "withdrawn":
        assert found.reason is not None and "2026-03-01" in found.reason.message
        assert found.reason.at == AT


@pytest.mark.parametrize("channel", OUTREACH_CHANNELS)
def test_a_grant_for_one_purpose_does_not_cover_the_other(channel: str) -> None:
    consents = state(channel, "service", True)
    assert verdict(ready(channel), "service", consents).available
    marketing = verdict(ready(channel), "marketing", consents)
    assert not marketing.available and marketing.reason and marketing.reason.code == "no_consent"


def test_a_grant_on_another_channel_does_not_count() -> None:
    consents = state("sms", "service", True)  # the phone ledger channel
    found = verdict(ready("email"), "service", consents)
    assert found.reason and found.reason.code == "no_consent"


def test_the_latest_entry_wins_withdrawn_after_a_grant() -> None:
    from hub.profiles.consent import ConsentEntry, current_state

    entries = [
        ConsentEntry("email", "marketing", True, "console", "v1", "staff", "x", AT),
        ConsentEntry("email", "marketing", False, "email_link", "v1", "customer", None, LATER),
    ]
    found = verdict(ready("email"), "marketing", current_state(entries))
    assert found.reason and found.reason.code == "consent_withdrawn"
    assert "2026-04-02" in found.reason.message


@pytest.mark.parametrize(
    ("channel", "facts", "code"),
    [
        ("email", {"erased": True}, "customer_erased"),
        ("email", {"address": None}, "no_address"),
        ("email", {"verified": False}, "address_unverified"),
        ("sms", {"verified": False}, "address_unverified"),
        ("email", {"store_ready": False}, "no_mailbox"),
        ("sms", {"store_ready": False}, "no_sms_number"),
        ("wechat", {"store_ready": False}, "no_wechat_account"),
        ("wechat", {"following": False}, "wechat_not_following"),
        ("wechat", {"window_open": False}, "wechat_window_closed"),
        ("wechat", {"following": False, "window_open": False}, "wechat_not_following"),
        # Erasure matters most; a missing address before any consent question.
        ("email", {"erased": True, "address": None, "verified": False}, "customer_erased"),
        ("sms", {"address": None, "store_ready": False}, "no_address"),
    ],
)
def test_why_a_consented_channel_is_still_unavailable(channel: str, facts: dict, code: str) -> None:
    found = verdict(ready(channel, **facts), "service", state(channel, "service", True))
    assert not found.available
    assert found.reason is not None and found.reason.code == code and found.reason.message


def test_email_and_sms_ignore_wechat_only_facts() -> None:
    for channel in ("email", "sms"):
        facts = ready(channel, following=False, window_open=False)
        assert verdict(facts, "marketing", state(channel, "marketing", True)).available


def test_no_consent_is_said_before_a_missing_mailbox() -> None:
    found = verdict(ready("email", store_ready=False), "service", {})
    assert found.reason and found.reason.code == "no_consent"


def test_unknown_channel_or_purpose_fails_loudly() -> None:
    with pytest.raises(ValueError):
        verdict(ready("email"), "partners", {})
    with pytest.raises(ValueError):
        verdict(ChannelFacts("post", "x", True, True), "service", {})


def test_addresses_are_masked_for_display() -> None:
    assert mask("email", "amelie.client@example.com") == "a•••@example.com"
    assert mask("sms", "+33612345678") == "+33•••78"
    assert mask("email", None) is None
    assert "612345" not in (mask("sms", "+33612345678") or "")
