"""The pure parts of store administration: hours written back in the operator's notation,
and routing settings merged over the defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.hours import parse_hours
from hub.admin_payloads import compact_hours
from hub.errors import InvalidInput
from hub.routing_settings import check_changes, effective, values_of
from routing.config import RoutingConfig


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Sat 10:00-19:00",
        "Mon-Sat 10:00-19:00; Sun 12:00-17:00",
        "Mon-Fri 10:00-13:00 14:00-19:00; Sat 11:00-18:00",
        "Mon 09:00-12:00; Wed-Thu 09:00-12:00; Sun 00:00-24:00",
        "Tue 10:00-19:00",
    ],
)
def test_hours_read_back_as_they_are_typed(text: str) -> None:
    assert compact_hours(parse_hours(text)) == text
    assert parse_hours(compact_hours(parse_hours(text)) or "") == parse_hours(text)


def test_always_open_has_no_hours() -> None:
    assert compact_hours(None) is None


def test_overrides_replace_defaults_and_null_puts_them_back() -> None:
    saved = check_changes({}, {"offer_timeout_seconds": 45, "channel_weights": {"email": 2}})
    assert saved == {"offer_timeout_seconds": 45, "channel_weights": {"email": 2.0}}
    saved = check_changes(saved, {"channel_weights": {"voice": 1, "email": None}})
    assert saved["channel_weights"] == {"email": None, "voice": 1.0}
    config = effective(RoutingConfig(), saved)
    assert config.offer_timeout == timedelta(seconds=45)
    assert config.weight("email", 4) == 4  # null: all of the ambassador's attention
    assert config.weight("voice", 4) == 1.0
    assert config.weight("webchat", 4) == 1.0  # untouched default
    assert check_changes(saved, {"offer_timeout_seconds": None, "channel_weights": None}) == {}


def test_values_show_seconds_and_weights() -> None:
    shown = values_of(RoutingConfig())
    assert shown["offer_timeout_seconds"] == 30
    assert shown["channel_weights"] == {"webchat": 1.0, "wechat": 1.0, "email": 0.5, "voice": None}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"offer_timeout_seconds": 4}, "offer_timeout_seconds"),
        ({"disconnect_grace_seconds": float("nan")}, "disconnect_grace_seconds"),
        ({"preferred_wait_seconds": False}, "preferred_wait_seconds"),
        ({"channel_weights": {"sms": 1}}, "channel_weights.sms"),
        ({"channel_weights": {"email": 0.05}}, "channel_weights.email"),
        ({"tier_priority": {}}, "tier_priority"),
    ],
)
def test_bad_settings_name_their_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_changes({}, body)
    assert refused.value.field == field


def test_a_saved_value_out_of_range_is_ignored_not_fatal() -> None:
    """A row written by another version must not stop a process from starting."""
    config = effective(RoutingConfig(), {"offer_timeout_seconds": 9999, "unknown": 1})
    assert config.offer_timeout == RoutingConfig().offer_timeout
