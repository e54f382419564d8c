"""``POST /api/language``: which language a shopper's page speaks.

The widget (on shop sites, cross-origin), the booking page, the demo shop's forms and the
verification and rating pages ask once as they open, so every face of the hub chooses the
same way (``hub.i18n.choose``): the shopper's profile, then the page's own ``lang``, then
the browser's ``Accept-Language``, then the store's default; English when none is served.

Anonymous and public, so rate-limited per client address and with a small body. A visitor
token that no longer verifies is not an error here: the shopper simply has no profile yet.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from hub import validation
from hub.api.requests import client_address, json_body
from hub.errors import InvalidInput, Unauthorized
from hub.i18n.languages import SHOPPER_LANGUAGES, choose, direction
from hub.openapi import errors, operation
from hub.openapi.schemas import STRING, array, enum, nullable, obj
from hub.profiles.identity import VISITOR, Identity
from hub.profiles.resolve import find_verified
from hub.services import Services, services
from hub.stores import store_by_code

BODY_LIMIT = 2048
FIELDS = frozenset({"store", "lang", "visitor_token"})
# What a page's lang attribute may hold: a BCP 47 tag, written with - or _ in any case.
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
MAX_TAG = 35


@operation(
    summary="The language a shopper's page should speak",
    tag="language",
    limited=True,
    request=obj(
        optional={
            "store": nullable(STRING),
            "lang": nullable(STRING),
            "visitor_token": nullable(STRING),
        },
        closed=True,
    ),
    request_required=False,
    responses={
        200: obj(
            {
                "language": enum(*SHOPPER_LANGUAGES),
                "direction": enum("ltr", "rtl"),
                "supported": array(STRING),
            }
        ),
        **errors(404),
    },
)
async def choose_language(request: web.Request) -> web.Response:
    hub = services(request)
    hub.limits.anonymous.hit(f"language:{client_address(request)}")
    body = await json_body(request, limit=BODY_LIMIT, fields=FIELDS)
    page = _page_language(body.get("lang"))
    store_languages = await _store_languages(hub, body.get("store"))
    profile = await _profile_language(hub, body.get("visitor_token"))
    language = choose(
        profile=profile,
        page=page,
        accept=request.headers.get("Accept-Language"),
        store_languages=store_languages,
    )
    return web.json_response(
        {
            "language": language,
            "direction": direction(language),
            "supported": list(SHOPPER_LANGUAGES),
        }
    )


def _page_language(value: Any) -> str | None:
    """The page's ``lang``: absent is fine, a malformed tag is the caller's mistake."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_TAG or not _TAG.fullmatch(value.strip()):
        raise InvalidInput("lang", "lang must be a language tag like fr or zh-Hant")
    return value.strip()


async def _store_languages(hub: Services, code: Any) -> list[str]:
    """The store's languages, its default first; none without a store."""
    if code is None or code == "":
        return []
    named = validation.store_code(code)
    async with hub.db.reading() as session:
        store = await store_by_code(session, named)
        return list(store.languages or [])


async def _profile_language(hub: Services, token: Any) -> str | None:
    """The language on the profile of the visitor holding ``token``, if any."""
    if token is None or token == "":
        return None
    try:
        visitor_id = hub.tokens.verify(token)
    except Unauthorized:
        return None
    async with hub.db.reading() as session:
        customer = await find_verified(session, [Identity(VISITOR, visitor_id, verified=True)])
        if customer is None or customer.erased_at is not None:
            return None
        preferred = (customer.preferences or {}).get("language")
    return preferred if isinstance(preferred, str) else None
