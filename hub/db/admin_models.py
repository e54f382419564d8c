"""Administration: routing settings kept in the database.

One row (``id`` 1) holds what admins changed in the console; a key missing from
``overrides`` takes the settings-file (environment) default. ``version`` goes up by one
with every change, so a web process can tell cheaply whether it is behind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base
from hub.db.types import JSONType, UTCDateTime

SETTINGS_ROW = 1


class RoutingSettingsRow(Base):
    __tablename__ = "routing_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # {"offer_timeout_seconds": 45, "channel_weights": {"email": 0.25, "voice": null}}
    overrides: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who changed them last (kept as history if they leave).
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
