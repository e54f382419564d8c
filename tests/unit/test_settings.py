"""Settings fail loudly, by name, and never reveal secrets."""

from __future__ import annotations

import pytest

from hub.errors import ConfigError
from hub.settings import Settings


def test_defaults_are_the_embedded_mode() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite+aiosqlite")
    assert settings.redis_url is None and not settings.redis_enabled
    assert settings.secret_key_is_ephemeral


def test_values_are_cast_and_origins_normalised() -> None:
    settings = Settings.from_env(
        {
            "HUB_SECRET_KEY": "s" * 40,
            "HUB_PUBLIC_URL": "https://Hub.Example.com/",
            "HUB_ALLOWED_ORIGINS": "https://shop.example.com, https://cn.shop.example.com/path",
            "HUB_SMTP_PORT": "2525",
            "HUB_LOG_FORMAT": "json",
        }
    )
    assert settings.own_origin == "https://hub.example.com"
    assert settings.allowed_origins == ("https://shop.example.com", "https://cn.shop.example.com")
    assert settings.smtp_port == 2525
    assert settings.secure_cookies


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"HUB_SMTP_PORT": "twenty"}, "HUB_SMTP_PORT"),
        ({"HUB_LOG_FORMAT": "xml"}, "HUB_LOG_FORMAT"),
        ({"HUB_SECRET_KEY": "short"}, "HUB_SECRET_KEY"),
        ({"HUB_PUBLIC_URL": "hub.example.com"}, "HUB_PUBLIC_URL"),
        ({"HUB_ALLOWED_ORIGINS": "shop.example.com"}, "HUB_ALLOWED_ORIGINS"),
        ({"HUB_CHANNEL_WEIGHTS": "fax=1"}, "HUB_CHANNEL_WEIGHTS"),
        ({"HUB_CHANNEL_WEIGHTS": "email=half"}, "HUB_CHANNEL_WEIGHTS"),
        ({"HUB_CHANNEL_WEIGHTS": "email=0"}, "HUB_CHANNEL_WEIGHTS"),
        ({"HUB_ROUTING_RECONCILE_SECONDS": "0"}, "HUB_ROUTING_RECONCILE_SECONDS"),
        ({"HUB_ROUTING_PROCESS_TIMEOUT_SECONDS": "1.5"}, "HUB_ROUTING_PROCESS_TIMEOUT_SECONDS"),
        ({"HUB_ROUTING_UNROUTED_CHECK_SECONDS": "soon"}, "HUB_ROUTING_UNROUTED_CHECK_SECONDS"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)


def test_secret_is_not_revealed_in_repr() -> None:
    settings = Settings.from_env({"HUB_SECRET_KEY": "super-secret-value-" + "x" * 20})
    assert "super-secret" not in repr(settings)
    assert settings.secret_key.reveal().startswith("super-secret")


def test_channel_weights_change_only_the_channels_named() -> None:
    from hub.routing_config import routing_config

    settings = Settings.from_env({"HUB_CHANNEL_WEIGHTS": "email=1, voice=2,wechat=full"})
    weights = routing_config(settings).channel_weights
    assert weights["email"] == 1.0 and weights["voice"] == 2.0 and weights["wechat"] is None
    assert weights["webchat"] == 1.0  # the default, untouched
    assert routing_config(settings).weight("wechat", 3) == 3  # a WeChat chat takes all of it


def test_reconciliation_intervals_reach_the_routing_config() -> None:
    from datetime import timedelta

    from hub.routing_config import routing_config

    defaults = routing_config(Settings.from_env({}))
    assert (defaults.reconcile_every, defaults.process_timeout, defaults.unrouted_check_every) == (
        timedelta(seconds=1),
        timedelta(seconds=10),
        timedelta(seconds=3),
    )
    tuned = routing_config(
        Settings.from_env(
            {
                "HUB_ROUTING_RECONCILE_SECONDS": "0.5",
                "HUB_ROUTING_PROCESS_TIMEOUT_SECONDS": "2",
                "HUB_ROUTING_UNROUTED_CHECK_SECONDS": "5",
            }
        )
    )
    assert tuned.reconcile_every == timedelta(seconds=0.5)
    assert tuned.process_timeout == timedelta(seconds=2)  # at least two beats: allowed
    assert tuned.unrouted_check_every == timedelta(seconds=5)
