"""Outbound mail settings: a bad relay or sender address stops the hub with its name."""

from __future__ import annotations

import pytest

from hub.errors import ConfigError
from hub.mail.relay import SmtpRelay
from hub.settings import DEFAULT_MAIL_FROM, Settings


def test_mail_is_off_by_default_and_the_sender_has_a_default() -> None:
    settings = Settings.from_env({})
    assert settings.smtp_relay is None and SmtpRelay.from_settings(settings) is None
    assert settings.mail_from == DEFAULT_MAIL_FROM


def test_a_relay_with_credentials_and_starttls() -> None:
    settings = Settings.from_env(
        {
            "HUB_SMTP_RELAY": "smtp.example.com:587",
            "HUB_SMTP_USERNAME": "hub",
            "HUB_SMTP_PASSWORD": "s3cret-value",
            "HUB_SMTP_STARTTLS": "true",
            "HUB_MAIL_FROM": "Maison Lumière <concierge@example.com>",
            "HUB_PUBLIC_URL": "https://hub.example.com",
        }
    )
    relay = SmtpRelay.from_settings(settings)
    assert relay is not None
    assert (relay.host, relay.port, relay.sender, relay.starttls) == (
        "smtp.example.com",
        587,
        "concierge@example.com",
        True,
    )
    assert relay.helo_name == "hub.example.com"
    assert "s3cret-value" not in repr(settings) and "s3cret-value" not in repr(relay)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HUB_SMTP_RELAY", "smtp.example.com"),
        ("HUB_SMTP_RELAY", "smtp.example.com:0"),
        ("HUB_SMTP_RELAY", ":25"),
        ("HUB_SMTP_STARTTLS", "maybe"),
        ("HUB_MAIL_FROM", "not an address"),
    ],
)
def test_a_malformed_mail_setting_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
