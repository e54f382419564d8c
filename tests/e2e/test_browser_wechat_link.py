"""Connecting WeChat to a profile in Debian's chromium, on a phone-sized screen: the start
link, WeChat's authorize page (played by a route that redirects back, as WeChat does, from
another site), the e-mail, a wrong code, the right one, a reload, and a sign-in that did
not start in this browser. The cookies' SameSite and Path settings are what a real
browser enforces here. Screenshots: test-output/browser/.

The hub runs in this process (the real app with the link routes) rather than as
``hub serve``, so the test works before hub/app.py mounts the routes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from adapters.wechat import link_state
from hub.messages import Inbound
from hub.profiles.identity import EMAIL
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.e2e.conftest import free_port
from tests.e2e.test_browser import (  # noqa: F401 (browser and database_url are fixtures)
    OUTPUT,
    PHONE,
    browser,
    database_url,
    open_pages,
    pytestmark,
)
from tests.fakes.smtp import FakeSmtpServer
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.test_wechat_linking import (
    ACCOUNT,
    APP_ID,
    APP_SECRET,
    CODE,
    OPENID,
    app_with_links,
    wechat_api,  # noqa: F401 (a fixture)
)
from tests.wechat_signing import AES_KEY


@pytest.fixture
async def hub(
    database_url: str,  # noqa: F811 (the fixture imported above)
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,  # noqa: F811
    aiohttp_server: Any,
) -> AsyncIterator[TestServer]:
    """The real app on a port known in advance (HUB_PUBLIC_URL names it), with the Official
    Account and Ada's profile, proven by her mail server."""
    from adapters.wechat.accounts import NewWechatAccount, add_account
    from tests.factories import make_store

    port = free_port()
    settings = make_settings(
        database_url,
        smtp_relay=smtp.relay,
        public_url=f"http://127.0.0.1:{port}",
        wechat_api_base=wechat_api.base_url,
    )
    clock = FakeClock()
    server: TestServer = await aiohttp_server(app_with_links(settings, clock), port=port)
    services = server.app[SERVICES]
    await make_store(services.db, clock())
    async with services.db.transaction() as session:
        await add_account(
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
    wechat_api.add_app(APP_ID, APP_SECRET)
    await services.inbox.receive(
        Inbound(
            channel="email",
            contact="ada@example.com",
            identity_kind=EMAIL,
            identity_value="ada@example.com",
            dedupe_key="email:<m1@example.com>",
            text="Could you resize my ring?",
            received_at=clock(),
            store_code="PARIS01",
            display_name="Ada Lovelace",
        )
    )
    yield server


async def authorize(request: web.Request) -> web.Response:
    """WeChat's snsapi_base authorize page: silent, straight back with a code and the state."""
    query = request.query
    assert (query["appid"], query["scope"], query["response_type"]) == (
        APP_ID,
        "snsapi_base",
        "code",
    )
    back = f"{query['redirect_uri']}?{urlencode({'code': 'CODE1', 'state': query['state']})}"
    return web.Response(status=302, headers={"Location": back})


@pytest.fixture
async def wechat_web(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """WeChat's authorize page on another site (localhost is not 127.0.0.1 to a browser), so
    the way back is a cross-site redirect, as from open.weixin.qq.com. Playwright cannot
    route a redirect's target, hence a server and the patched address."""
    app = web.Application()
    app.router.add_get("/connect/oauth2/authorize", authorize)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "localhost", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(
        link_state, "AUTHORIZE_URL", f"http://localhost:{port}/connect/oauth2/authorize"
    )
    yield f"http://localhost:{port}"
    await runner.cleanup()


async def test_a_wechat_user_connects_their_profile_on_a_phone(
    browser: Browser,  # noqa: F811
    hub: TestServer,
    smtp: FakeSmtpServer,
    wechat_api: FakeWechatApi,  # noqa: F811
    wechat_web: str,
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    base = str(hub.make_url("")).rstrip("/")
    wechat_api.add_oauth_code("CODE1", OPENID)
    errors: list[str] = []
    # A wrong code (400) is provoked on purpose.
    async with open_pages(browser, errors, PHONE, PHONE, provoked=(400,)) as (phone, elsewhere):
        await phone.goto(f"{base}/wechat/{ACCOUNT}/link/start")
        assert phone.url == f"{base}/wechat-link"  # no token, no code in the address
        email = phone.get_by_test_id("link-email")
        await expect(email).to_be_visible()
        await expect(phone.get_by_test_id("link-email-form")).to_contain_text("text message")
        await phone.screenshot(path=OUTPUT / "wechat-link-email.png", full_page=True)

        await email.fill("Ada@Example.com")
        await phone.get_by_test_id("link-email-send").click()
        await expect(phone.get_by_test_id("link-code-sent")).to_contain_text("ada@example.com")
        await expect(phone.get_by_test_id("link-code-resend")).to_be_disabled()
        await phone.screenshot(path=OUTPUT / "wechat-link-code.png", full_page=True)
        found = CODE.search((await smtp.next_message()).text)
        assert found is not None
        code = found.group(1)

        wrong = "000000" if code != "000000" else "111111"
        await phone.get_by_test_id("link-code").fill(wrong)
        await phone.get_by_test_id("link-code-confirm").click()
        await expect(phone.get_by_test_id("link-error")).to_contain_text("4 tries left")
        await phone.get_by_test_id("link-code").fill(code)
        await phone.get_by_test_id("link-code-confirm").click()
        status = phone.get_by_test_id("link-status")
        await expect(status).to_contain_text("Your WeChat is now connected to your profile.")
        await expect(phone.get_by_test_id("link-code-form")).to_be_hidden()
        overflow = await phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0  # nothing wider than the phone
        await phone.screenshot(path=OUTPUT / "wechat-link-connected.png", full_page=True)
        await phone.reload()
        await expect(status).to_contain_text("now connected")
        cookies = {c["name"]: c for c in await phone.context.cookies()}
        link_cookie = cookies["wechat_link"]
        assert link_cookie["httpOnly"] and link_cookie["sameSite"] == "Strict"
        assert link_cookie["path"] == "/api/wechat-link"
        assert "wechat_link_state" not in cookies  # spent on the way back

        # The same way back, opened in a browser that never went through the start link.
        state = f"{base}/wechat/{ACCOUNT}/link?code=CODE1&state=123x{'0' * 64}"
        await elsewhere.goto(state)
        assert elsewhere.url == f"{base}/wechat-link"  # the reason's code left the address
        await expect(elsewhere.get_by_test_id("link-error")).to_contain_text("did not start here")
        await expect(elsewhere.get_by_test_id("link-email-form")).to_be_hidden()
        await elsewhere.goto(f"{base}/wechat-link")  # no link in progress in this browser
        await expect(elsewhere.get_by_test_id("link-error")).to_contain_text(
            "no WeChat connection in progress"
        )
    assert errors == []
