"""``POST /api/language`` on both databases: the order in which a shopper's language is
chosen (profile, page, Accept-Language, store default), and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.app import create_app
from hub.db.models import Customer, CustomerIdentity
from hub.services import SERVICES, Services
from tests.conftest import FakeClock, make_settings
from tests.factories import make_store
from tests.integration.test_inbox import inbound

SHOPPER_LANGUAGES = ["en", "fr", "zh-Hans", "zh-Hant", "ja", "ko", "nl", "de", "it", "es", "ar"]


@pytest.fixture
async def client(aiohttp_client: Any, database_url: str, clock: FakeClock) -> TestClient:
    settings = make_settings(database_url, allowed_origins=("https://shop.example",))
    client = await aiohttp_client(create_app(settings, clock=clock))
    hub: Services = client.app[SERVICES]
    await make_store(hub.db, clock(), "PARIS01", languages="fr,en")
    await make_store(hub.db, clock(), "TOKYO01", languages="ja,en", timezone="Asia/Tokyo")
    return client


async def ask(client: TestClient, body: dict[str, Any], accept: str | None = None) -> Any:
    headers = {"Accept-Language": accept} if accept is not None else {}
    return await client.post("/api/language", json=body, headers=headers)


async def chosen(client: TestClient, body: dict[str, Any], accept: str | None = None) -> str:
    response = await ask(client, body, accept)
    assert response.status == 200, await response.text()
    return str((await response.json())["language"])


async def visitor_with_language(client: TestClient, language: str | None) -> str:
    """A web visitor who has chatted (so has a profile), with ``language`` on it."""
    hub: Services = client.app[SERVICES]
    visitor_id, token = hub.tokens.issue()
    await hub.inbox.receive(inbound(visitor=visitor_id, key="hello"))
    async with hub.db.transaction() as session:
        customer = await session.scalar(
            select(Customer)
            .join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)
            .where(CustomerIdentity.kind == "visitor", CustomerIdentity.value == visitor_id)
        )
        assert customer is not None
        customer.preferences = {"language": language} if language else {}
    return token


async def test_the_answer_names_the_language_its_direction_and_what_is_served(
    client: TestClient,
) -> None:
    response = await ask(client, {"lang": "ar"})
    assert response.status == 200
    assert await response.json() == {
        "language": "ar",
        "direction": "rtl",
        "supported": SHOPPER_LANGUAGES,
    }


async def test_the_profile_language_wins_over_page_browser_and_store(client: TestClient) -> None:
    token = await visitor_with_language(client, "ja")
    body = {"store": "PARIS01", "lang": "fr", "visitor_token": token}
    assert await chosen(client, body, accept="de-DE,de;q=0.9") == "ja"


async def test_without_a_profile_language_the_page_comes_next(client: TestClient) -> None:
    token = await visitor_with_language(client, None)
    body = {"store": "PARIS01", "lang": "zh-TW", "visitor_token": token}
    assert await chosen(client, body, accept="de") == "zh-Hant"


async def test_an_expired_or_forged_visitor_token_only_loses_the_profile(
    client: TestClient,
) -> None:
    assert await chosen(client, {"visitor_token": "v1.forged.token", "lang": "ko"}) == "ko"


async def test_the_browser_languages_come_before_the_store_default(client: TestClient) -> None:
    accept = "pt-BR,pt;q=0.9,nl;q=0.8,en;q=0.5"
    assert await chosen(client, {"store": "PARIS01"}, accept=accept) == "nl"


async def test_a_page_in_an_unserved_language_falls_through_to_the_browser(
    client: TestClient,
) -> None:
    assert await chosen(client, {"lang": "pt-BR"}, accept="es-MX") == "es"


async def test_the_store_default_when_nothing_else_is_served(client: TestClient) -> None:
    assert await chosen(client, {"store": "TOKYO01"}, accept="pt-BR") == "ja"
    assert await chosen(client, {"store": "paris01"}, accept="") == "fr"


async def test_english_when_nothing_at_all_is_known(client: TestClient) -> None:
    assert await chosen(client, {}) == "en"


async def test_an_unknown_store_is_a_404(client: TestClient) -> None:
    response = await ask(client, {"store": "NOWHERE1", "lang": "fr"})
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "unknown_store"


@pytest.mark.parametrize("lang", ["français", "e", "en--", 42, "x" * 40])
async def test_a_malformed_page_language_is_a_400_naming_lang(
    client: TestClient, lang: object
) -> None:
    response = await ask(client, {"lang": lang})
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "invalid_input" and error["field"] == "lang"


async def test_an_oversized_body_is_refused_unread(client: TestClient) -> None:
    response = await client.post(
        "/api/language",
        data=b'{"lang": "' + b"a" * 4000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 413


async def test_unknown_fields_are_refused(client: TestClient) -> None:
    response = await ask(client, {"language": "fr"})
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "body"


async def test_asking_too_often_from_one_address_is_a_429(client: TestClient) -> None:
    statuses = [(await ask(client, {"lang": "fr"})).status for _ in range(25)]
    assert statuses[0] == 200 and statuses[-1] == 429


async def test_shop_sites_allowed_to_embed_the_widget_may_ask_cross_origin(
    client: TestClient,
) -> None:
    allowed = {"Origin": "https://shop.example"}
    response = await client.post("/api/language", json={"lang": "it"}, headers=allowed)
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    stranger = await client.options("/api/language", headers={"Origin": "https://evil.example"})
    assert stranger.status == 403
