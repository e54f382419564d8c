"""A running hub (in process, fake clock) with one WeChat account, the fake WeChat API,
and helpers to post signed callbacks and let the hub finish what they started."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from adapters.wechat.account import WechatAccount
from adapters.wechat.accounts import NewWechatAccount, add_account
from hub.app import create_app
from hub.db.channel_models import InboundSpool
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.factories import make_store
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.running_hub import RunningHub
from tests.wechat_signing import ACCOUNT, Mode, callback

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "conciergetoken"


@dataclass
class WechatHub(RunningHub):
    api: FakeWechatApi
    account: WechatAccount

    async def post(
        self, inner_xml: str, mode: Mode = "aes", *, account: WechatAccount | None = None
    ) -> tuple[int, str]:
        query, body = callback(account or self.account, mode, inner_xml, self.clock())
        path = f"/wechat/{(account or self.account).name}"
        response = await self.client.post(path, params=query, data=body)
        return response.status, await response.text()

    async def spooled(self) -> int:
        async with self.hub.db.reading() as session:
            return int(await session.scalar(select(func.count()).select_from(InboundSpool)) or 0)


async def start_wechat_hub(
    aiohttp_client: Any,
    database_url: str,
    clock: FakeClock,
    api: FakeWechatApi,
    *,
    hours: str | None,
    welcome_text: str | None = None,
) -> WechatHub:
    """The in-process hub with PARIS01 (open ``hours``) and the test account."""
    settings = make_settings(
        database_url, wechat_api_base=api.base_url, public_url="https://hub.example.com"
    )
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    await make_store(client.app[SERVICES].db, clock(), hours=hours)
    account = await add_wechat_account(client, clock, api, welcome_text=welcome_text)
    return WechatHub(client, clock, api, account)


async def add_wechat_account(
    client: TestClient, clock: FakeClock, api: FakeWechatApi, **overrides: Any
) -> WechatAccount:
    """The signing helpers' test account, stored the way ``hub wechat add`` stores it."""
    fields: dict[str, Any] = {
        "name": ACCOUNT.name,
        "app_id": ACCOUNT.app_id,
        "app_secret": SECRET,
        "token": TOKEN,
        "aes_key": ACCOUNT.aes_key,
        "store_code": "PARIS01",
        "mode": "compatible",
        **overrides,
    }
    new = NewWechatAccount.parse(**fields)
    async with client.app[SERVICES].db.transaction() as session:
        row = await add_account(session, new, now=clock(), actor=("test", None))
    api.add_app(new.app_id, new.app_secret)
    return dataclasses.replace(
        ACCOUNT,
        id=row.id,
        name=new.name,
        app_id=new.app_id,
        app_secret=new.app_secret,
        token=new.token,
        aes_key=new.aes_key,
        store_code=new.store_code,
        mode=new.mode,
    )
