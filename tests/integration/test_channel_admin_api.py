"""Channel accounts over HTTP on both databases: WeChat accounts, mailboxes and voice
numbers within the caller's stores, secrets taken but never given back (not in answers,
logs or the audit trail), rotation that the channel's webhooks honour, and removal that
refuses to lose history."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import select

from adapters.wechat.accounts import load_account
from hub.db.models import AuditEntry
from tests.fakes.voice_provider import ACCOUNT_SID, FakeVoiceProvider, twilio_signature
from tests.integration.staff_admin_support import PUBLIC_URL, World, client, world

__all__ = ["client", "world"]  # fixtures

APP_SECRET = "MaisonAppSecret0123456789"
TOKEN = "MaisonToken42"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
NEW_SECRET = "RotatedAppSecret98765432"
NEW_TOKEN = "RotatedToken77"
AUTH_TOKEN = "9f86d081884c7d659a2feaa0c55ad015"
NEW_AUTH_TOKEN = "RotatedVoiceToken0000000000000042"
SECRETS = (APP_SECRET, TOKEN, AES_KEY, NEW_SECRET, NEW_TOKEN, AUTH_TOKEN, NEW_AUTH_TOKEN)
PARIS_WECHAT = {
    "account": "maison-paris",
    "app_id": "wx0123456789abcdef",
    "app_secret": APP_SECRET,
    "token": TOKEN,
    "aes_key": AES_KEY,
    "store": "PARIS01",
}
PARIS_NUMBER = "+33142965000"
PARIS_VOICE = {
    "provider": "twilio",
    "number": "+33 1 42 96 50 00",
    "store": "PARIS01",
    "account_sid": ACCOUNT_SID,
    "auth_token": AUTH_TOKEN,
}


def no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


async def call(world: World, method: str, path: str, who: str, **kw: Any) -> tuple[int, Any]:
    """A call whose answer, whatever it is, holds no secret."""
    headers = world.headers[who]
    response = await world.client.request(method, path, headers=headers, **kw)
    text = await response.text()
    no_secret_in(text)
    return response.status, json.loads(text) if text else None


async def test_wechat_accounts_keep_their_secrets(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # Everything the hub logs, and what libraries log at the level a hub runs at (the
    # database driver's own DEBUG lines echo SQL parameters: never enable them).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="hub")
    status, body = await call(
        world, "POST", "/api/admin/channels/wechat", "paris_manager", json=PARIS_WECHAT
    )
    assert status == 201, body
    assert body["wechat"]["account"] == "maison-paris" and body["wechat"]["store"] == "PARIS01"
    assert body["wechat"]["secrets_set"] == ["app_secret", "token", "aes_key"]

    status, body = await call(world, "GET", "/api/admin/channels", "paris_manager")
    assert [a["account"] for a in body["wechat"]] == ["maison-paris"]
    status, body = await call(world, "GET", "/api/admin/channels", "london_manager")
    assert body == {"wechat": [], "mailboxes": [], "voice": []}
    for method, payload in (("PATCH", {"token": NEW_TOKEN}), ("DELETE", None)):
        status, body = await call(
            world,
            method,
            "/api/admin/channels/wechat/maison-paris",
            "london_manager",
            json=payload,
        )
        assert (status, body["error"]["code"]) == (404, "unknown_account")

    status, body = await call(
        world,
        "PATCH",
        "/api/admin/channels/wechat/maison-paris",
        "paris_manager",
        json={"app_secret": NEW_SECRET, "token": NEW_TOKEN},
    )
    assert status == 200 and body["wechat"]["secrets_set"] == ["app_secret", "token", "aes_key"]
    async with world.db.reading() as session:
        account = await load_account(session, name="maison-paris")
    assert account is not None  # what the callback and replies load: the new secrets
    assert (account.app_secret, account.token, account.aes_key) == (NEW_SECRET, NEW_TOKEN, AES_KEY)

    for payload, code in (
        ({"store": None}, (403, "admin_only")),
        ({"store": "LONDON01"}, (404, "unknown_store")),
        ({"token": "no"}, (400, "invalid_input")),
    ):
        status, body = await call(
            world,
            "PATCH",
            "/api/admin/channels/wechat/maison-paris",
            "paris_manager",
            json=payload,
        )
        assert (status, body["error"]["code"]) == code, payload
    status, body = await call(
        world, "DELETE", "/api/admin/channels/wechat/maison-paris", "paris_manager"
    )
    assert (status, body["error"]["code"]) == (403, "admin_only")
    status, _ = await call(world, "DELETE", "/api/admin/channels/wechat/maison-paris", "admin")
    assert status == 204

    async with world.db.reading() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    actions = [e.action for e in entries]
    assert {"wechat_account.added", "channel.secret_rotated", "wechat_account.removed"} <= set(
        actions
    )
    rotated = next(e for e in entries if e.action == "channel.secret_rotated")
    assert rotated.data == {
        "account": "maison-paris",
        "store": "PARIS01",
        "secrets": ["app_secret", "token"],
    }
    no_secret_in(json.dumps([e.data for e in entries]))
    no_secret_in(caplog.text)


async def test_bad_wechat_accounts_are_refused_naming_the_field(world: World) -> None:
    for field, value in (
        ("account", "Not A Name!"),
        ("app_id", "wx123"),
        ("app_secret", "short"),
        ("token", 42),
        ("aes_key", "too-short"),
        ("store", 7),
        ("mode", "plain"),
    ):
        status, body = await call(
            world,
            "POST",
            "/api/admin/channels/wechat",
            "admin",
            json={**PARIS_WECHAT, field: value},
        )
        assert (status, body["error"]["field"]) == (400, field), (field, body)
    unbound = {**PARIS_WECHAT, "store": None}
    status, body = await call(
        world, "POST", "/api/admin/channels/wechat", "paris_manager", json=unbound
    )
    assert (status, body["error"]["code"]) == (403, "admin_only")
    status, body = await call(world, "POST", "/api/admin/channels/wechat", "admin", json=unbound)
    assert status == 201 and body["wechat"]["store"] is None
    status, body = await call(world, "GET", "/api/admin/channels", "paris_manager")
    assert body["wechat"] == []  # an unbound account is the admins'
    status, body = await call(world, "POST", "/api/admin/channels/wechat", "admin", json=unbound)
    assert (status, body["error"]["code"]) == (409, "account_exists")
    status, body = await call(world, "GET", "/api/admin/channels", "amelie")
    assert (status, body["error"]["code"]) == (403, "not_manager")


async def test_mailboxes_within_the_managers_stores(world: World) -> None:
    payload = {"address": "Paris@Boutique.example.com", "store": "paris01"}
    status, body = await call(
        world, "POST", "/api/admin/channels/mailboxes", "paris_manager", json=payload
    )
    assert status == 201, body
    assert body["mailbox"]["address"] == "paris@boutique.example.com"
    assert body["mailbox"]["store"] == "PARIS01"
    status, body = await call(world, "POST", "/api/admin/channels/mailboxes", "admin", json=payload)
    assert (status, body["error"]["code"]) == (409, "mailbox_exists")
    for bad, field in (({"address": "nope"}, "address"), ({"address": "a+b@x.com"}, "address")):
        status, body = await call(
            world, "POST", "/api/admin/channels/mailboxes", "admin", json={**payload, **bad}
        )
        assert (status, body["error"]["field"]) == (400, field)
    status, body = await call(
        world,
        "POST",
        "/api/admin/channels/mailboxes",
        "paris_manager",
        json={"address": "london@boutique.example.com", "store": "LONDON01"},
    )
    assert (status, body["error"]["code"]) == (404, "unknown_store")

    path = "/api/admin/channels/mailboxes/paris@boutique.example.com"
    status, body = await call(world, "DELETE", path, "london_manager")
    assert (status, body["error"]["code"]) == (404, "unknown_mailbox")
    status, _ = await call(world, "DELETE", path, "paris_manager")
    assert status == 204
    status, body = await call(world, "GET", "/api/admin/channels", "admin")
    assert body["mailboxes"] == []


async def test_a_rotated_voice_token_is_what_webhooks_are_checked_with(world: World) -> None:
    status, body = await call(
        world, "POST", "/api/admin/channels/voice", "paris_manager", json=PARIS_VOICE
    )
    assert status == 201, body
    voice = body["voice"]
    assert (voice["number"], voice["store"], voice["secrets_set"]) == (
        PARIS_NUMBER,
        "PARIS01",
        ["auth_token"],
    )
    status, body = await call(
        world, "POST", "/api/admin/channels/voice", "admin", json={**PARIS_VOICE, "number": "0142"}
    )
    assert (status, body["error"]["field"]) == (400, "number")
    status, body = await call(
        world, "POST", "/api/admin/channels/voice", "admin", json={**PARIS_VOICE, "auth_token": "x"}
    )
    assert (status, body["error"]["field"]) == (400, "auth_token")

    path = f"/api/admin/channels/voice/{PARIS_NUMBER}"
    status, body = await call(
        world, "PATCH", path, "paris_manager", json={"auth_token": NEW_AUTH_TOKEN}
    )
    assert status == 200 and body["voice"]["secrets_set"] == ["auth_token"]

    params = FakeVoiceProvider().incoming_call_params(to_number=PARIS_NUMBER)
    url = f"{PUBLIC_URL}/voice/twilio/incoming"

    async def ring(token: str) -> int:
        response = await world.client.post(
            "/voice/twilio/incoming",
            data=params,
            headers={"X-Twilio-Signature": twilio_signature(token, url, params)},
        )
        return response.status

    assert await ring(AUTH_TOKEN) == 403  # the old token no longer opens the door
    assert await ring(NEW_AUTH_TOKEN) == 200

    status, body = await call(world, "DELETE", path, "paris_manager")
    assert (status, body["error"]["code"]) == (409, "channel_has_history")  # the call
    status, body = await call(world, "PATCH", path, "paris_manager", json={"store": "LONDON01"})
    assert (status, body["error"]["code"]) == (404, "unknown_store")
    status, body = await call(world, "PATCH", path, "admin", json={"store": "LONDON01"})
    assert body["voice"]["store"] == "LONDON01"
    status, body = await call(world, "GET", "/api/admin/channels", "paris_manager")
    assert body["voice"] == []
