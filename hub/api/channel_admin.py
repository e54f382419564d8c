"""Channel accounts over HTTP (WeChat, mailboxes, voice numbers), for managers and admins.

Thin: reach and checks are ``hub.channel_admin``. Secrets are write-only: a body that
carries one is never logged by the hub (the access log records no bodies) and no answer
holds one, only ``secrets_set``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from hub import channel_admin
from hub.admin_payloads import mailbox_payload, voice_payload, wechat_payload
from hub.api.admin_schemas import (
    CHANNELS,
    MAILBOX,
    NEW_MAILBOX,
    NEW_VOICE,
    NEW_WECHAT,
    VOICE,
    VOICE_CHANGES,
    WECHAT,
    WECHAT_CHANGES,
)
from hub.api.requests import json_body, principal, removed
from hub.openapi import errors, operation
from hub.openapi.schemas import obj
from hub.services import services

BODY_LIMIT = 8 * 1024
ACCOUNT_PATH = {"account": "the account's name in its callback URL (/wechat/ACCOUNT)"}
ADDRESS_PATH = {"address": "the mailbox's address"}
NUMBER_PATH = {"number": "the number in E.164 form, e.g. +33142965000"}


async def _save(
    request: web.Request,
    name: str,
    change: Callable[..., Awaitable[tuple[Any, Any]]],
    payload: Callable[[Any, Any], dict[str, Any]],
    path: str | None = None,
    status: int = 200,
) -> web.Response:
    """Create an account, or change the one ``path`` names, in one transaction; answer
    ``{name: payload}`` (which secrets are set, never their values)."""
    who = await principal(request)
    hub = services(request)
    body = await json_body(request, BODY_LIMIT)
    named = () if path is None else (request.match_info[path],)
    async with hub.db.transaction() as session:
        row, code = await change(session, who, *named, body, hub.clock())
        answer = payload(row, code)
    return web.json_response({name: answer}, status=status)


@operation(
    summary="The channel accounts of the caller's stores (an admin: all), secrets left out",
    tag="channels",
    auth="staff",
    responses={200: CHANNELS, **errors(403)},
)
async def list_channels(request: web.Request) -> web.Response:
    who = await principal(request)
    async with services(request).db.reading() as session:
        found = await channel_admin.listing(session, who)
        return web.json_response(
            {
                "wechat": [wechat_payload(row, code) for row, code in found["wechat"]],
                "mailboxes": [mailbox_payload(row, code) for row, code in found["mailboxes"]],
                "voice": [voice_payload(row, code) for row, code in found["voice"]],
            }
        )


@operation(
    summary="Answer a WeChat Official Account's callbacks (as `hub wechat add`)",
    tag="channels",
    auth="staff",
    request=NEW_WECHAT,
    responses={201: obj({"wechat": WECHAT}), **errors(400, 403, 404, 409)},
)
async def create_wechat(request: web.Request) -> web.Response:
    """The app secret, token and EncodingAESKey are kept and never shown again; an
    account bound to no store is for admins."""
    return await _save(request, "wechat", channel_admin.create_wechat, wechat_payload, status=201)


@operation(
    summary="Rebind a WeChat account to a store or rotate its secrets",
    tag="channels",
    auth="staff",
    path=ACCOUNT_PATH,
    request=WECHAT_CHANGES,
    responses={200: obj({"wechat": WECHAT}), **errors(400, 403, 404)},
)
async def edit_wechat(request: web.Request) -> web.Response:
    """Callbacks in every process check with the new token and key within 30 seconds
    (the account cache); replies use the new app secret from their next job."""
    return await _save(request, "wechat", channel_admin.update_wechat, wechat_payload, "account")


@operation(
    summary="Stop answering a WeChat account (admins; refused once it has followers)",
    tag="channels",
    auth="staff",
    path=ACCOUNT_PATH,
    responses={204: None, **errors(403, 404, 409)},
)
async def delete_wechat(request: web.Request) -> web.Response:
    return await removed(request, channel_admin.delete_wechat, "account")


@operation(
    summary="Receive mail for an address in a store's queue (as `hub mailbox add`)",
    tag="channels",
    auth="staff",
    request=NEW_MAILBOX,
    responses={201: obj({"mailbox": MAILBOX}), **errors(400, 403, 404, 409)},
)
async def create_mailbox(request: web.Request) -> web.Response:
    return await _save(
        request, "mailbox", channel_admin.create_mailbox, mailbox_payload, status=201
    )


@operation(
    summary="Stop receiving mail for an address; its threads answer from the hub's sender",
    tag="channels",
    auth="staff",
    path=ADDRESS_PATH,
    responses={204: None, **errors(403, 404)},
)
async def delete_mailbox(request: web.Request) -> web.Response:
    return await removed(request, channel_admin.delete_mailbox, "address")


@operation(
    summary="A store's number at a voice provider (as `hub voice add`)",
    tag="channels",
    auth="staff",
    request=NEW_VOICE,
    responses={201: obj({"voice": VOICE}), **errors(400, 403, 404, 409)},
)
async def create_voice(request: web.Request) -> web.Response:
    """The auth token checks every webhook of the number; it is never shown again."""
    return await _save(request, "voice", channel_admin.create_voice, voice_payload, status=201)


@operation(
    summary="Move a number to another store or rotate its auth token",
    tag="channels",
    auth="staff",
    path=NUMBER_PATH,
    request=VOICE_CHANGES,
    responses={200: obj({"voice": VOICE}), **errors(400, 403, 404)},
)
async def edit_voice(request: web.Request) -> web.Response:
    """Webhooks are checked against the saved token on every request: the new one counts
    at once, in every process."""
    return await _save(request, "voice", channel_admin.update_voice, voice_payload, "number")


@operation(
    summary="Remove a number (refused once it has calls)",
    tag="channels",
    auth="staff",
    path=NUMBER_PATH,
    responses={204: None, **errors(403, 404, 409)},
)
async def delete_voice(request: web.Request) -> web.Response:
    return await removed(request, channel_admin.delete_voice, "number")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/channels", list_channels)
    app.router.add_post("/api/admin/channels/wechat", create_wechat)
    app.router.add_patch("/api/admin/channels/wechat/{account}", edit_wechat)
    app.router.add_delete("/api/admin/channels/wechat/{account}", delete_wechat)
    app.router.add_post("/api/admin/channels/mailboxes", create_mailbox)
    app.router.add_delete("/api/admin/channels/mailboxes/{address}", delete_mailbox)
    app.router.add_post("/api/admin/channels/voice", create_voice)
    app.router.add_patch("/api/admin/channels/voice/{number}", edit_voice)
    app.router.add_delete("/api/admin/channels/voice/{number}", delete_voice)
