"""The SQL behind the insights: one statement per metric family, grouped by the chosen
dimension (and by local day where the daily chart needs it).

Every statement reads only the caller's stores and the period. A row belongs to exactly
one group, so counts of groups add up to the totals; durations are ranked in SQL
(``expressions.ranked``) per group and over everything. Conversations are the
reference: offers, CSAT and conversions count with the conversation they belong to,
NPS with its appointment. See docs/insights.md for the words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.db.booking_models import Appointment
from hub.db.feedback_models import Feedback
from hub.db.models import Conversation, Message, Offer
from hub.db.profile_models import Purchase
from hub.db.voice_models import Callback
from hub.insights.definitions import (
    APPOINTMENT_CHANNEL,
    CLOSED,
    CONVERTING,
    DETRACTORS_UP_TO,
    PROMOTERS_FROM,
    SATISFIED_FROM,
    WAITING_FOR_CALLBACK,
)
from hub.insights.expressions import cents, local_day, picked, ranked, seconds_between
from hub.insights.periods import Segment


@dataclass(frozen=True)
class Scope:
    """What one report reads: the period's instants, the stores (access and filters
    applied), an optional channel, the grouping, and when silence becomes abandonment."""

    start: datetime
    end: datetime
    store_ids: tuple[str, ...]
    country_of: Mapping[str, str]  # store id -> country code
    channel: str | None
    grouping: str
    segments: tuple[Segment, ...]
    abandon_before: datetime


def _key(scope: Scope, store_id: Any, channel: Any, staff_id: Any) -> Any:
    """The group of a row, from its store, channel and ambassador columns."""
    if scope.grouping == "store":
        return store_id
    if scope.grouping == "country":
        return case(dict(scope.country_of), value=store_id)
    if scope.grouping == "channel":
        return channel
    return staff_id


def _conversations_of(scope: Scope) -> list[Any]:
    """The period's conversations in the caller's stores (and channel)."""
    found = [
        Conversation.store_id.in_(scope.store_ids),
        Conversation.created_at >= scope.start,
        Conversation.created_at < scope.end,
    ]
    if scope.channel is not None:
        found.append(Conversation.channel == scope.channel)
    return found


def _conversation_key(scope: Scope) -> Any:
    return _key(scope, Conversation.store_id, Conversation.channel, Conversation.assigned_staff_id)


def _message_times(scope: Scope) -> Any:
    """Per conversation of the period: its first customer message, its first ambassador
    message and its last message, from one pass over their messages."""
    return (
        select(
            Message.conversation_id.label("id"),
            func.min(case((Message.author_kind == "customer", Message.created_at))).label("asked"),
            # A colleague's note (internal) answers nobody.
            func.min(
                case(
                    (
                        and_(Message.author_kind == "ambassador", Message.direction != "internal"),
                        Message.created_at,
                    )
                )
            ).label("answered"),
            func.max(Message.created_at).label("last_at"),
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(*_conversations_of(scope))
        .group_by(Message.conversation_id)
        .subquery("message_times")
    )


def _offer_times(scope: Scope) -> Any:
    """Per conversation of the period: when it began to wait (created, or its callback's
    due time), the first offer accepted at or after that, and whether any was accepted."""
    due = (
        select(Callback.conversation_id.label("id"), func.min(Callback.due_at).label("at"))
        .group_by(Callback.conversation_id)
        .subquery("callback_due")
    )
    since = func.coalesce(due.c.at, Conversation.created_at)
    accepted = Offer.status == "accepted"
    return (
        select(
            Conversation.id.label("id"),
            since.label("since"),
            func.min(case((and_(accepted, Offer.resolved_at >= since), Offer.resolved_at))).label(
                "taken"
            ),
            func.count(case((accepted, 1))).label("accepted"),
        )
        .select_from(Conversation)
        .join(Offer, Offer.conversation_id == Conversation.id)
        .outerjoin(due, due.c.id == Conversation.id)
        .where(*_conversations_of(scope))
        .group_by(Conversation.id, due.c.at)
        .subquery("offer_times")
    )


def _facts(scope: Scope) -> Any:
    """One row per conversation of the period: its group and day, whether it was abandoned
    or led to an appointment, its CSAT row, and its first-response and wait seconds."""
    times, offers, csat = _message_times(scope), _offer_times(scope), aliased(Feedback)
    # A phone call leaves system notes only: an accepted offer is the ambassador answering.
    call_taken = and_(Conversation.channel == "voice", func.coalesce(offers.c.accepted, 0) > 0)
    silent = and_(
        Conversation.status != WAITING_FOR_CALLBACK,
        func.coalesce(times.c.last_at, Conversation.created_at) < scope.abandon_before,
    )
    abandoned = and_(
        times.c.answered.is_(None),
        not_(call_taken),
        or_(Conversation.status == CLOSED, silent),
    )
    converted = exists().where(
        Appointment.conversation_id == Conversation.id, Appointment.status.in_(CONVERTING)
    )
    first_response = case(
        (times.c.asked < times.c.answered, seconds_between(times.c.asked, times.c.answered))
    )
    wait = case((offers.c.taken.is_not(None), seconds_between(offers.c.since, offers.c.taken)))
    return (
        select(
            _conversation_key(scope).label("key"),
            local_day(Conversation.created_at, scope.segments).label("day"),
            case((abandoned, 1), else_=0).label("abandoned"),
            case((converted, 1), else_=0).label("converted"),
            case((csat.id.is_not(None), 1), else_=0).label("csat_asked"),
            csat.score.label("csat_score"),
            first_response.label("first_response"),
            wait.label("wait"),
        )
        .select_from(Conversation)
        .outerjoin(times, times.c.id == Conversation.id)
        .outerjoin(offers, offers.c.id == Conversation.id)
        .outerjoin(csat, and_(csat.conversation_id == Conversation.id, csat.kind == "csat"))
        .where(*_conversations_of(scope))
        .subquery("conversation_facts")
    )


SPREADS = ("first_response", "wait")


def conversation_statement(scope: Scope) -> Select[Any]:
    """Per group and local day of creation: (key, day, conversations, abandoned,
    converted, csat asked, csat responses, csat score sum, csat satisfied), then for
    first responses and for waits the six columns of ``expressions.picked``.

    One pass over the period's messages and offers serves every conversation figure.
    """
    facts = _facts(scope)
    ranks = [rank for name in SPREADS for rank in ranked(facts.c[name], facts.c.key, name)]
    rows = select(facts, *ranks).subquery("ranked_facts")
    score = rows.c.csat_score
    return select(
        rows.c.key,
        rows.c.day,
        func.count(),
        func.sum(rows.c.abandoned),
        func.sum(rows.c.converted),
        func.sum(rows.c.csat_asked),
        func.count(score),
        func.coalesce(func.sum(score), 0),
        func.count(case((score >= SATISFIED_FROM, 1))),
        *(column for name in SPREADS for column in picked(rows.c, name)),
    ).group_by(rows.c.key, rows.c.day)


def outcome_statement(scope: Scope) -> Select[Any]:
    """(key, outcome, closed) of the period's conversations that are closed now, per group
    and outcome as stored (NULL when it was skipped). A conversation that opened again has
    had its outcome cleared and is not closed: it counts nowhere until it closes again."""
    key = _conversation_key(scope).label("key")
    return (
        select(key, Conversation.outcome, func.count())
        .where(*_conversations_of(scope), Conversation.status == CLOSED)
        .group_by(key, Conversation.outcome)
    )


async def rows(session: AsyncSession, statement: Select[Any]) -> Sequence[Row[Any]]:
    return (await session.execute(statement)).all()


def offer_statement(scope: Scope) -> Select[Any]:
    """(key, made, declined, expired) of the offers of the period's conversations; by
    ambassador, the offered staff member is the group."""
    key = _key(scope, Conversation.store_id, Conversation.channel, Offer.staff_id).label("key")
    return (
        select(
            key,
            func.count(),
            func.count(case((Offer.status == "declined", 1))),
            func.count(case((Offer.status == "expired", 1))),
        )
        .select_from(Offer)
        .join(Conversation, Conversation.id == Offer.conversation_id)
        .where(*_conversations_of(scope))
        .group_by(key)
    )


def appointment_statement(scope: Scope) -> Select[Any]:
    """(key, day, booked, completed, no_show, nps asked, responses, promoters, detractors)
    of appointments starting in the period, per group and local day of the start."""
    origin = aliased(Conversation)
    nps = aliased(Feedback)
    channel = func.coalesce(origin.channel, literal(APPOINTMENT_CHANNEL))
    key = _key(scope, Appointment.store_id, channel, Appointment.ambassador_id).label("key")
    day = local_day(Appointment.starts_at, scope.segments).label("day")
    where = [
        Appointment.store_id.in_(scope.store_ids),
        Appointment.starts_at >= scope.start,
        Appointment.starts_at < scope.end,
    ]
    if scope.channel is not None:
        where.append(origin.channel == scope.channel)
    return (
        select(
            key,
            day,
            *(func.count(case((Appointment.status == status, 1))) for status in CONVERTING),
            func.count(nps.id),
            func.count(nps.score),
            func.count(case((nps.score >= PROMOTERS_FROM, 1))),
            func.count(case((nps.score <= DETRACTORS_UP_TO, 1))),
        )
        .select_from(Appointment)
        .outerjoin(origin, origin.id == Appointment.conversation_id)
        .outerjoin(nps, and_(nps.appointment_id == Appointment.id, nps.kind == "nps"))
        .where(*where)
        .group_by(key, day)
    )


def sales_statement(scope: Scope) -> Select[Any]:
    """(key, currency, cents, lines) of the purchases credited to an ambassador in the
    period, per group and currency (never summed across currencies)."""
    origin = aliased(Conversation)
    channel = func.coalesce(
        origin.channel,
        case((Purchase.appointment_id.is_not(None), literal(APPOINTMENT_CHANNEL))),
    )
    key = _key(scope, Purchase.store_id, channel, Purchase.staff_id).label("key")
    where = [
        Purchase.staff_id.is_not(None),
        Purchase.store_id.in_(scope.store_ids),
        Purchase.purchased_at >= scope.start,
        Purchase.purchased_at < scope.end,
    ]
    if scope.channel is not None:
        where.append(origin.channel == scope.channel)
    return (
        select(
            key,
            Purchase.currency,
            func.sum(cents(Purchase.unit_price, Purchase.quantity)),
            func.count(),
        )
        .select_from(Purchase)
        .outerjoin(origin, origin.id == Purchase.conversation_id)
        .where(*where)
        .group_by(key, Purchase.currency)
    )
