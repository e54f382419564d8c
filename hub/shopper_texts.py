"""Writing to a shopper in their language: which language a message to them is in, and
the pieces many such messages share (a time on the store's clock, the store's city, an
appointment type's name), formatted by Babel in the reader's conventions.

The language of a message is the most specific one known: the conversation's (or the
appointment's, or the callback's), then the customer's profile, then the store's first
language — ``hub.i18n.choose``'s fallbacks — and English only when nothing is known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_location
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.booking_models import Appointment
from hub.db.models import Conversation, Customer, Store
from hub.i18n import Texts, supported, texts
from hub.i18n.languages import first_supported

# A text written once the reader's language is known (a system message into a chat).
Wording = Callable[[Texts], str]


def language_of(*tags: str | None, store_languages: Iterable[str] = ()) -> str:
    """The first supported tag (most specific first), else the store's, else English."""
    return first_supported([*tags, *store_languages])


def conversation_texts(conversation: Conversation) -> Texts:
    """How to write into a conversation: its language, or its store's for an old one."""
    return texts(language_of(conversation.language, store_languages=conversation.store.languages))


async def customer_language(
    session: AsyncSession,
    customer_id: str | None,
    store: Store | None = None,
    *,
    follower: str | None = None,
) -> str:
    """A customer's language where no conversation names it: the profile's, then the
    channel's own hint (``follower``: a WeChat follower's language, what the app they read
    in is set to), then their latest conversation's, then the store's (``store``, else
    their home store's)."""
    customer = await session.get(Customer, customer_id) if customer_id else None
    profile = (customer.preferences or {}).get("language") if customer is not None else None
    latest = None
    if customer is not None:
        latest = await session.scalar(
            select(Conversation.language)
            .where(Conversation.customer_id == customer.id, Conversation.language.is_not(None))
            .order_by(Conversation.created_at.desc())
            .limit(1)
        )
    if store is None and customer is not None:
        store = customer.home_store
    return language_of(profile, follower, latest, store_languages=store.languages if store else ())


async def appointment_language(
    session: AsyncSession, row: Appointment, *, follower: str | None = None
) -> str:
    """The appointment's own language (the page it was booked on), else its conversation's,
    else the customer's (``follower`` as in ``customer_language``): what its e-mails,
    reminders and calendar file are written in."""
    found = supported(row.language)
    if found is None and row.conversation_id is not None:
        found = supported(
            await session.scalar(
                select(Conversation.language).where(Conversation.id == row.conversation_id)
            )
        )
    return found or await customer_language(session, row.customer_id, row.store, follower=follower)


def when(t: Texts, moment: datetime, zone: str) -> str:
    """Weekday, date and time on the clock of ``zone``, as the reader writes them
    ("Friday, November 27, 2026, 10:00 AM", "2026年11月27日金曜日 10:00")."""
    local = moment.astimezone(ZoneInfo(zone))
    day = format_date(local.date(), "full", locale=t.locale)
    hour = t.time(local, zone)
    pattern = str(t.locale.datetime_formats["full"]).replace("'", "")
    # CLDR puts a narrow no-break space before "AM": plain text (SMS in GSM-7, old mail
    # programs) is better served by a plain space.
    return pattern.replace("{1}", day).replace("{0}", hour).replace("\u202f", " ")


def place(t: Texts, zone: str) -> str:
    """The city a store's clock is named after, in the reader's language ("パリ")."""
    return str(get_timezone_location(zone, locale=t.locale, return_city=True))


def type_name(t: Texts, name: str) -> str:
    """An appointment type's name: the default types' names are translated (they are
    marked in ``hub.stores``); a name the store chose is its own in every language."""
    return t.gettext(name) if name else name
