"""Connecting a WeChat user to their client profile, through the real app on both databases:
the ambassador sends the link into the WeChat chat (a real fake of WeChat's API receives
it), the user comes back from WeChat's authorize page with an OAuth code, proves an e-mail
address with a code a real SMTP server receives, and the profiles merge."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from adapters.wechat import link_routes, link_state
from adapters.wechat.account import WechatAccount
from adapters.wechat.accounts import NewWechatAccount, add_account
from hub.app import create_app
from hub.db.change_models import Change
from hub.db.channel_models import WechatLink, WechatUser
from hub.db.engine import Database
from hub.db.jobs_models import MailOutbox
from hub.db.models import AuditEntry, Conversation
from hub.errors import InvalidInput
from hub.jobs.runner import InProcessRunner
from hub.messages import Inbound
from hub.profiles.identity import EMAIL, WECHAT_OPENID, Identity
from hub.services import SERVICES
from hub.settings import Settings
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store
from tests.fakes import wechat_api as fake_wechat
from tests.fakes.smtp import FakeSmtpServer
from tests.fakes.wechat_api import FakeWechatApi
from tests.wechat_signing import AES_KEY, OPENID

wechat_api = fake_wechat.wechat_api  # the fixture, until tests/conftest.py imports it

PUBLIC_URL = "http://hub.test"
ACCOUNT = "maison"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "MaisonAppSecret0123456789"
START = f"/wechat/{ACCOUNT}/link/start"
RETURN = f"/wechat/{ACCOUNT}/link"
JSON = {"Accept": "application/json"}
CODE = re.compile(r"^ {4}([0-9]{6})\s*$", re.MULTILINE)


def app_with_links(settings: Settings, clock: FakeClock) -> web.Application:
    """The real app; the link routes are mounted here until hub/app.py does it."""
    app = create_app(settings, clock=clock)
    paths = {getattr(r, "canonical", "") for r in app.router.resources()}
    if link_routes.API_PATH not in paths:
        link_routes.add_routes(app)
    return app


@pytest.fixture
def settings(database_url: str, smtp: FakeSmtpServer, wechat_api: FakeWechatApi) -> Settings:
    return make_settings(
        database_url,
        smtp_relay=smtp.relay,
        public_url=PUBLIC_URL,
        wechat_api_base=wechat_api.base_url,
    )


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings, clock: FakeClock) -> TestClient:
    return await aiohttp_client(app_with_links(settings, clock))


async def login(client: TestClient, email: str) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def settled(client: TestClient) -> None:
    """Everything the embedded job runner has due is done (mail sent, outbox updated)."""
    runner = client.app[SERVICES].jobs
    assert isinstance(runner, InProcessRunner)
    await runner.run_due()


def wechat_message(text: str, key: str, **extra: Any) -> Inbound:
    return Inbound(
        channel="wechat",
        contact=OPENID,
        identity_kind=WECHAT_OPENID,
        identity_value=OPENID,
        dedupe_key=f"wechat:{key}",
        text=text,
        received_at=FakeClock().now,
        store_code="PARIS01",
        display_name="Léa",
        **extra,
    )


@pytest.fixture
async def world(client: TestClient, clock: FakeClock, wechat_api: FakeWechatApi) -> dict[str, Any]:
    """Paris, a manager and an ambassador there, a London ambassador, the Official Account,
    and Léa, who wrote on WeChat (and typed her address there, a mere claim)."""
    hub = client.app[SERVICES]
    db: Database = hub.db
    await make_store(db, clock())
    await make_store(db, clock(), "LONDON01", timezone="Europe/London", country="GB")
    await make_staff(db, clock(), role="manager", email="manon@test.concierge")
    await make_staff(db, clock(), email="amelie@test.concierge")
    await make_staff(db, clock(), "LONDON01", email="james@test.concierge")
    async with db.transaction() as session:
        row = await add_account(
            session,
            NewWechatAccount.parse(
                name=ACCOUNT,
                app_id=APP_ID,
                app_secret=APP_SECRET,
                token="concierge",
                aes_key=AES_KEY,
                store_code="PARIS01",
            ),
            now=clock(),
            actor=("cli", None),
        )
        account_id = row.id
    wechat_api.add_app(APP_ID, APP_SECRET)
    return {
        "db": db,
        "account_id": account_id,
        "manon": await login(client, "manon@test.concierge"),
        "amelie": await login(client, "amelie@test.concierge"),
        "james": await login(client, "james@test.concierge"),
    }


async def lea_writes(client: TestClient, world: dict[str, Any], clock: FakeClock) -> str:
    """Léa's first WeChat message, as the intake stores it; her conversation's id."""
    db: Database = world["db"]
    async with db.transaction() as session:
        session.add(
            WechatUser(
                account_id=world["account_id"],
                openid=OPENID,
                nickname="Léa",
                subscribed=True,
                last_interaction_at=clock(),
                created_at=clock(),
                updated_at=clock(),
            )
        )
    claim = (Identity(EMAIL, "ada@example.com"),)
    stored = await client.app[SERVICES].inbox.receive(
        replace(wechat_message("你好, is the Aube ring in stock?", "1"), claimed=claim)
    )
    async with db.transaction() as session:
        user = await session.scalar(select(WechatUser).where(WechatUser.openid == OPENID))
        assert user is not None
        user.customer_id = stored.conversation.customer_id
    return stored.conversation.id


async def ada_wrote_by_mail(client: TestClient) -> str:
    """A profile whose mail server proved ada@example.com; its id."""
    inbound = Inbound(
        channel="email",
        contact="ada@example.com",
        identity_kind=EMAIL,
        identity_value="ada@example.com",
        dedupe_key="email:<m1@example.com>",
        text="Could you resize my ring?",
        received_at=FakeClock().now,
        store_code="PARIS01",
        display_name="Ada Lovelace",
    )
    return (await client.app[SERVICES].inbox.receive(inbound)).conversation.customer_id


async def sign_in_with_wechat(
    client: TestClient, wechat_api: FakeWechatApi, oauth_code: str = "CODE1"
) -> None:
    """The WeChat browser opens the start link, WeChat sends it back with a code."""
    started = await client.get(START, allow_redirects=False)
    assert started.status == 303, await started.text()
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    wechat_api.add_oauth_code(oauth_code, OPENID)
    back = await client.get(
        RETURN, params={"code": oauth_code, "state": state}, allow_redirects=False
    )
    assert back.status == 303, await back.text()
    assert back.headers["Location"] == "/wechat-link"


async def send_code(
    client: TestClient, smtp: FakeSmtpServer, email: str = "ada@example.com"
) -> str:
    sent = await client.post("/api/wechat-link/code", json={"email": email})
    assert sent.status == 202, await sent.text()
    received = await smtp.next_message()
    found = CODE.search(received.text)
    assert found is not None, received.text
    return found.group(1)


async def profile(client: TestClient, auth: Mapping[str, str], customer_id: str) -> Any:
    response = await client.get(f"/api/customers/{customer_id}", headers=auth)
    assert response.status == 200, await response.text()
    return await response.json()


async def count(db: Database, model: Any) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def cookie(response: Any, name: str) -> Any:
    return response.cookies[name]


# -- The whole flow --------------------------------------------------------------------


async def test_the_ambassador_sends_the_link_and_wechat_joins_the_existing_profile(
    client: TestClient,
    world: dict[str, Any],
    clock: FakeClock,
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    db: Database = world["db"]
    ada_id = await ada_wrote_by_mail(client)
    clock.advance(minutes=5)  # Ada's profile is the older one: it survives the merge
    conversation_id = await lea_writes(client, world, clock)
    async with db.reading() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        lea_id = conversation.customer_id
    assert lea_id != ada_id

    # The manager sends the link into the chat; it reaches WeChat and the timeline.
    sent = await client.post(
        f"/api/conversations/{conversation_id}/wechat-link",
        json={"client_id": "link-1"},
        headers=world["manon"],
    )
    assert sent.status == 201, await sent.text()
    body = await sent.json()
    start_url = f"{PUBLIC_URL}{START}"
    assert body["url"] == start_url and start_url in body["message"]["text"]
    delivered = await wechat_api.next_custom_message()
    assert delivered.openid == OPENID and start_url in delivered.text
    again = await client.post(
        f"/api/conversations/{conversation_id}/wechat-link",
        json={"client_id": "link-1"},
        headers=world["manon"],
    )
    assert again.status == 200  # the same client_id: nothing sent twice
    timeline = await client.get(f"/api/conversations/{conversation_id}", headers=world["manon"])
    texts = [m["text"] for m in (await timeline.json())["messages"]]
    assert sum(start_url in t for t in texts) == 1

    # The start link sets the browser's nonce and goes to WeChat's authorize page.
    started = await client.get(START, allow_redirects=False)
    assert started.status == 303
    location = started.headers["Location"]
    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?appid=")
    assert location.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(location).query)
    assert query["appid"] == [APP_ID] and query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"] == [f"{PUBLIC_URL}{RETURN}"]
    assert re.fullmatch(r"[A-Za-z0-9]{1,128}", query["state"][0])  # WeChat's own rule
    nonce = cookie(started, link_routes.STATE_COOKIE)
    assert nonce["httponly"] and nonce["samesite"] == "Lax" and nonce["path"] == RETURN

    # WeChat sends the browser back with a code: the token goes into a cookie, not the URL.
    wechat_api.add_oauth_code("CODE1", OPENID)
    back = await client.get(
        RETURN, params={"code": "CODE1", "state": query["state"][0]}, allow_redirects=False
    )
    assert back.status == 303 and back.headers["Location"] == "/wechat-link"
    token = cookie(back, link_routes.LINK_COOKIE)
    assert token["httponly"] and token["samesite"] == "Strict"
    assert token["path"] == "/api/wechat-link" and not token["secure"]
    async with db.reading() as session:
        link = (await session.scalars(select(WechatLink))).one()
    assert link.token_hash == hashlib.sha256(token.value.encode()).hexdigest()
    assert (link.openid, link.account_id) == (OPENID, world["account_id"])

    status = await client.get("/api/wechat-link")
    assert (await status.json())["step"] == "email"
    code = await send_code(client, smtp, " Ada@Example.com ")
    mail = smtp.received[-1]
    assert mail.rcpt_tos == ("ada@example.com",)
    assert code not in str(mail.message["Subject"])
    assert (await (await client.get("/api/wechat-link")).json())["step"] == "code"

    confirmed = await client.post("/api/wechat-link/confirm", json={"code": code})
    assert confirmed.status == 200, await confirmed.text()
    assert await confirmed.json() == {"connected": True, "email": "ada@example.com"}

    # One profile now: Ada's, holding the WeChat openid and the e-mail, both verified.
    merged = await profile(client, world["manon"], ada_id)
    assert merged["id"] == ada_id
    assert (await profile(client, world["manon"], lea_id))["id"] == ada_id
    identities = {(i["kind"], i["value"]): i["verified"] for i in merged["identities"]}
    assert identities[(WECHAT_OPENID, OPENID)] is True
    assert identities[(EMAIL, "ada@example.com")] is True
    assert sum(kind == EMAIL for kind, _ in identities) == 1
    async with db.reading() as session:
        user = await session.scalar(select(WechatUser).where(WechatUser.openid == OPENID))
        link = (await session.scalars(select(WechatLink))).one()
        audit = {a.action: a for a in await session.scalars(select(AuditEntry))}
        changed = set(await session.scalars(select(Change.ref).where(Change.kind == "customer")))
    assert user is not None and user.customer_id == ada_id
    assert link.completed_at == clock() and link.customer_id == ada_id
    linked = audit["customer.wechat_linked"]
    assert (linked.subject_id, linked.actor_kind) == (ada_id, "customer")
    assert linked.data is not None and linked.data["merged"] == [lea_id]
    # The merge's reason is the proof, not the address Léa had typed in the chat.
    merge = audit["customer.merged"]
    assert merge.data is not None and "WeChat link proved" in merge.data["reason"]
    assert {ada_id, lea_id} <= changed  # consoles showing either profile reload it
    assert (await (await client.get("/api/wechat-link")).json())["step"] == "done"

    # The code is in no log line of ours and, once delivered, not in the outbox either.
    await settled(client)
    async with db.reading() as session:
        outbox = (await session.scalars(select(MailOutbox))).one()
    assert outbox.status == "sent" and outbox.sensitive
    assert code.encode() not in outbox.message and code not in outbox.subject
    ours = [
        r for r in caplog.records if r.name.startswith(("hub", "adapters", "aiohttp", "sqlalchemy"))
    ]
    assert ours
    assert not any(code in f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in ours)
    assert not any(token.value in f"{r.getMessage()} {r.__dict__}" for r in ours)


async def test_an_address_on_no_profile_joins_the_wechat_profile_verified(
    client: TestClient,
    world: dict[str, Any],
    clock: FakeClock,
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,
) -> None:
    conversation_id = await lea_writes(client, world, clock)
    await sign_in_with_wechat(client, wechat_api)
    code = await send_code(client, smtp, "lea@example.cn")
    confirmed = await client.post("/api/wechat-link/confirm", json={"code": code})
    assert confirmed.status == 200, await confirmed.text()
    db: Database = world["db"]
    async with db.reading() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        lea_id = conversation.customer_id
        audit = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "customer.wechat_linked")
            )
        ).one()
        merges = await session.scalar(
            select(func.count()).where(AuditEntry.action == "customer.merged")
        )
    lea = await profile(client, world["manon"], lea_id)
    assert lea["id"] == lea_id
    identities = {(i["kind"], i["value"]): i["verified"] for i in lea["identities"]}
    assert identities[(EMAIL, "lea@example.cn")] is True
    assert identities[(EMAIL, "ada@example.com")] is False  # her earlier claim stays a claim
    assert identities[(WECHAT_OPENID, OPENID)] is True
    assert audit.subject_id == lea_id and audit.data is not None and audit.data["merged"] is None
    assert merges == 0


async def test_a_wechat_user_the_hub_never_saw_gets_a_profile_or_joins_the_address(
    client: TestClient,
    world: dict[str, Any],
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,
) -> None:
    ada_id = await ada_wrote_by_mail(client)
    await sign_in_with_wechat(client, wechat_api)  # a forwarded link: no WechatUser row
    code = await send_code(client, smtp)
    confirmed = await client.post("/api/wechat-link/confirm", json={"code": code})
    assert confirmed.status == 200, await confirmed.text()
    identities = {
        (i["kind"], i["value"]): i["verified"]
        for i in (await profile(client, world["manon"], ada_id))["identities"]
    }
    assert identities[(WECHAT_OPENID, OPENID)] is True


# -- Codes -------------------------------------------------------------------------------


async def test_five_wrong_codes_kill_the_link(
    client: TestClient,
    world: dict[str, Any],
    clock: FakeClock,
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,
) -> None:
    ada_id = await ada_wrote_by_mail(client)
    await lea_writes(client, world, clock)
    await sign_in_with_wechat(client, wechat_api)
    code = await send_code(client, smtp)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        refused = await client.post("/api/wechat-link/confirm", json={"code": wrong})
        assert refused.status == 400
        error = (await refused.json())["error"]
        assert error["code"] == "wrong_code" and f"{left} tr" in error["message"]
    last = await client.post("/api/wechat-link/confirm", json={"code": wrong})
    assert last.status == 410
    assert (await last.json())["error"]["code"] == "too_many_attempts"
    for response in (
        await client.post("/api/wechat-link/confirm", json={"code": code}),
        await client.post("/api/wechat-link/code", json={"email": "ada@example.com"}),
        await client.get("/api/wechat-link"),
    ):
        assert response.status == 410
        assert (await response.json())["error"]["code"] == "too_many_attempts"
    identities = (await profile(client, world["manon"], ada_id))["identities"]
    assert not any(i["kind"] == WECHAT_OPENID for i in identities)
    async with world["db"].reading() as session:
        link = (await session.scalars(select(WechatLink))).one()
    assert link.attempts == 5 and link.completed_at is None


async def test_parallel_guesses_share_one_budget_and_one_confirmation_wins(
    client: TestClient,
    world: dict[str, Any],
    clock: FakeClock,
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,
) -> None:
    await lea_writes(client, world, clock)
    await sign_in_with_wechat(client, wechat_api, "CODE1")
    code = await send_code(client, smtp)
    wrong = "000000" if code != "000000" else "111111"
    guesses = await asyncio.gather(
        *(client.post("/api/wechat-link/confirm", json={"code": wrong}) for _ in range(8))
    )
    assert sorted(r.status for r in guesses) == [400] * 4 + [410] * 4
    async with world["db"].reading() as session:
        assert (await session.scalars(select(WechatLink.attempts))).one() == 5

    await sign_in_with_wechat(client, wechat_api, "CODE2")  # a new link, a new cookie
    code = await send_code(client, smtp)
    both = await asyncio.gather(
        *(client.post("/api/wechat-link/confirm", json={"code": code}) for _ in range(2))
    )
    assert sorted(r.status for r in both) == [200, 409]
    async with world["db"].reading() as session:
        linked = await session.scalar(
            select(func.count()).where(AuditEntry.action == "customer.wechat_linked")
        )
    assert linked == 1


async def test_a_malformed_code_costs_no_attempt_and_no_code_means_ask_first(
    client: TestClient, world: dict[str, Any], clock: FakeClock, wechat_api: FakeWechatApi
) -> None:
    await sign_in_with_wechat(client, wechat_api)
    early = await client.post("/api/wechat-link/confirm", json={"code": "123456"})
    assert early.status == 409
    assert (await early.json())["error"]["code"] == "no_code_sent"
    for bad in ("12345", "abcdef", 123456, None):
        refused = await client.post("/api/wechat-link/confirm", json={"code": bad})
        assert refused.status == 400
        assert (await refused.json())["error"]["code"] == "invalid_code"
    async with world["db"].reading() as session:
        assert (await session.scalars(select(WechatLink.attempts))).one() == 0


async def test_an_expired_link_sends_nothing_and_confirms_nothing(
    client: TestClient,
    world: dict[str, Any],
    clock: FakeClock,
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,
) -> None:
    await lea_writes(client, world, clock)
    await sign_in_with_wechat(client, wechat_api)
    code = await send_code(client, smtp)
    clock.advance(minutes=30)
    for response in (
        await client.post("/api/wechat-link/confirm", json={"code": code}),
        await client.post("/api/wechat-link/code", json={"email": "ada@example.com"}),
        await client.get("/api/wechat-link"),
    ):
        assert response.status == 410
        error = (await response.json())["error"]
        assert error["code"] == "link_expired" and "expired" in error["message"]
    await settled(client)
    assert len(smtp.received) == 1
    async with world["db"].reading() as session:
        assert (await session.scalars(select(WechatLink.completed_at))).one() is None


async def test_codes_are_sent_once_a_minute_and_five_times_at_most_the_last_one_counts(
    client: TestClient,
    world: dict[str, Any],
    clock: FakeClock,
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,
) -> None:
    await lea_writes(client, world, clock)
    await sign_in_with_wechat(client, wechat_api)
    first = await send_code(client, smtp, "one@example.com")
    assert (await (await client.get("/api/wechat-link")).json())["resend_in_seconds"] == 60
    too_soon = await client.post("/api/wechat-link/code", json={"email": "two@example.com"})
    assert too_soon.status == 429 and "Retry-After" in too_soon.headers
    assert (await too_soon.json())["error"]["code"] == "code_recently_sent"
    codes = [first]
    for n in ("two", "three", "four", "five"):  # a typo fixed: another address
        clock.advance(seconds=61)
        codes.append(await send_code(client, smtp, f"{n}@example.com"))
    clock.advance(seconds=61)
    sixth = await client.post("/api/wechat-link/code", json={"email": "six@example.com"})
    assert sixth.status == 410
    assert (await sixth.json())["error"]["code"] == "too_many_codes"
    status = await (await client.get("/api/wechat-link")).json()
    assert status["email"] == "five@example.com" and status["step"] == "code"
    if codes[0] != codes[-1]:  # the first code went to another address: it proves nothing
        stale = await client.post("/api/wechat-link/confirm", json={"code": codes[0]})
        assert (await stale.json())["error"]["code"] == "wrong_code"
    confirmed = await client.post("/api/wechat-link/confirm", json={"code": codes[-1]})
    assert confirmed.status == 200, await confirmed.text()
    assert (await confirmed.json())["email"] == "five@example.com"


async def test_a_phone_number_is_refused_until_the_hub_has_an_sms_provider(
    client: TestClient, world: dict[str, Any], smtp: FakeSmtpServer, wechat_api: FakeWechatApi
) -> None:
    await sign_in_with_wechat(client, wechat_api)
    for body in ({"email": "+33 6 12 34 56 78"}, {"phone": "+8613800138000"}):
        refused = await client.post("/api/wechat-link/code", json=body)
        assert refused.status == 400
        error = (await refused.json())["error"]
        assert error["code"] == "phone_not_supported"
        assert "text message" in error["message"] and "e-mail" in error["message"]
    bad = await client.post("/api/wechat-link/code", json={"email": "not-an-address"})
    assert (await bad.json())["error"]["code"] == "invalid_email"
    assert smtp.received == []


# -- The OAuth round trip ------------------------------------------------------------------


async def test_a_forged_foreign_or_old_state_is_refused_before_wechat_is_asked(
    client: TestClient,
    world: dict[str, Any],
    clock: FakeClock,
    wechat_api: FakeWechatApi,
    settings: Settings,
) -> None:
    wechat_api.add_oauth_code("CODE1", OPENID)
    secret = settings.secret_key.reveal()

    async def fresh_state() -> tuple[str, str]:
        """A state and the nonce cookie it is bound to (each refusal spends the cookie)."""
        started = await client.get(START, allow_redirects=False)
        state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
        return state, cookie(started, link_routes.STATE_COOKIE).value

    async def refused(state: str, code: str) -> None:
        back = await client.get(
            RETURN, params={"code": "CODE1", "state": state}, headers=JSON, allow_redirects=False
        )
        assert back.status == 400, await back.text()
        assert (await back.json())["error"]["code"] == code

    state, _nonce = await fresh_state()
    issued, mac = state.split("x")
    await refused(f"{issued}x{mac[::-1]}", "invalid_state")  # forged
    await fresh_state()
    await refused(f"{int(issued) + 60}x{mac}", "invalid_state")  # its time changed
    await fresh_state()
    await refused("", "invalid_state")
    _state, nonce = await fresh_state()  # signed for another account of ours
    await refused(link_state.new_state(secret, "other", nonce, clock()), "invalid_state")
    # A valid state handed to a victim's browser, which has no (or another) nonce cookie.
    foreign, _nonce = await fresh_state()
    client.session.cookie_jar.clear()
    await refused(foreign, "invalid_state")
    await fresh_state()
    await refused(foreign, "invalid_state")
    old, _nonce = await fresh_state()
    clock.advance(minutes=10, seconds=1)
    await refused(old, "state_expired")
    # A browser is shown the page with the reason instead.
    await fresh_state()
    browser = await client.get(
        RETURN, params={"code": "CODE1", "state": "forged"}, allow_redirects=False
    )
    assert browser.cookies[link_routes.STATE_COOKIE].value == ""  # the nonce is spent
    assert browser.status == 303
    assert browser.headers["Location"] == "/wechat-link#error=invalid_state"
    assert wechat_api.calls["/sns/oauth2/access_token"] == 0
    assert await count(world["db"], WechatLink) == 0


async def test_a_reused_or_unknown_oauth_code_is_refused_and_stores_nothing(
    client: TestClient, world: dict[str, Any], wechat_api: FakeWechatApi
) -> None:
    await sign_in_with_wechat(client, wechat_api, "CODE1")
    assert await count(world["db"], WechatLink) == 1
    for code in ("CODE1", "NEVER-ISSUED"):  # used once already; never issued
        started = await client.get(START, allow_redirects=False)
        state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
        back = await client.get(
            RETURN, params={"code": code, "state": state}, headers=JSON, allow_redirects=False
        )
        assert back.status == 400
        error = (await back.json())["error"]
        assert error["code"] == "invalid_oauth_code" and "WeChat" in error["message"]
    assert await count(world["db"], WechatLink) == 1
    # WeChat down: a different answer, and still nothing stored.
    wechat_api.fail_http_next("/sns/oauth2/access_token", 503)
    started = await client.get(START, allow_redirects=False)
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    wechat_api.add_oauth_code("CODE2", OPENID)
    back = await client.get(RETURN, params={"code": "CODE2", "state": state}, allow_redirects=False)
    assert back.headers["Location"] == "/wechat-link#error=wechat_unavailable"
    assert await count(world["db"], WechatLink) == 1


async def test_cookies_are_secure_on_https_and_unknown_accounts_do_not_exist(
    aiohttp_client: Any, settings: Settings, clock: FakeClock, world: dict[str, Any]
) -> None:
    https = await aiohttp_client(
        app_with_links(replace(settings, public_url="https://hub.example.com"), clock)
    )
    started = await https.get(START, allow_redirects=False)
    assert started.status == 303
    assert cookie(started, link_routes.STATE_COOKIE)["secure"]
    assert (
        "redirect_uri=https%3A%2F%2Fhub.example.com%2Fwechat%2Fmaison%2Flink"
        in (started.headers["Location"])
    )
    unknown = await https.get("/wechat/nobody/link/start", headers=JSON, allow_redirects=False)
    assert unknown.status == 404
    assert (await unknown.json())["error"]["code"] == "unknown_account"
    browser = await https.get("/wechat/nobody/link/start", allow_redirects=False)
    assert browser.headers["Location"] == "/wechat-link#error=unknown_account"


async def test_the_link_endpoints_are_rate_limited_per_address(
    aiohttp_client: Any, settings: Settings, clock: FakeClock, world: dict[str, Any]
) -> None:
    limited = await aiohttp_client(
        app_with_links(replace(settings, anonymous_burst=2, anonymous_per_minute=1), clock)
    )
    for _ in range(2):
        assert (await limited.get(START, allow_redirects=False)).status == 303
    refused = await limited.get(START, headers=JSON, allow_redirects=False)
    assert refused.status == 429 and "Retry-After" in refused.headers
    browser = await limited.get(START, allow_redirects=False)
    assert browser.headers["Location"] == "/wechat-link#error=rate_limited"
    for _ in range(2):
        assert (await limited.post("/api/wechat-link/code", json={})).status == 400
    assert (await limited.post("/api/wechat-link/code", json={})).status == 429


# -- The API's edges and the page --------------------------------------------------------


async def test_without_the_cookie_or_from_another_site_nothing_happens(
    client: TestClient, world: dict[str, Any], wechat_api: FakeWechatApi
) -> None:
    for response in (
        await client.get("/api/wechat-link"),
        await client.post("/api/wechat-link/code", json={"email": "ada@example.com"}),
        await client.post("/api/wechat-link/confirm", json={"code": "123456"}),
    ):
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "no_link"
    await sign_in_with_wechat(client, wechat_api)
    cross = await client.post(
        "/api/wechat-link/code",
        json={"email": "ada@example.com"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status == 403
    huge = await client.post("/api/wechat-link/code", data=b'{"email": "' + b"a" * 2048 + b'"}')
    assert huge.status == 413
    not_json = await client.post("/api/wechat-link/code", data=b"email=a@b.c")
    assert (await not_json.json())["error"]["code"] == "invalid_json"


async def test_only_the_handler_of_a_visible_wechat_conversation_sends_the_link(
    client: TestClient, world: dict[str, Any], clock: FakeClock
) -> None:
    conversation_id = await lea_writes(client, world, clock)
    path = f"/api/conversations/{conversation_id}/wechat-link"
    client.session.cookie_jar.clear()  # the logins' session cookies
    assert (await client.post(path)).status == 401
    not_assigned = await client.post(path, headers=world["amelie"])
    assert not_assigned.status == 403
    assert (await not_assigned.json())["error"]["code"] == "not_assigned"
    elsewhere = await client.post(path, headers=world["james"])
    assert elsewhere.status == 404
    webchat = await client.app[SERVICES].inbox.receive(
        replace(
            wechat_message("hello", "w"),
            channel="webchat",
            contact="v" * 32,
            identity_kind="visitor",
            identity_value="v" * 32,
        )
    )
    refused = await client.post(
        f"/api/conversations/{webchat.conversation.id}/wechat-link", headers=world["manon"]
    )
    assert refused.status == 400
    assert (await refused.json())["error"]["code"] == "not_wechat"
    # Outside WeChat's 48-hour window the reply is refused, as any reply would be.
    clock.advance(hours=49)
    world["manon"] = await login(client, "manon@test.concierge")
    closed = await client.post(path, headers=world["manon"])
    assert closed.status == 409
    assert (await closed.json())["error"]["code"] == "wechat_window_closed"


async def test_the_page_is_a_strict_static_page(client: TestClient) -> None:
    page = await client.get("/wechat-link")
    assert page.status == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = await page.text()
    assert '<script type="module" src="/static/wechat-link.js">' in html
    # Its words come from the catalogue of the shopper's language, filled in by the script.
    assert "<script>" not in html and 'data-i18n="wechatLink.intro"' in html
    for asset in ("/static/wechat-link.js", "/static/wechat-link.css"):
        assert (await client.get(asset)).status == 200


# -- Pure parts ---------------------------------------------------------------------------


def test_the_authorize_url_is_what_wechat_expects() -> None:
    account = WechatAccount(
        id="a", name="cn", app_id=APP_ID, app_secret="s", token="t", aes_key=AES_KEY
    )
    assert link_state.authorize_url(account, "https://hub.example.com/", "123xabc") == (
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx0123456789abcdef"
        "&redirect_uri=https%3A%2F%2Fhub.example.com%2Fwechat%2Fcn%2Flink"
        "&response_type=code&scope=snsapi_base&state=123xabc#wechat_redirect"
    )


def test_a_state_is_bound_to_the_secret_account_nonce_and_time(clock: FakeClock) -> None:
    state = link_state.new_state("secret", "cn", "nonce", clock())
    link_state.check_state("secret", "cn", "nonce", state, clock())
    wrong = [
        ("other", "cn", "nonce", state),
        ("secret", "hk", "nonce", state),
        ("secret", "cn", "other", state),
        ("secret", "cn", None, state),
        ("secret", "cn", "nonce", state.upper()),
        ("secret", "cn", "nonce", ["not", "text"]),
    ]
    for secret, name, nonce, value in wrong:
        with pytest.raises(InvalidInput) as caught:
            link_state.check_state(secret, name, nonce, value, clock())
        assert caught.value.code == "invalid_state"
    later = clock.advance(minutes=10, seconds=1)
    with pytest.raises(InvalidInput) as caught:
        link_state.check_state("secret", "cn", "nonce", state, later)
    assert caught.value.code == "state_expired"
