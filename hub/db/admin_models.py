"""Administration: routing settings kept in the database."""

from __future__ import annotations
