"""Where uploads live and how big they may be: read from the environment, checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.settings import Settings


def test_uploads_default_to_ten_megabytes_in_the_working_directory() -> None:
    settings = Settings.from_env({})
    assert settings.attachments_dir == Path("attachments")
    assert settings.attachment_max_bytes == 10 * 1024 * 1024


def test_an_operator_sets_the_directory_and_the_limit() -> None:
    settings = Settings.from_env(
        {"HUB_ATTACHMENTS_DIR": "/srv/concierge/files", "HUB_ATTACHMENT_MAX_BYTES": "2097152"}
    )
    assert settings.attachments_dir == Path("/srv/concierge/files")
    assert settings.attachment_max_bytes == 2 * 1024 * 1024


@pytest.mark.parametrize("value", ["ten", "-5", "0"])
def test_a_bad_limit_fails_at_start_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="HUB_ATTACHMENT_MAX_BYTES"):
        Settings.from_env({"HUB_ATTACHMENT_MAX_BYTES": value})
