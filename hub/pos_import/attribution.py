"""Crediting an offline sale to the online contact that led to it.

A purchase made within the attribution window after one of the customer's contacts with
an ambassador is credited to that ambassador and contact; the most recent contact wins
when there were several. A contact is a conversation an ambassador took (at its
creation) or an appointment with an ambassador, booked or completed (at its start); a
sale credited to an appointment also names the conversation it was booked in, if any. The
window is inclusive: a sale exactly ``window`` after the contact is credited, one second
later it is not, and a sale before the contact never is.

``pg_chunk`` applies the same rule set-based on PostgreSQL; ``credited`` is the reference.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.booking_models import Appointment
from hub.db.models import Conversation
from hub.pos_import.bulk import among

DEFAULT_WINDOW_DAYS = 14
# Appointment statuses that make a contact: it was kept (or is still to come); a no-show
# or a cancellation is no contact.
CONTACT_APPOINTMENTS = ("booked", "completed")


@dataclass(frozen=True, slots=True)
class Contact:
    at: datetime
    conversation_id: str | None
    staff_id: str
    appointment_id: str | None = None

    @property
    def order(self) -> tuple[datetime, str]:
        """Time, then id: contacts at the same instant are credited the same way on every
        run and by both import paths."""
        return self.at, self.appointment_id or self.conversation_id or ""


def credited(
    contacts: Sequence[Contact], purchased_at: datetime, window: timedelta
) -> Contact | None:
    """The latest contact at or before the purchase and no older than the window.

    Pure; ``contacts`` must be sorted by ``Contact.order``.
    """
    index = bisect.bisect_right([c.at for c in contacts], purchased_at)
    if index == 0:
        return None
    latest = contacts[index - 1]
    return latest if purchased_at - latest.at <= window else None


async def _contacts(
    session: AsyncSession, customers: set[str], since: datetime, until: datetime
) -> dict[str, list[Contact]]:
    """Each customer's contacts between ``since`` and ``until``, sorted."""
    conversations = await session.execute(
        select(
            Conversation.customer_id,
            Conversation.created_at,
            Conversation.id,
            Conversation.assigned_staff_id,
        ).where(
            among(Conversation.customer_id, customers),
            Conversation.assigned_staff_id.is_not(None),
            Conversation.created_at >= since,
            Conversation.created_at <= until,
        )
    )
    appointments = await session.execute(
        select(
            Appointment.customer_id,
            Appointment.starts_at,
            Appointment.id,
            Appointment.ambassador_id,
            Appointment.conversation_id,
        ).where(
            among(Appointment.customer_id, customers),
            Appointment.status.in_(CONTACT_APPOINTMENTS),
            Appointment.starts_at >= since,
            Appointment.starts_at <= until,
        )
    )
    found: dict[str, list[Contact]] = {}
    for customer_id, at, conversation_id, staff_id in conversations:
        found.setdefault(customer_id, []).append(Contact(at, conversation_id, str(staff_id)))
    for owner, start, appointment_id, ambassador_id, origin in appointments:
        contact = Contact(start, origin, ambassador_id, appointment_id)
        found.setdefault(str(owner), []).append(contact)
    for contacts in found.values():
        contacts.sort(key=lambda contact: contact.order)
    return found


async def attribute(
    session: AsyncSession,
    purchased_at: Sequence[datetime],
    customer_ids: Sequence[str | None],
    window: timedelta,
    *,
    skip: set[str],
) -> list[Contact | None]:
    """The contact credited for each purchase, from one query per kind for the batch.

    ``skip`` holds customers created by this batch: they cannot have talked to anyone yet.
    """
    wanted = {c for c in customer_ids if c is not None and c not in skip}
    if not wanted:
        return [None] * len(customer_ids)
    times = [at for at, c in zip(purchased_at, customer_ids, strict=True) if c in wanted]
    by_customer = await _contacts(session, wanted, min(times) - window, max(times))
    return [
        credited(by_customer[c], at, window) if c in by_customer else None
        for at, c in zip(purchased_at, customer_ids, strict=True)
    ]
