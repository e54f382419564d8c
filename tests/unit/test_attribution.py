"""The attribution rule itself (pure): the latest contact at or before a sale, conversation
or appointment, no older than the window, whose edge is inclusive to the second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.pos_import.attribution import Contact, credited

SALE = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
WINDOW = timedelta(days=14)


def _sorted(*contacts: Contact) -> list[Contact]:
    return sorted(contacts, key=lambda contact: contact.order)


def test_the_window_edge_is_inclusive_to_the_second() -> None:
    edge = Contact(SALE - WINDOW, "conv-1", "amelie")
    assert credited([edge], SALE, WINDOW) == edge
    assert credited([edge], SALE + timedelta(seconds=1), WINDOW) is None
    assert credited([edge], edge.at - timedelta(seconds=1), WINDOW) is None  # before it


def test_the_latest_contact_wins_whatever_its_kind() -> None:
    chat = Contact(SALE - timedelta(days=10), "conv-1", "amelie")
    visit = Contact(SALE - timedelta(days=2), "conv-2", "bruno", appointment_id="appt-1")
    later = Contact(SALE + timedelta(hours=1), "conv-3", "amelie")
    assert credited(_sorted(chat, visit, later), SALE, WINDOW) == visit
    assert credited(_sorted(chat, later), SALE, WINDOW) == chat


def test_contacts_of_the_same_instant_are_credited_by_id() -> None:
    first = Contact(SALE - timedelta(days=1), "conv-a", "amelie")
    second = Contact(SALE - timedelta(days=1), None, "bruno", appointment_id="appt-b")
    # "conv-a" sorts after "appt-b" on both import paths (ORDER BY at, id): it is credited
    assert credited(_sorted(first, second), SALE, WINDOW) == first
    assert credited(_sorted(second, first), SALE, WINDOW) == first
