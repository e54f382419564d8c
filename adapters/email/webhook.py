"""``POST /email/inbound``: mail from a provider that posts the raw RFC 5322 message.

The request is signed: ``X-Concierge-Timestamp`` (Unix seconds) and
``X-Concierge-Signature: sha256=<hex>``, the HMAC-SHA256 of ``<timestamp>.<body>`` under
``HUB_EMAIL_WEBHOOK_SECRET``. The body is capped before it is read, the signature is
compared in constant time, and a timestamp far from now is refused so a captured request
cannot be replayed later (a replay within the window finds the Message-ID and stores
nothing). Recipients come from ``X-Concierge-Envelope-To`` when the provider knows the
envelope, otherwise from the message's own headers.
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from adapters.email.intake import CHANNEL, dedupe_key
from hub.api.requests import capped_body
from hub.errors import Forbidden, NotFound
from hub.services import services
from hub.spool import SPOOL_JOB, spool

WINDOW_SECONDS = 300
MAX_ENVELOPE = 50


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


async def inbound_mail(request: web.Request) -> web.Response:
    hub = services(request)
    secret = hub.settings.email_webhook_secret
    if secret is None:
        raise NotFound("the e-mail webhook is not configured", code="not_configured")
    timestamp = request.headers.get("X-Concierge-Timestamp", "")
    given = request.headers.get("X-Concierge-Signature", "")
    now = hub.clock()
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > WINDOW_SECONDS:
        raise Forbidden("missing or stale timestamp", code="stale_timestamp")
    body = await capped_body(
        request, hub.settings.email_max_bytes, "the mail is larger than HUB_EMAIL_MAX_BYTES"
    )
    expected = signature(secret.reveal(), timestamp, body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("bad signature", code="bad_signature")
    envelope = [
        item.strip()
        for item in request.headers.get("X-Concierge-Envelope-To", "").split(",")
        if item.strip()
    ][:MAX_ENVELOPE]
    spool_id = await spool(
        hub.db,
        channel=CHANNEL,
        account_id=None,
        dedupe_key=dedupe_key(body),
        payload={"envelope_to": envelope, "via": "webhook"},
        raw=body,
        now=now,
    )
    if spool_id is not None:
        await hub.spool.schedule(SPOOL_JOB, spool_id)
    hub.metrics.inc("hub_mail_received_total", outcome="stored" if spool_id else "duplicate")
    return web.json_response({"accepted": True, "duplicate": spool_id is None}, status=202)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/email/inbound", inbound_mail)
