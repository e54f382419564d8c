"""Canned replies."""

from __future__ import annotations
