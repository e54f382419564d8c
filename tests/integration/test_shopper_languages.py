"""The shopper's language, end to end on both databases: the language a new conversation
records (profile, then page, then browser, then the store), and the e-mails, reminders
and WeChat texts the hub writes in it, with dates on the store's clock written the way the
shopper's language writes them."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestClient
from icalendar import Calendar
from sqlalchemy import select

from hub.app import create_app
from hub.db.engine import Database
from hub.db.models import Conversation, Customer
from hub.inbox import Inbox
from hub.jobs.runner import InProcessRunner
from hub.services import SERVICES
from hub.staff import NewStaff, add_staff
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store, widget_message
from tests.fakes.smtp import FakeSmtpServer, ReceivedMail
from tests.fakes.wechat_api import FakeWechatApi
from tests.integration.wechat_support import start_wechat_hub
from tests.wechat_signing import scan_xml


@pytest.fixture
async def client(
    aiohttp_client: Any, database_url: str, clock: FakeClock, smtp: FakeSmtpServer
) -> TestClient:
    settings = make_settings(
        database_url,
        public_url="https://hub.example.com",
        smtp_relay=smtp.relay,
        anonymous_per_minute=1000.0,
        anonymous_burst=100,
    )
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    db = client.app[SERVICES].db
    hours = "Mon-Sat 10:00-19:00"
    await make_store(db, clock(), hours=hours)  # PARIS01: fr, en
    await make_store(db, clock(), "TOKYO01", languages="ja,en", timezone="Asia/Tokyo", hours=hours)
    await make_store(db, clock(), "DUBAI01", languages="ar,en", timezone="Asia/Dubai", hours=hours)
    await make_staff(db, clock(), name="Amélie Laurent")
    await speaker(db, clock, "TOKYO01", "Haruka Sato", ["ja", "en"])
    await speaker(db, clock, "DUBAI01", "Layla Haddad", ["ar", "en"])
    return client


async def speaker(
    db: Database, clock: FakeClock, store: str, name: str, languages: list[str]
) -> None:
    """An ambassador of ``store`` who speaks ``languages``: a booking in one needs them."""
    async with db.transaction() as session:
        await add_staff(
            session,
            NewStaff(
                email=f"{secrets.token_hex(4)}@test.concierge",
                name=name,
                store_code=store,
                role="ambassador",
                languages=languages,
                capacity=3,
                password=PASSWORD,
            ),
            now=clock(),
            actor="test",
        )


async def book(client: TestClient, store: str, start: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/appointments",
        json={
            "store": store,
            "type": "in-store",
            "start": start,
            "customer": {"name": "Anne Martin", "email": "anne@example.com"},
            "remind_by": "email",
            "consent_reminders": True,
            **extra,
        },
    )
    assert response.status == 201, await response.text()
    return dict(await response.json())


def subject(mail: ReceivedMail) -> str:
    return " ".join(str(mail.message["Subject"]).split())


def described(mail: ReceivedMail) -> str:
    """The calendar file's event description, as a calendar program reads it."""
    (part,) = [
        p for p in mail.message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    (event,) = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return str(event["DESCRIPTION"])


async def test_a_japanese_shopper_gets_the_confirmation_in_japanese_on_tokyo_time(
    client: TestClient, smtp: FakeSmtpServer
) -> None:
    await book(client, "TOKYO01", "2026-11-27T10:00:00+09:00", language="ja")
    mail = await smtp.next_message()
    assert subject(mail) == "Boutique TOKYO01でのご予約：2026年11月27日金曜日 10:00"  # noqa: RUF001
    assert mail.text.startswith("Anne Martin様\n")
    assert "ご予約を承りました：来店予約、2026年11月27日金曜日 10:00（東京時間）" in mail.text  # noqa: RUF001
    assert "担当はHaruka Satoです。" in mail.text
    assert "https://hub.example.com/book#manage=" in mail.text
    assert described(mail) == "来店予約（担当：Haruka Sato）。 場所：Boutique TOKYO01"  # noqa: RUF001


async def test_an_arabic_shopper_gets_the_confirmation_in_arabic_on_dubai_time(
    client: TestClient, smtp: FakeSmtpServer
) -> None:
    await book(client, "DUBAI01", "2026-11-27T10:00:00+04:00", language="ar")
    mail = await smtp.next_message()
    assert subject(mail) == "موعدك في Boutique DUBAI01: الجمعة، 27 نوفمبر 2026، 10:00 ص"
    assert mail.text.startswith("مرحبًا Anne Martin،\n")
    assert "تم حجز الموعد: موعد في المتجر" in mail.text and "(بتوقيت دبي)" in mail.text


async def test_reminders_of_a_booking_without_a_language_are_in_the_stores_french(
    client: TestClient, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    await book(client, "PARIS01", "2026-11-27T10:00:00+01:00")
    confirmation = await smtp.next_message()
    assert subject(confirmation).startswith("Votre rendez-vous chez Boutique PARIS01 :")
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 24 hours before
    jobs = client.app[SERVICES].jobs
    assert isinstance(jobs, InProcessRunner)
    await jobs.run_due()
    reminder = await smtp.next_message()
    assert subject(reminder) == "Rappel : Boutique PARIS01, vendredi 27 novembre 2026, 10:00"
    assert reminder.text.startswith(
        "Rappel : Rendez-vous en boutique chez Boutique PARIS01, vendredi 27 novembre 2026, 10:00."
    )
    assert "Pour modifier ou annuler votre rendez-vous, utilisez le lien" in reminder.text


async def test_a_shanghai_qr_code_is_answered_in_simplified_chinese(
    aiohttp_client: Any, database_url: str, clock: FakeClock, wechat_api: FakeWechatApi
) -> None:
    wechat = await start_wechat_hub(aiohttp_client, database_url, clock, wechat_api, hours=None)
    await make_store(
        wechat.hub.db, clock(), "SHANGHAI1", languages="zh-Hans,en", timezone="Asia/Shanghai"
    )
    await wechat.post(scan_xml("store:SHANGHAI1"))
    await wechat.settle()
    greeting = await wechat_api.next_custom_message()
    assert greeting.text == "欢迎来到Boutique SHANGHAI1。请在此给我们留言，顾问将为您解答。"  # noqa: RUF001


# -- the language a conversation records ------------------------------------------------


@pytest.mark.parametrize(
    ("store", "page", "accept", "recorded"),
    [
        ("PARIS01", "ja", None, "ja"),  # the widget's language
        ("PARIS01", None, None, "fr"),  # nothing said: the store's first language
        ("TOKYO01", None, None, "ja"),
        ("PARIS01", None, "zh-TW,zh;q=0.9,en;q=0.5", "zh-Hant"),  # the browser's
        ("PARIS01", "pt-BR", "pt;q=1, de;q=0.8", "de"),  # unserved tags fall through
        ("PARIS01", "en", "ko", "en"),  # the page beats the browser
    ],
)
async def test_a_new_conversation_records_the_chosen_language(
    client: TestClient, store: str, page: str | None, accept: str | None, recorded: str
) -> None:
    inbox: Inbox = client.app[SERVICES].inbox
    stored = await inbox.receive(
        widget_message(secrets.token_hex(16), store=store, language=page, accept_language=accept)
    )
    assert stored.opened and stored.conversation.language == recorded


async def test_the_profile_language_beats_the_page(client: TestClient) -> None:
    hub = client.app[SERVICES]
    visitor = secrets.token_hex(16)
    first = await hub.inbox.receive(widget_message(visitor, language="en"))
    async with hub.db.transaction() as session:
        customer = await session.get(Customer, first.conversation.customer_id)
        assert customer is not None
        customer.preferences = {**(customer.preferences or {}), "language": "fr"}
        conversation = await session.get(Conversation, first.conversation.id)
        assert conversation is not None
        conversation.status = "closed"
    again = await hub.inbox.receive(widget_message(visitor, language="en"))
    assert again.opened and again.conversation.id != first.conversation.id
    assert again.conversation.language == "fr"


async def test_the_widget_handshake_passes_the_browsers_language(client: TestClient) -> None:
    visitor = await (await client.post("/api/visitors")).json()
    shopper = socketio.AsyncClient(reconnection=False)
    await shopper.connect(
        str(client.make_url("/")),
        namespaces=["/shopper"],
        auth={"visitor_token": visitor["visitor_token"], "store": "PARIS01"},
        headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.8"},
        transports=["websocket"],
    )
    try:
        ack = await shopper.call(
            "message", {"client_id": "c-1", "text": "こんにちは"}, namespace="/shopper", timeout=10
        )
    finally:
        await shopper.disconnect()
    async with client.app[SERVICES].db.reading() as session:
        language = await session.scalar(
            select(Conversation.language).where(Conversation.id == ack["conversation_id"])
        )
    assert language == "ja"
