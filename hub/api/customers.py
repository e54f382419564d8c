"""Console REST for customer profiles: search, the profile, changes, notes, consents,
merges, and data-subject requests (export, erase). Every id is checked against the
caller's stores; a change is pushed to every console viewing that customer."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from sqlalchemy import select

from hub import calendar, validation
from hub import customers as service
from hub.api.requests import json_body, principal
from hub.customers import visible_customer
from hub.db.models import Customer, Staff
from hub.db.profile_models import Purchase
from hub.errors import Forbidden, InvalidInput
from hub.messages import iso
from hub.openapi import Body, Param, errors, operation, ref
from hub.openapi.schemas import BOOLEAN, OBJECT, STRING, array, enum, nullable, obj, text
from hub.profiles import consent, preferences, tier
from hub.profiles.identity import InvalidIdentity, identity
from hub.services import services
from hub.staff import Principal

MAX_NOTE = 4000
CUSTOMER_ID = {"id": "the customer's id (a merged profile's old id still finds it)"}


@operation(
    summary="Search customers by name, e-mail, phone or customer number",
    tag="customers",
    auth="staff",
    query={"q": Param(text(max_length=200), "at least two characters; fewer find nobody")},
    responses={200: obj({"customers": array(ref("CustomerFound"))}), 400: ref("Error")},
)
async def search_customers(request: web.Request) -> web.Response:
    who = await principal(request)
    q = request.query.get("q", "")
    if len(q) > 200:
        raise InvalidInput("q", "search text is too long")
    async with services(request).db.reading() as session:
        return web.json_response({"customers": await service.search(session, who, q)})


async def profile(session: Any, who: Principal, customer: Customer) -> dict[str, Any]:
    purchases = (
        await session.scalars(
            select(Purchase)
            .where(Purchase.customer_id == customer.id)
            .order_by(Purchase.purchased_at.desc())
            .limit(service.RECENT_PURCHASES)
        )
    ).all()
    conversations = await service.conversations_of(
        session, customer.id, service.RECENT_CONVERSATIONS
    )
    preferred = (
        await session.get(Staff, customer.preferred_staff_id)
        if customer.preferred_staff_id
        else None
    )
    return {
        **service.summary(customer),
        "tier_source": customer.tier_source,
        "consents": consent.as_payload(await service.consent_state(session, customer.id)),
        "preferences": customer.preferences or {},
        "preferred_ambassador": {"id": preferred.id, "name": preferred.name} if preferred else None,
        "purchases": [service.purchase_payload(p) for p in purchases],
        "lifetime_value": await service.lifetime_value(session, customer.id),
        "conversations": [service.conversation_line(c) for c in conversations],
        "appointments": await calendar.of_customer(
            session, who, customer.id, calendar.RECENT_APPOINTMENTS
        ),
        "notes": await service.notes_of(session, customer.id),
        "merge_candidates": await service.merge_candidates(session, customer),
        "created_at": iso(customer.created_at),
        "erased": customer.erased_at is not None,
    }


@operation(
    summary="A customer's profile",
    tag="customers",
    auth="staff",
    path=CUSTOMER_ID,
    responses={200: ref("Customer")},
)
async def get_customer(request: web.Request) -> web.Response:
    who = await principal(request)
    async with services(request).db.reading() as session:
        customer = await visible_customer(session, who, request.match_info["id"])
        return web.json_response(await profile(session, who, customer))


@operation(
    summary="Change a customer's name, preferences, preferred ambassador or tier",
    tag="customers",
    auth="staff",
    path=CUSTOMER_ID,
    request=obj(
        optional={
            "name": nullable(text(max_length=200)),
            "preferences": OBJECT,
            "preferred_ambassador_id": nullable(STRING),
            "tier": enum(*tier.TIERS),
        }
    ),
    responses={200: ref("Customer")},
)
async def update_customer(request: web.Request) -> web.Response:
    """PATCH ``{name?, preferences?, preferred_ambassador_id?, tier?}``."""
    who = await principal(request)
    body = await json_body(request)
    hub = services(request)
    now = hub.clock()
    async with hub.db.transaction() as session:
        customer = await visible_customer(session, who, request.match_info["id"])
        if "name" in body:
            customer.name = validation.name(body["name"]) if body["name"] is not None else None
        if "preferences" in body:
            if not isinstance(body["preferences"], dict):
                raise InvalidInput("preferences", "preferences must be an object")
            try:
                customer.preferences = preferences.apply(
                    customer.preferences or {}, body["preferences"]
                )
            except preferences.InvalidPreference as exc:
                raise InvalidInput(f"preferences.{exc.field}", str(exc)) from None
        if "preferred_ambassador_id" in body:
            await _set_preferred(session, who, customer, body["preferred_ambassador_id"])
        if "tier" in body:
            if not who.is_manager:
                raise Forbidden("only a store manager sets a tier by hand", code="not_manager")
            if body["tier"] not in tier.TIERS:
                raise InvalidInput("tier", f"tier must be one of {', '.join(tier.TIERS)}")
            customer.tier, customer.tier_source = body["tier"], "manual"
        customer.updated_at = now
        service.record_change(session, who, customer, sorted(body), now)
        await session.flush()
        payload = await profile(session, who, customer)
    await hub.publisher.customer_updated(customer.id)
    return web.json_response(payload)


async def _set_preferred(session: Any, who: Any, customer: Customer, staff_id: Any) -> None:
    if staff_id is None:
        customer.preferred_staff_id = None
        return
    staff = await session.get(Staff, staff_id) if isinstance(staff_id, str) else None
    if staff is None or not ({link.store_id for link in staff.store_links} & who.store_ids):
        raise InvalidInput("preferred_ambassador_id", "no such ambassador in your stores")
    customer.preferred_staff_id = staff.id


@operation(
    summary="Add a note to a customer's profile",
    tag="customers",
    auth="staff",
    path=CUSTOMER_ID,
    request=obj({"text": text(max_length=MAX_NOTE, min_length=1)}),
    responses={201: ref("Note")},
)
async def add_note(request: web.Request) -> web.Response:
    who = await principal(request)
    body = await json_body(request)
    text = validation.text(body.get("text"), "text", max_length=MAX_NOTE)
    hub = services(request)
    async with hub.db.transaction() as session:
        note = await service.add_note(session, who, request.match_info["id"], text, hub.clock())
        payload = service.note_payload(note, who.name)
    await hub.publisher.customer_updated(note.customer_id)
    return web.json_response(payload, status=201)


@operation(
    summary="Record a consent given or withdrawn (one ledger entry)",
    tag="customers",
    auth="staff",
    path=CUSTOMER_ID,
    request=obj(
        {
            "channel": enum(*consent.CHANNELS),
            "purpose": enum(*consent.PURPOSES),
            "granted": BOOLEAN,
            "policy_version": text(max_length=32),
        },
        {"source": enum(*consent.SOURCES)},
    ),
    responses={201: array(ref("Consent"))},
)
async def record_consent(request: web.Request) -> web.Response:
    """POST ``{channel, purpose, granted, policy_version, source?}``: one ledger entry."""
    who = await principal(request)
    body: Any = await json_body(request)  # validate_entry checks every field's type
    hub = services(request)
    now = hub.clock()
    try:
        entry = consent.validate_entry(
            consent.ConsentEntry(
                channel=body.get("channel"),
                purpose=body.get("purpose"),
                granted=body.get("granted"),
                source=body.get("source", "console"),
                policy_version=body.get("policy_version"),
                actor_kind="staff",
                actor_id=who.id,
                at=now,
            )
        )
    except consent.InvalidConsent as exc:
        raise InvalidInput(exc.field, str(exc)) from None
    async with hub.db.transaction() as session:
        customer = await visible_customer(session, who, request.match_info["id"])
        session.add(service.ledger_row(customer.id, entry))
        await session.flush()
        payload = await profile(session, who, customer)
    await hub.publisher.customer_updated(customer.id)
    return web.json_response(payload["consents"], status=201)


@operation(
    summary="Add an e-mail, phone or other identity to a customer",
    tag="customers",
    auth="staff",
    path=CUSTOMER_ID,
    request=obj({"kind": STRING, "value": STRING}, {"verified": BOOLEAN}),
    responses={201: ref("Customer"), **errors(409)},
)
async def add_identity(request: web.Request) -> web.Response:
    """POST ``{kind, value, verified?}``; only a manager may mark an identity verified."""
    who = await principal(request)
    body = await json_body(request)
    verified = body.get("verified") is True
    if verified and not who.is_manager:
        raise Forbidden("only a store manager can mark an identity verified", code="not_manager")
    hub = services(request)
    async with hub.db.transaction() as session:
        customer = await visible_customer(session, who, request.match_info["id"])
        region = customer.home_store.country if customer.home_store is not None else None
        try:
            new = identity(
                str(body.get("kind")),
                str(body.get("value") or ""),
                verified=verified,
                default_region=region,
            )
        except InvalidIdentity as exc:
            raise InvalidInput("value", str(exc)) from None
        await service.add_identity(session, who, customer, new, hub.clock())
        payload = await profile(session, who, customer)
    await hub.publisher.customer_updated(customer.id)
    return web.json_response(payload, status=201)


@operation(
    summary="Absorb another profile into this one",
    tag="customers",
    auth="staff",
    path=CUSTOMER_ID,
    request=obj({"other_id": STRING}, {"reason": nullable(STRING)}),
    responses={200: ref("Customer")},
)
async def merge_customers(request: web.Request) -> web.Response:
    """POST ``{other_id, reason?}``: absorb the other profile into this one."""
    who = await principal(request)
    body = await json_body(request)
    hub = services(request)
    async with hub.db.transaction() as session:
        keep = await visible_customer(session, who, request.match_info["id"])
        other = await visible_customer(session, who, body.get("other_id"))
        merged = await service.merge_profiles(
            session, ("staff", who.id), keep, other, body.get("reason"), hub.clock()
        )
        payload = await profile(session, who, merged)
    await hub.publisher.customer_updated(merged.id)
    await hub.publisher.customer_updated(other.id)
    return web.json_response(payload)


@operation(
    summary="Everything held about a customer, as a JSON download",
    tag="customers",
    auth="staff",
    path=CUSTOMER_ID,
    responses={200: Body(ref("CustomerExport"), description="a JSON attachment")},
)
async def export_customer(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    async with hub.db.transaction() as session:
        data = await service.export(session, who, request.match_info["id"], hub.clock())
    response = web.Response(
        text=json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="customer-{data["customer"]["id"]}.json"'
    )
    return response


@operation(
    summary="Erase a customer (right to erasure; managers only)",
    tag="customers",
    auth="staff",
    path=CUSTOMER_ID,
    responses={204: None},
)
async def erase_customer(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    async with hub.db.transaction() as session:
        customer = await service.erase(session, who, request.match_info["id"], hub.clock())
    await hub.publisher.customer_updated(customer.id)
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/customers", search_customers)
    app.router.add_get("/api/customers/{id}", get_customer)
    app.router.add_patch("/api/customers/{id}", update_customer)
    app.router.add_delete("/api/customers/{id}", erase_customer)
    app.router.add_get("/api/customers/{id}/export", export_customer)
    app.router.add_post("/api/customers/{id}/notes", add_note)
    app.router.add_post("/api/customers/{id}/consents", record_consent)
    app.router.add_post("/api/customers/{id}/identities", add_identity)
    app.router.add_post("/api/customers/{id}/merge", merge_customers)
