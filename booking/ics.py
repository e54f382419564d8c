"""Calendar files (RFC 5545, iTIP methods of RFC 5546) for an appointment.

The UID is the appointment's and never changes, so a calendar app updates the event it
already holds: a reschedule is a REQUEST with a higher SEQUENCE, a cancellation a CANCEL
with a higher SEQUENCE still. Times go out in UTC, which every client reads alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Concierge//Appointments//EN"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    description: str
    location: str | None
    url: str | None
    organizer_email: str
    organizer_name: str
    attendee_email: str | None
    attendee_name: str | None
    cancelled: bool
    stamp: datetime


def calendar_bytes(event: CalendarEvent) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if event.cancelled else "REQUEST")
    item = Event()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", event.stamp.astimezone(UTC))
    item.add("dtstart", event.start.astimezone(UTC))
    item.add("dtend", event.end.astimezone(UTC))
    item.add("summary", event.summary)
    item.add("description", event.description)
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.location:
        item.add("location", event.location)
    if event.url:
        item.add("url", event.url)
    organizer = vCalAddress(f"mailto:{event.organizer_email}")
    organizer.params["cn"] = vText(event.organizer_name)
    item["organizer"] = organizer
    if event.attendee_email:
        attendee = vCalAddress(f"mailto:{event.attendee_email}")
        if event.attendee_name:
            attendee.params["cn"] = vText(event.attendee_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
        item.add("attendee", attendee, encode=False)
    calendar.add_component(item)
    return bytes(calendar.to_ical())
