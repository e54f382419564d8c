"""Namespaces, rooms and event names, spelled once."""

from __future__ import annotations

SHOPPER = "/shopper"
CONSOLE = "/console"

SESSION_COOKIE = "hub_session"
CSRF_COOKIE = "hub_csrf"
CSRF_HEADER = "X-CSRF-Token"


def visitor_room(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


def staff_room(staff_id: str) -> str:
    return f"staff:{staff_id}"


def customer_room(customer_id: str) -> str:
    """Consoles viewing one customer's profile, for ``customer_updated``."""
    return f"customer:{customer_id}"
