"""A running hub (in process, fake clock) with one store number at the fake voice provider,
and helpers to play the provider's webhooks of an incoming call and read what they left."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from adapters.voice.accounts import NewVoiceAccount, add_voice_account
from hub.app import create_app
from hub.db.models import Message, Offer, Staff
from hub.db.voice_models import VoiceCall
from hub.realtime.console import profile_of
from hub.services import SERVICES
from hub.staff import Principal
from routing.model import Presence
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store
from tests.fakes.voice_provider import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    STORE_NUMBER,
    FakeVoiceProvider,
    WebhookReply,
    new_sid,
)
from tests.integration.running_hub import RunningHub

PUBLIC = "https://hub.example.com"
HOURS = "Mon-Sat 10:00-19:00"  # the fake clock starts on a Wednesday, 11:00 in Paris
AMBASSADOR_PHONE = "+33699887766"


@dataclass
class VoiceCallsHub(RunningHub):
    provider: FakeVoiceProvider

    @property
    def base_url(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    async def post(self, path: str, params: dict[str, str], **kwargs: Any) -> WebhookReply:
        """A webhook reaching the hub on loopback, signed for its public URL."""
        return await self.provider.call(self.base_url, path, params, public_url=PUBLIC, **kwargs)

    async def incoming(self, call_sid: str | None = None, **kwargs: Any) -> tuple[str, ET.Element]:
        """A call to the store's number; its ``CallSid`` and the TwiML answer."""
        sid = call_sid or new_sid("CA")
        reply = await self.post(
            "/voice/twilio/incoming", self.provider.incoming_call_params(call_sid=sid, **kwargs)
        )
        assert reply.status == 200 and reply.content_type == "text/xml", reply.text
        return sid, reply.twiml()

    async def on_call(self, action: str, call_sid: str, params: dict[str, str]) -> WebhookReply:
        """A webhook of a URL the hub's TwiML gave for this call (``?call=`` its row)."""
        call = await self.call(call_sid)
        return await self.post(f"/voice/twilio/{action}?call={call.id}", params)

    async def ambassador(
        self,
        store: str = "PARIS01",
        *,
        phone: str | None = AMBASSADOR_PHONE,
        available: bool = True,
        **kwargs: Any,
    ) -> Principal:
        """A staff member of ``store``, whose calls ring ``phone``, online in the console."""
        who = await make_staff(self.hub.db, self.clock(), store, **kwargs)
        async with self.hub.db.transaction() as session:
            await session.execute(update(Staff).where(Staff.id == who.id).values(phone=phone))
        if available:
            await self.hub.routing.connected(profile_of(who), f"console-{who.id}")
            await self.hub.routing.set_presence(who.id, Presence.AVAILABLE)
        return who

    async def login(self, who: Principal) -> dict[str, str]:
        response = await self.client.post(
            "/api/auth/login", json={"email": who.email, "password": PASSWORD}
        )
        assert response.status == 200, await response.text()
        return {"Authorization": f"Bearer {(await response.json())['token']}"}

    async def call(self, call_sid: str) -> VoiceCall:
        async with self.hub.db.reading() as session:
            call = await session.scalar(select(VoiceCall).where(VoiceCall.call_sid == call_sid))
        assert call is not None
        return call

    async def count_calls(self) -> int:
        async with self.hub.db.reading() as session:
            return int(await session.scalar(select(func.count()).select_from(VoiceCall)) or 0)

    async def offers(self) -> list[Offer]:
        async with self.hub.db.reading() as session:
            return list(await session.scalars(select(Offer).order_by(Offer.created_at)))

    async def message(self, message_id: str) -> Message:
        async with self.hub.db.reading() as session:
            message = await session.get(Message, message_id)
        assert message is not None
        return message


async def start_voice_hub(
    aiohttp_client: Any, database_url: str, clock: FakeClock, provider: FakeVoiceProvider
) -> VoiceCallsHub:
    """PARIS01 (open ``HOURS``, its number at the provider) and LYON01."""
    settings = make_settings(database_url, voice_api_base=provider.base_url, public_url=PUBLIC)
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    db = client.app[SERVICES].db
    await make_store(db, clock(), hours=HOURS)
    await make_store(db, clock(), "LYON01")
    new = NewVoiceAccount.parse(
        provider="twilio",
        number=STORE_NUMBER,
        store_code="PARIS01",
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
    )
    async with db.transaction() as session:
        await add_voice_account(session, new, now=clock(), actor=("test", None))
    return VoiceCallsHub(client, clock, provider)


def said(root: ET.Element) -> str:
    """Everything the caller hears, in order."""
    return " ".join((say.text or "") for say in root.iter("Say"))
