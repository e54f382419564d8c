"""The consent ledger's rules: valid entries, the state they add up to, who may be contacted."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from hub.profiles.consent import (
    CHANNELS,
    PURPOSES,
    SOURCES,
    ConsentEntry,
    ConsentState,
    InvalidConsent,
    as_payload,
    current_state,
    may_contact,
    validate_entry,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def entry(
    channel: str = "email",
    purpose: str = "marketing",
    granted: bool = True,
    *,
    at: datetime = T0,
    source: str = "chat_form",
    policy_version: str = "2026-01",
) -> ConsentEntry:
    return ConsentEntry(
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        policy_version=policy_version,
        actor_kind="customer",
        actor_id=None,
        at=at,
    )


def test_vocabularies() -> None:
    assert CHANNELS == ("email", "phone", "wechat", "post")
    assert PURPOSES == ("service", "marketing", "personalisation", "partners")
    assert SOURCES == (
        "chat_form",
        "contact_form",
        "booking_form",
        "console",
        "import",
        "email_link",
        "api",
    )


def test_a_valid_entry_passes_trimmed() -> None:
    given = replace(entry(), policy_version=" 2026-01 ", actor_kind="staff", actor_id=" s1 ")
    checked = validate_entry(given)
    assert checked == replace(given, policy_version="2026-01", actor_kind="staff", actor_id="s1")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_channel_and_purpose_is_accepted(channel: str, purpose: str) -> None:
    assert validate_entry(entry(channel, purpose)).channel == channel


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"channel": "sms"}, "channel", "channel must be one of email, phone, wechat, post"),
        ({"channel": "Email"}, "channel", "got 'Email'"),
        ({"channel": "webchat"}, "channel", "channel must be one of"),
        ({"purpose": "newsletter"}, "purpose", "purpose must be one of service, marketing"),
        (
            {"source": "wechat"},
            "source",
            "source must be one of chat_form, contact_form, booking_form",
        ),
        ({"source": None}, "source", "source must be one of"),
        ({"policy_version": ""}, "policy_version", "policy_version must not be empty"),
        ({"policy_version": "   "}, "policy_version", "policy_version must not be empty"),
        ({"policy_version": None}, "policy_version", "policy_version must not be empty"),
        ({"policy_version": "v" * 33}, "policy_version", "longer than 32"),
        ({"granted": "yes"}, "granted", "granted must be true or false"),
        ({"granted": 1}, "granted", "granted must be true or false"),
        ({"actor_kind": ""}, "actor_kind", "actor_kind must not be empty"),
        ({"actor_id": ""}, "actor_id", "actor_id must not be empty"),
        ({"at": datetime(2026, 3, 1, 9, 0)}, "at", "timezone-aware"),
        ({"at": "2026-03-01"}, "at", "timezone-aware"),
    ],
)
def test_invalid_entries_name_the_field(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidConsent, match=message) as caught:
        validate_entry(replace(entry(), **changes))
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_the_latest_entry_per_channel_and_purpose_wins() -> None:
    ledger = [
        entry("email", "marketing", True, at=T0),
        entry("email", "marketing", False, at=T0 + timedelta(days=2), source="email_link"),
        entry("phone", "marketing", True, at=T0 + timedelta(days=1)),
        entry("email", "service", True, at=T0),
    ]
    state = current_state(ledger)
    assert state == {
        ("email", "marketing"): ConsentState(
            False, T0 + timedelta(days=2), "email_link", "2026-01"
        ),
        ("phone", "marketing"): ConsentState(True, T0 + timedelta(days=1), "chat_form", "2026-01"),
        ("email", "service"): ConsentState(True, T0, "chat_form", "2026-01"),
    }


def test_the_order_given_does_not_matter_when_times_differ() -> None:
    older = entry(granted=True, at=T0)
    newer = entry(granted=False, at=T0 + timedelta(seconds=1))
    assert current_state([older, newer]) == current_state([newer, older])
    assert not current_state([newer, older])[("email", "marketing")].granted


def test_ties_are_broken_by_the_order_given() -> None:
    grant, withdraw = entry(granted=True), entry(granted=False)
    assert not current_state([grant, withdraw])[("email", "marketing")].granted
    assert current_state([withdraw, grant])[("email", "marketing")].granted


def test_times_in_other_zones_compare_as_instants() -> None:
    tokyo = timezone(timedelta(hours=9))
    withdrawn_in_paris = entry(granted=False, at=datetime(2026, 3, 1, 10, 30, tzinfo=UTC))
    granted_earlier_in_tokyo = entry(granted=True, at=datetime(2026, 3, 1, 19, 0, tzinfo=tokyo))
    state = current_state([withdrawn_in_paris, granted_earlier_in_tokyo])
    assert not state[("email", "marketing")].granted


def test_an_empty_ledger_has_no_state() -> None:
    assert current_state([]) == {}
    assert current_state(iter([])) == {}


def state_of(*entries: ConsentEntry) -> dict[tuple[str, str], ConsentState]:
    return current_state(entries)


def test_replies_inside_a_conversation_never_need_consent() -> None:
    withdrawn = state_of(entry("email", "service", False))
    for state in ({}, withdrawn):
        assert may_contact(state, "email", "service", proactive=False)
        assert may_contact(state, "webchat", "service", proactive=False)


def test_marketing_inside_a_conversation_still_needs_a_grant() -> None:
    assert not may_contact({}, "email", "marketing", proactive=False)
    assert may_contact(state_of(entry()), "email", "marketing", proactive=False)


def test_proactive_contact_needs_a_current_grant_for_that_channel_and_purpose() -> None:
    state = state_of(entry("email", "marketing", True), entry("phone", "service", True))
    assert may_contact(state, "email", "marketing", proactive=True)
    assert not may_contact(state, "phone", "marketing", proactive=True)
    assert not may_contact(state, "email", "personalisation", proactive=True)
    assert not may_contact(state, "email", "service", proactive=True)
    assert may_contact(state, "phone", "service", proactive=True)
    assert not may_contact({}, "email", "service", proactive=True)


def test_a_withdrawal_ends_the_grant() -> None:
    state = state_of(entry(granted=True), entry(granted=False, at=T0 + timedelta(hours=1)))
    assert not may_contact(state, "email", "marketing", proactive=True)


def test_a_later_grant_renews_it() -> None:
    state = state_of(
        entry(granted=True),
        entry(granted=False, at=T0 + timedelta(hours=1)),
        entry(granted=True, at=T0 + timedelta(hours=2)),
    )
    assert may_contact(state, "email", "marketing", proactive=True)


def test_a_channel_without_a_ledger_is_never_proactive() -> None:
    assert not may_contact(state_of(entry()), "webchat", "marketing", proactive=True)


def test_what_the_customer_asked_for_needs_no_grant() -> None:
    assert may_contact({}, "phone", "service", proactive=True, requested_by_customer=True)
    assert may_contact({}, "email", "marketing", proactive=True, requested_by_customer=True)
    no_marketing = state_of(entry("email", "marketing", False))
    assert may_contact(no_marketing, "email", "service", proactive=True, requested_by_customer=True)


def test_but_a_withdrawal_for_that_channel_and_purpose_still_stops_it() -> None:
    state = state_of(entry("phone", "service", False))
    assert not may_contact(state, "phone", "service", proactive=True, requested_by_customer=True)
    assert may_contact(state, "email", "service", proactive=True, requested_by_customer=True)


def test_an_unknown_purpose_is_a_mistake_not_a_refusal() -> None:
    with pytest.raises(InvalidConsent) as caught:
        may_contact({}, "email", "newsletter", proactive=True)
    assert caught.value.field == "purpose"


def test_payload_is_sorted_and_json_able() -> None:
    state = state_of(
        entry("wechat", "service", True, at=T0),
        entry("email", "partners", False, at=T0, source="console", policy_version="v3"),
        entry("email", "marketing", True, at=T0 + timedelta(minutes=5)),
    )
    payload = as_payload(state)
    assert [(row["channel"], row["purpose"]) for row in payload] == [
        ("email", "marketing"),
        ("email", "partners"),
        ("wechat", "service"),
    ]
    assert payload[1] == {
        "channel": "email",
        "purpose": "partners",
        "granted": False,
        "at": "2026-03-01T09:00:00+00:00",
        "source": "console",
        "policy_version": "v3",
    }
    assert json.loads(json.dumps(payload)) == payload
    assert as_payload({}) == []
