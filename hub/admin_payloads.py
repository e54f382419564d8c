"""What the administration API answers: stores, appointment types, special hours and
channel accounts as JSON. Channel secrets never appear; only which of them are set.

Pure: rows in, dicts out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from booking.hours import DAYS, WeeklyHours
from hub.db.booking_models import StoreHoursException
from hub.db.channel_models import Mailbox, VoiceAccount, WechatAccountRow
from hub.db.models import AppointmentType, Store
from hub.messages import iso

WECHAT_SECRETS = ("app_secret", "token", "aes_key")
VOICE_SECRETS = ("auth_token",)


def _ranges(pairs: list[list[str]]) -> str:
    return " ".join(f"{start}-{end}" for start, end in pairs)


def compact_hours(hours: WeeklyHours | None) -> str | None:
    """Weekly hours in the operator's notation, consecutive days with the same ranges
    joined (``"Mon-Sat 10:00-19:00; Sun 12:00-17:00"``), so that the text a manager reads
    is the text they would type; None for a store that is always open."""
    if hours is None:
        return None
    groups: list[tuple[int, int, str]] = []
    for index, day in enumerate(DAYS):
        ranges = hours.get(day)
        if not ranges:
            continue
        text = _ranges(ranges)
        if groups and groups[-1][1] == index - 1 and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], index, text)
        else:
            groups.append((index, index, text))
    parts = []
    for first, last, text in groups:
        days = (
            DAYS[first].title() if first == last else f"{DAYS[first].title()}-{DAYS[last].title()}"
        )
        parts.append(f"{days} {text}")
    return "; ".join(parts)


def store_payload(store: Store) -> dict[str, Any]:
    return {
        "code": store.code,
        "name": store.name,
        "timezone": store.timezone,
        "country": store.country,
        "languages": list(store.languages),
        "address": store.address,
        "hours": compact_hours(store.opening_hours),
        "opening_hours": store.opening_hours,
        "region": store.region,
        "service_centre": bool(store.service_centre),
        "relax_language": bool(store.relax_language),
        "created_at": iso(store.created_at),
    }


def appointment_type_payload(row: AppointmentType) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "duration_minutes": row.duration_minutes,
        "buffer_before_minutes": row.buffer_before_minutes,
        "buffer_after_minutes": row.buffer_after_minutes,
        "min_notice_minutes": row.min_notice_minutes,
        "max_ahead_days": row.max_ahead_days,
        "languages": list(row.languages or []),
        "skills": list(row.skills or []),
        "active": bool(row.active),
    }


def special_hours_payload(day: date, ranges: list[list[str]], note: str | None) -> dict[str, Any]:
    """``hours`` null: closed all day (a holiday)."""
    return {"date": day.isoformat(), "hours": _ranges(ranges) or None, "note": note}


def exception_payload(row: StoreHoursException) -> dict[str, Any]:
    return special_hours_payload(row.day, row.ranges, row.note)


def wechat_payload(row: WechatAccountRow, store_code: str | None) -> dict[str, Any]:
    return {
        "account": row.name,
        "app_id": row.app_id,
        "store": store_code,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "secrets_set": [name for name in WECHAT_SECRETS if getattr(row, name)],
    }


def mailbox_payload(row: Mailbox, store_code: str) -> dict[str, Any]:
    return {
        "address": row.address,
        "store": store_code,
        "display_name": row.display_name,
        "created_at": iso(row.created_at),
    }


def voice_payload(row: VoiceAccount, store_code: str) -> dict[str, Any]:
    return {
        "number": row.number,
        "provider": row.provider,
        "store": store_code,
        "account_sid": row.account_sid,
        "created_at": iso(row.created_at),
        "secrets_set": [name for name in VOICE_SECRETS if getattr(row, name)],
    }
