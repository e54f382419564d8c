"""Deciding whether two customer profiles are one person, and planning their merge.

Pure: no I/O. The database side reads both profiles into ``ProfileFacts``, asks
``merge_reason`` (automatic merges) or ``suggest`` (console suggestions), then writes what
``plan`` returns and re-points the absorbed profile's rows. A merge must lose nothing, so
every list is a union, and any single value that cannot survive (the absorbed profile's
language when both have one) is listed in ``MergePlan.superseded`` for the audit entry.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.profiles.identity import EMAIL, KINDS, PHONE, POS_CUSTOMER_NO, Identity
from hub.profiles.tier import TIERS

SUGGEST_KINDS = (EMAIL, PHONE, POS_CUSTOMER_NO)
DELIBERATE_TIER_SOURCES = ("import", "manual")
_LABELS = {POS_CUSTOMER_NO: "POS customer number"}


@dataclass(frozen=True)
class ProfileFacts:
    """What a merge needs to know about one profile."""

    id: str
    name: str | None
    tier: str
    tier_source: str
    created_at: datetime
    preferences: Mapping[str, Any]
    identities: tuple[Identity, ...]
    preferred_staff_id: str | None


@dataclass(frozen=True)
class MergePlan:
    """The survivor's new values, and the profile whose rows move to it.

    ``moved`` is the absorbed profile's id: its conversations, purchases, consent events,
    notes and identities are re-pointed to ``survivor_id`` and it stays as a tombstone.
    ``created_at`` is the earlier of the two, so "customer since" survives either way.
    """

    survivor_id: str
    moved: str
    name: str | None
    tier: str
    tier_source: str
    created_at: datetime
    preferences: dict[str, Any]
    identities: tuple[Identity, ...]
    preferred_staff_id: str | None
    superseded: dict[str, Any] = field(default_factory=dict)


def _kind_order(key: tuple[str, str]) -> tuple[int, str]:
    kind, value = key
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), value)


def _verified_keys(facts: ProfileFacts) -> set[tuple[str, str]]:
    return {(i.kind, i.value) for i in facts.identities if i.verified}


def merge_reason(a: ProfileFacts, b: ProfileFacts) -> str | None:
    """Why the two may be merged automatically, or None.

    Only an identity verified on both sides counts: a claimed e-mail is whatever someone
    typed, and merging on it would hand one customer's history to whoever typed it.
    """
    if a.id == b.id:
        return None
    shared = sorted(_verified_keys(a) & _verified_keys(b), key=_kind_order)
    if not shared:
        return None
    kind, value = shared[0]
    return f"verified {_LABELS.get(kind, kind)} {value}"


def suggest(a: ProfileFacts, b: ProfileFacts) -> str | None:
    """Why an ambassador might want to merge the two, or None.

    Any shared e-mail, phone or POS customer number, verified or not, is worth a look by a
    person; the reason says "claimed" unless the identity is verified on both sides.
    """
    if a.id == b.id:
        return None
    mine = {(i.kind, i.value) for i in a.identities if i.kind in SUGGEST_KINDS}
    theirs = {(i.kind, i.value) for i in b.identities if i.kind in SUGGEST_KINDS}
    verified = _verified_keys(a) & _verified_keys(b)
    shared = sorted(mine & theirs, key=lambda key: (key not in verified, *_kind_order(key)))
    if not shared:
        return None
    kind, value = shared[0]
    status = "verified" if (kind, value) in verified else "claimed"
    return f"{status} {_LABELS.get(kind, kind)} {value}"


def union_identities(*groups: Iterable[Identity]) -> tuple[Identity, ...]:
    """Each (kind, value) once, in first-seen order, verified if verified anywhere."""
    merged: dict[tuple[str, str], Identity] = {}
    for group in groups:
        for ident in group:
            key = (ident.kind, ident.value)
            seen = merged.get(key)
            if seen is None or (ident.verified and not seen.verified):
                merged[key] = Identity(ident.kind, ident.value, ident.verified)
    return tuple(merged.values())


def _item_key(item: Any) -> Any:
    """Strings compare as validate_preferences de-duplicates them: spacing and case aside."""
    if isinstance(item, str):
        return ("text", " ".join(item.split()).casefold())
    return ("other", repr(item))


def _union_items(keep: list[Any], other: list[Any]) -> list[Any]:
    merged: dict[Any, Any] = {}
    for item in (*keep, *other):
        merged.setdefault(_item_key(item), copy.deepcopy(item))
    return list(merged.values())


def _date_key(entry: Any) -> Any:
    if isinstance(entry, Mapping) and "kind" in entry and "date" in entry:
        return ("date", str(entry["kind"]), str(entry["date"]))
    return ("other", repr(entry))


def _union_dates(keep: list[Any], other: list[Any], superseded: dict[str, Any]) -> list[Any]:
    """Dates by (kind, date); the survivor's label wins, a missing one is filled in."""
    merged: dict[Any, Any] = {}
    for entry in keep:
        merged.setdefault(_date_key(entry), copy.deepcopy(entry))
    for entry in other:
        key = _date_key(entry)
        kept = merged.get(key)
        if kept is None:
            merged[key] = copy.deepcopy(entry)
        elif kept != entry and isinstance(kept, dict) and isinstance(entry, Mapping):
            if "label" not in kept and "label" in entry:
                kept["label"] = entry["label"]
            elif entry.get("label") != kept.get("label"):
                superseded.setdefault("preferences.important_dates", []).append(dict(entry))
    return list(merged.values())


def merge_preferences(
    keep: Mapping[str, Any], other: Mapping[str, Any], superseded: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``keep``'s value per key, lists unioned; ``other``'s values that lost go to superseded."""
    lost = superseded if superseded is not None else {}
    merged: dict[str, Any] = {}
    for key in (*keep, *(key for key in other if key not in keep)):
        mine, theirs = keep.get(key), other.get(key)
        if mine is None:
            merged[key] = copy.deepcopy(theirs)
        elif theirs is None:
            merged[key] = copy.deepcopy(mine)
        elif isinstance(mine, list) and isinstance(theirs, list):
            if key == "important_dates":
                merged[key] = _union_dates(mine, theirs, lost)
            else:
                merged[key] = _union_items(mine, theirs)
        else:
            merged[key] = copy.deepcopy(mine)
            if mine != theirs:
                lost[f"preferences.{key}"] = copy.deepcopy(theirs)
    return merged


def _tier_rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else -1


def _merge_tier(keep: ProfileFacts, other: ProfileFacts, lost: dict[str, Any]) -> tuple[str, str]:
    """The higher tier; on a tie, an imported or hand-set source beats a derived one.

    A losing derived tier is not recorded: it is recomputed from purchases, which all move to
    the survivor. A losing deliberate one is, since someone decided it.
    """
    deliberate_tie = (
        other.tier == keep.tier
        and keep.tier_source not in DELIBERATE_TIER_SOURCES
        and other.tier_source in DELIBERATE_TIER_SOURCES
    )
    if _tier_rank(other.tier) > _tier_rank(keep.tier) or deliberate_tie:
        winner, loser = other, keep
    else:
        winner, loser = keep, other
    if loser.tier != winner.tier and loser.tier_source in DELIBERATE_TIER_SOURCES:
        lost["tier"] = {"tier": loser.tier, "tier_source": loser.tier_source}
    return winner.tier, winner.tier_source


def _first(field_name: str, keep: str | None, other: str | None, lost: dict[str, Any]) -> Any:
    if keep is not None and keep.strip():
        if other is not None and other.strip() and other != keep:
            lost[field_name] = other
        return keep
    return other if other is not None and other.strip() else keep


def plan(a: ProfileFacts, b: ProfileFacts, *, survivor_id: str | None = None) -> MergePlan:
    """How to merge ``a`` and ``b``: the older survives unless ``survivor_id`` names one.

    Of two created at the same instant, ``a`` survives, so the result never depends on
    anything but the arguments.
    """
    if a.id == b.id:
        raise ValueError(f"cannot merge profile {a.id} with itself")
    if survivor_id is None:
        keep, other = (a, b) if a.created_at <= b.created_at else (b, a)
    elif survivor_id in (a.id, b.id):
        keep, other = (a, b) if survivor_id == a.id else (b, a)
    else:
        raise ValueError(f"survivor {survivor_id} is neither {a.id} nor {b.id}")
    lost: dict[str, Any] = {}
    tier, tier_source = _merge_tier(keep, other, lost)
    return MergePlan(
        survivor_id=keep.id,
        moved=other.id,
        name=_first("name", keep.name, other.name, lost),
        tier=tier,
        tier_source=tier_source,
        created_at=min(keep.created_at, other.created_at),
        preferences=merge_preferences(keep.preferences, other.preferences, lost),
        identities=union_identities(keep.identities, other.identities),
        preferred_staff_id=_first(
            "preferred_staff_id", keep.preferred_staff_id, other.preferred_staff_id, lost
        ),
        superseded=lost,
    )
