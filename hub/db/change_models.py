"""The change feed: what other processes changed, for the consoles this process serves.

A ``hub import-pos`` run is another process, and a console import runs in whichever
process (or rq worker) took the job; neither can reach the sockets of the consoles
watching a customer. They append a row here instead, and every web process reads the
feed (``hub.realtime.change_watch``) and tells the consoles it serves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base
from hub.db.types import UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY.
SERIAL = BigInteger().with_variant(Integer, "sqlite")


class Change(Base):
    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))  # pos_import | customer
    ref: Mapped[str] = mapped_column(String(64))  # the import's or the customer's id
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
