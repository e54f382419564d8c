"""Operations settings: the metrics process label, the event loop, the drain's grace."""

from __future__ import annotations

import asyncio

import pytest

from hub.commands.serve import event_loop
from hub.errors import ConfigError
from hub.settings import Settings


def test_defaults_run_on_uvloop_with_a_ten_second_grace_and_no_process_name() -> None:
    settings = Settings.from_env({})
    assert settings.event_loop == "uvloop"
    assert settings.shutdown_grace_seconds == 10.0
    assert settings.process_name is None


def test_operators_name_the_process_pick_the_loop_and_the_grace() -> None:
    settings = Settings.from_env(
        {
            "HUB_PROCESS_NAME": " web-3 ",
            "HUB_EVENT_LOOP": "uvloop",
            "HUB_SHUTDOWN_GRACE_SECONDS": "25",
        }
    )
    assert settings.process_name == "web-3"
    assert settings.event_loop == "uvloop"
    assert settings.shutdown_grace_seconds == 25.0


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HUB_EVENT_LOOP": "trio"}, "HUB_EVENT_LOOP"),
        ({"HUB_SHUTDOWN_GRACE_SECONDS": "soon"}, "HUB_SHUTDOWN_GRACE_SECONDS"),
        ({"HUB_SHUTDOWN_GRACE_SECONDS": "0"}, "HUB_SHUTDOWN_GRACE_SECONDS"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


@pytest.mark.parametrize("name", ["uvloop", "asyncio"])
def test_the_loop_asked_for_is_the_loop_made(name: str) -> None:
    loop = event_loop(name)
    try:
        assert type(loop).__module__.split(".")[0] == name
        assert loop.run_until_complete(asyncio.sleep(0, result=1)) == 1
    finally:
        loop.close()
