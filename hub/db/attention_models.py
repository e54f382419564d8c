"""Attention: per-ambassador read markers and conversation tags."""

from __future__ import annotations
