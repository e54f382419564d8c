"""The HTTP surface on both databases: login, CSRF, store-scoped reads, limits, errors."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.db.engine import Database
from hub.inbox import Inbox
from hub.security.forwarded import parse_networks
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store
from tests.integration.test_inbox import inbound


@pytest.fixture
async def client(aiohttp_client: Any, database_url: str, clock: FakeClock) -> TestClient:
    settings = make_settings(database_url, public_url="http://127.0.0.1:8080")
    return await aiohttp_client(create_app(settings, clock=clock))


@pytest.fixture
def db(client: TestClient) -> Database:
    return client.app[SERVICES].db


async def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status == 200, await response.text()
    return await response.json()


async def test_health_reports_database_and_redis(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok", "redis": "disabled"}


async def test_login_gives_a_token_and_an_httponly_session_cookie(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await make_store(db, clock())
    staff = await make_staff(db, clock(), email="amelie@test.concierge")
    body = await login(client, "Amelie@test.concierge")
    assert body["staff"]["id"] == staff.id and body["staff"]["stores"] == ["PARIS01"]
    assert len(body["token"]) >= 43
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    assert cookie["hub_session"].value == body["token"]
    me = await client.get("/api/me")
    assert (await me.json())["staff"]["email"] == "amelie@test.concierge"


async def test_wrong_password_and_unknown_email_get_the_same_401(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await make_store(db, clock())
    await make_staff(db, clock(), email="amelie@test.concierge")
    for email, password in (("amelie@test.concierge", "wrong password"), ("nobody@x.io", PASSWORD)):
        response = await client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "invalid_credentials"


async def test_repeated_logins_are_rate_limited(client: TestClient) -> None:
    statuses = []
    for _ in range(12):
        response = await client.post(
            "/api/auth/login", json={"email": "x@y.io", "password": "p" * 12}
        )
        statuses.append(response.status)
    assert statuses[-1] == 429 and "Retry-After" in response.headers
    assert (await response.json())["error"]["code"] == "rate_limited"


async def test_visitor_tokens_are_rate_limited_per_address(client: TestClient) -> None:
    statuses = [(await client.post("/api/visitors")).status for _ in range(25)]
    assert statuses[0] == 201 and statuses[-1] == 429


async def test_behind_a_trusted_load_balancer_each_shopper_has_their_own_limit(
    aiohttp_client: Any, database_url: str, clock: FakeClock
) -> None:
    settings = make_settings(
        database_url,
        login_burst=3,
        login_per_minute=3.0,
        trusted_proxies=parse_networks(["127.0.0.1"]),  # the test client's address
    )
    client = await aiohttp_client(create_app(settings, clock=clock))

    async def attempt(forwarded: str, n: int) -> int:
        response = await client.post(  # a new e-mail each time: only the address limit counts
            "/api/auth/login",
            json={"email": f"x{n}@y.io", "password": "p" * 12},
            headers={"X-Forwarded-For": forwarded},
        )
        return response.status

    one = [await attempt("198.51.100.1", n) for n in range(4)]
    assert one == [401, 401, 401, 429]
    # Another shopper behind the same balancer is not held back by the first ...
    assert await attempt("198.51.100.2", 10) == 401
    # ... and the first cannot escape by writing the header itself: the balancer appends.
    assert await attempt("203.0.113.7, 198.51.100.1", 11) == 429


async def test_without_trusted_proxies_the_forwarded_header_is_not_believed(
    aiohttp_client: Any, database_url: str, clock: FakeClock
) -> None:
    settings = make_settings(database_url, login_burst=2, login_per_minute=2.0)
    client = await aiohttp_client(create_app(settings, clock=clock))
    statuses = [
        (
            await client.post(
                "/api/auth/login",
                json={"email": f"x{n}@y.io", "password": "p" * 12},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
        ).status
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]


async def test_bad_json_missing_fields_and_huge_bodies_get_clear_errors(client: TestClient) -> None:
    response = await client.post(
        "/api/auth/login", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400 and (await response.json())["error"]["code"] == "invalid_json"
    response = await client.post("/api/auth/login", json={"email": "a@b.co"})
    assert response.status == 400 and (await response.json())["error"]["field"] == "password"
    response = await client.post("/api/auth/login", data=b"x" * 200_000)
    assert (
        response.status == 413 and (await response.json())["error"]["code"] == "payload_too_large"
    )
    response = await client.get("/api/nothing-here")
    assert response.status == 404 and "error" in await response.json()


async def test_cookie_sessions_need_the_csrf_header_for_changes(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await make_store(db, clock())
    await make_staff(db, clock(), email="amelie@test.concierge")
    await login(client, "amelie@test.concierge")
    refused = await client.post("/api/auth/logout")
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "csrf_failed"
    csrf = client.session.cookie_jar.filter_cookies(client.make_url("/"))["hub_csrf"].value
    accepted = await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert accepted.status == 204
    assert (await client.get("/api/me")).status == 401


async def test_conversations_outside_the_callers_stores_do_not_exist(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await make_store(db, clock())
    await make_store(db, clock(), "LONDON01", languages="en", timezone="Europe/London")
    await make_staff(db, clock(), "LONDON01", email="james@test.concierge")
    manager = await make_staff(db, clock(), role="manager", email="claire@test.concierge")
    inbox: Inbox = client.app[SERVICES].inbox
    stored = await inbox.receive(inbound("<script>alert(1)</script>"))

    london = (await login(client, "james@test.concierge"))["token"]
    response = await client.get(
        f"/api/conversations/{stored.conversation.id}",
        headers={"Authorization": f"Bearer {london}"},
    )
    assert response.status == 404

    paris = (await login(client, "claire@test.concierge"))["token"]
    headers = {"Authorization": f"Bearer {paris}"}
    response = await client.get(f"/api/conversations/{stored.conversation.id}", headers=headers)
    body = await response.json()
    assert response.status == 200 and body["messages"][0]["text"] == "<script>alert(1)</script>"
    listed = await (
        await client.get("/api/conversations?status=open&scope=stores", headers=headers)
    ).json()
    mine = await (await client.get("/api/conversations?status=open", headers=headers)).json()
    assert mine["conversations"] == []  # "my conversations" are the ones assigned to me
    assert [c["id"] for c in listed["conversations"]] == [stored.conversation.id]
    assert manager.is_manager
    bad = await client.get("/api/conversations?status=everything", headers=headers)
    assert bad.status == 400


async def test_pages_are_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/console", "/chat"):
        response = await client.get(path)
        assert response.status == 200
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    widget = await client.get("/widget.js")
    assert widget.status == 200 and "javascript" in widget.content_type


async def test_shop_sites_get_cors_only_when_allowed(
    aiohttp_client: Any, sqlite_url: str, clock: FakeClock
) -> None:
    settings = make_settings(sqlite_url, allowed_origins=("https://shop.example.com",))
    client = await aiohttp_client(create_app(settings, clock=clock))
    ok = await client.options("/api/visitors", headers={"Origin": "https://shop.example.com"})
    assert (
        ok.status == 204 and ok.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    )
    evil = await client.options("/api/visitors", headers={"Origin": "https://evil.example"})
    assert evil.status == 403
    # The widget books a proposed time from the shop's page; the console API stays closed.
    book = await client.options("/api/appointments", headers={"Origin": "https://shop.example.com"})
    assert book.status == 204
    console = await client.options("/api/calendar", headers={"Origin": "https://shop.example.com"})
    assert "Access-Control-Allow-Origin" not in console.headers


async def test_widget_modules_load_from_any_origin_the_api_does_not(client: TestClient) -> None:
    widget = await client.get("/widget.js", headers={"Origin": "https://shop.example.com"})
    assert widget.headers["Access-Control-Allow-Origin"] == "*"
    api = await client.post("/api/visitors", headers={"Origin": "https://shop.example.com"})
    assert "Access-Control-Allow-Origin" not in api.headers


async def test_metrics_count_stored_messages(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    await make_store(db, clock())
    await client.app[SERVICES].inbox.receive(inbound())
    text = await (await client.get("/metrics")).text()
    assert 'hub_messages_total{channel="webchat",direction="in",process="' in text
    (line,) = [x for x in text.splitlines() if x.startswith("hub_messages_total{")]
    assert line.endswith(" 1.0")
    assert "# TYPE hub_socket_connections gauge" in text
