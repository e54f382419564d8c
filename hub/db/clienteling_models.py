"""Clienteling: follow-up tasks."""

from __future__ import annotations
