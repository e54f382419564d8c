"""An appointment row as a calendar file (``booking.ics`` does the format)."""

from __future__ import annotations

from urllib.parse import urlsplit

from booking.ics import CalendarEvent, calendar_bytes
from hub.db.booking_models import Appointment


def calendar_event(
    row: Appointment, *, ambassador: str | None, public_url: str, organizer_email: str
) -> CalendarEvent:
    store = row.store
    with_whom = f" with {ambassador}" if ambassador else ""
    if row.kind == "virtual":
        location, url = row.video_url, row.video_url
        how = f"Join the video call: {row.video_url}"
    else:
        location, url = ", ".join(part for part in (store.name, store.address) if part), None
        how = f"At {location}"
    return CalendarEvent(
        uid=f"{row.id}@{urlsplit(public_url).hostname or 'concierge'}",
        sequence=row.sequence,
        start=row.starts_at,
        end=row.ends_at,
        summary=f"{row.type.name} — {store.name}",
        description=f"{row.type.name}{with_whom}. {how}",
        location=location,
        url=url,
        organizer_email=organizer_email,
        organizer_name=store.name,
        attendee_email=row.contact_email,
        attendee_name=row.contact_name,
        cancelled=row.status == "cancelled",
        stamp=row.updated_at,
    )


def calendar_file(
    row: Appointment, *, ambassador: str | None, public_url: str, organizer_email: str | None = None
) -> bytes:
    host = urlsplit(public_url).hostname or "localhost"
    return calendar_bytes(
        calendar_event(
            row,
            ambassador=ambassador,
            public_url=public_url,
            organizer_email=organizer_email or f"appointments@{host}",
        )
    )
