"""An appointment row as a calendar file (``booking.ics`` does the format)."""

from __future__ import annotations

from urllib.parse import urlsplit

from booking.ics import CalendarEvent, calendar_bytes
from hub.db.booking_models import Appointment
from hub.i18n import Texts
from hub.shopper_texts import type_name


def calendar_event(
    row: Appointment, t: Texts, *, ambassador: str | None, public_url: str, organizer_email: str
) -> CalendarEvent:
    """The event in the shopper's calendar, described in their language (``t``)."""
    store = row.store
    name = type_name(t, row.type.name)
    if row.kind == "virtual":
        location, url = row.video_url, row.video_url
        how = t.gettext("Join the video call: {url}", url=row.video_url or "")
    else:
        location, url = ", ".join(part for part in (store.name, store.address) if part), None
        how = t.gettext("At {location}", location=location)
    what = (
        t.gettext("{type} with {ambassador}.", type=name, ambassador=ambassador)
        if ambassador
        else f"{name}."
    )
    return CalendarEvent(
        uid=f"{row.id}@{urlsplit(public_url).hostname or 'concierge'}",
        sequence=row.sequence,
        start=row.starts_at,
        end=row.ends_at,
        summary=f"{name} — {store.name}",
        description=f"{what} {how}",
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
    row: Appointment,
    t: Texts,
    *,
    ambassador: str | None,
    public_url: str,
    organizer_email: str | None = None,
) -> bytes:
    host = urlsplit(public_url).hostname or "localhost"
    return calendar_bytes(
        calendar_event(
            row,
            t,
            ambassador=ambassador,
            public_url=public_url,
            organizer_email=organizer_email or f"appointments@{host}",
        )
    )
