"""E-mail verification over HTTP: the console sends the link, the /verify page redeems it.

``POST /api/customers/{id}/identities/{identity_id}/verify`` (staff, store-scoped like every
customer endpoint) → ``202 {verification_id, email, expires_at}``; the mail leaves through
the outbox. ``POST /api/verifications {token}`` (public, rate limited) → ``200 {verified,
email}``, or ``400`` with ``invalid_token``, ``token_used``, ``token_expired``
or ``identity_gone``.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from hub import mail, verifications
from hub.api.requests import client_address, json_body, principal
from hub.messages import iso
from hub.openapi import errors, operation
from hub.openapi.schemas import BOOLEAN, DATE_TIME, STRING, obj
from hub.services import services

# Two links for one address redeemed at the same instant: the loser's insert hits the
# unique index of verified identities, and its retry merges instead.
ATTEMPTS = 2


@operation(
    summary="E-mail a verification link for a customer's address",
    tag="verification",
    auth="staff",
    path={"id": "the customer's id", "identity_id": "the e-mail identity's id"},
    responses={
        202: obj({"verification_id": STRING, "email": STRING, "expires_at": DATE_TIME}),
        **errors(400, 409, 429),
    },
)
async def send_verification(request: web.Request) -> web.Response:
    who = await principal(request)
    hub = services(request)
    async with hub.db.transaction() as session:
        requested = await verifications.request(
            session,
            hub.settings,
            hub.limits.verification_mails,
            who,
            request.match_info["id"],
            request.match_info["identity_id"],
            hub.clock(),
        )
    await mail.schedule(hub.jobs, requested.mail_id)
    return web.json_response(
        {
            "verification_id": requested.verification_id,
            "email": requested.email,
            "expires_at": iso(requested.expires_at),
        },
        status=202,
    )


@operation(
    summary="Redeem a verification link's token",
    tag="verification",
    limited=True,
    request=obj({"token": STRING}),
    responses={200: obj({"verified": BOOLEAN, "email": STRING})},
    operation_id="confirm_verification",
)
async def confirm(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"verify:{client_address(request)}")
    body = await json_body(request)
    for attempt in range(ATTEMPTS):
        try:
            async with hub.db.transaction() as session:
                done = await verifications.confirm(session, body.get("token"), hub.clock())
            break
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    for customer_id in done.changed:
        await hub.publisher.customer_updated(customer_id)
    return web.json_response({"verified": True, "email": done.email})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/customers/{id}/identities/{identity_id}/verify", send_verification)
    app.router.add_post("/api/verifications", confirm)
