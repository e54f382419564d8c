"""WeChat end to end against a real `hub serve`: a signed, encrypted callback becomes an
offer in the console; the ambassador accepts and replies; the fake WeChat API receives
the customer-service message for that follower."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.conftest import HubProcess, Session, hub, start_hub
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.wechat_support import SECRET, TOKEN
from tests.wechat_signing import OPENID, callback, make_account, text_xml

ACCOUNT = make_account(app_secret=SECRET, token=TOKEN)


@pytest.fixture
def server(
    hub_env: dict[str, str], wechat_api: FakeWechatApi, tmp_path: Path
) -> Iterator[HubProcess]:
    env = {**hub_env, "HUB_WECHAT_API_BASE": wechat_api.base_url}
    added = hub(
        env,
        "wechat", "add", ACCOUNT.name,
        "--app-id", ACCOUNT.app_id,
        "--token", ACCOUNT.token,
        "--aes-key", ACCOUNT.aes_key,
        "--store", "PARIS01",
        "--app-secret-stdin",
        stdin=f"{SECRET}\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert SECRET not in added.stdout + added.stderr
    wechat_api.add_app(ACCOUNT.app_id, SECRET)
    process = start_hub(env, tmp_path)
    yield process
    process.terminate()


async def test_a_wechat_message_is_offered_accepted_and_answered_in_wechat(
    session: Session, wechat_api: FakeWechatApi, server: HubProcess
) -> None:
    now = datetime.now(UTC)
    query, body = callback(
        ACCOUNT, "aes", text_xml("我想看看新款手镯", msg_id="880001", create_time=now), now
    )
    for _ in range(3):  # the first delivery and two of WeChat's retries
        async with session.http.post(
            f"{session.base}/wechat/{ACCOUNT.name}", params=query, data=body
        ) as response:
            assert response.status == 200 and await response.text() == "success"

    ambassador = await session.ambassador(await session.staff_token())
    offer = await ambassador.next("offer")
    assert offer["conversation"]["channel"] == "wechat"
    accepted = await ambassador.call("accept", {"offer_id": offer["offer_id"]})
    conversation_id = accepted["conversation"]["id"]
    ack = await ambassador.call(
        "reply", {"conversation_id": conversation_id, "client_id": "r-1", "text": "您好 欢迎光临"}
    )
    assert ack["id"]
    sent = await wechat_api.next_custom_message()
    assert sent.openid == OPENID and sent.text == "您好 欢迎光临"

    token = await session.staff_token()
    async with session.http.get(
        f"{session.base}/api/conversations/{conversation_id}",
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        timeline = await response.json()
    texts = [m["text"] for m in timeline["messages"]]
    assert texts == ["我想看看新款手镯", "您好 欢迎光临"]  # the retries stored nothing
    assert timeline["channel_state"]["wechat"]["window"]["open"] is True
    assert SECRET not in server.logs() and "access_token=" not in server.logs()
