"""A running hub (in process, fake clock, the fake SMTP relay) and the steps feedback tests
share: a served conversation on each channel, closing it, and reading what was asked."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.api.feedback import FEEDBACK
from hub.app import create_app
from hub.db.feedback_models import Feedback
from hub.feedback import FeedbackService
from hub.feedback_answers import Answers
from hub.services import SERVICES
from hub.staff import Principal
from tests.conftest import FakeClock, make_settings
from tests.factories import PASSWORD, make_staff, make_store, widget_message
from tests.fakes.smtp import FakeSmtpServer, ReceivedMail
from tests.integration.running_hub import RunningHub

PUBLIC_URL = "https://hub.example.com"
LINK = re.compile(r"https://hub\.example\.com/rate#([A-Za-z0-9_-]+)")


@dataclass
class FeedbackHub(RunningHub):
    smtp: FakeSmtpServer
    manager: Principal

    @property
    def answers(self) -> Answers:
        return self.client.app[FEEDBACK]

    @property
    def service(self) -> FeedbackService:
        return self.answers.service

    async def webchat(self, language: str | None = "fr", visitor: str | None = None) -> str:
        """A shopper writes in the widget; returns the conversation."""
        visitor = visitor or secrets.token_hex(16)
        message = widget_message(
            visitor, "Bonjour, je cherche une bague", language=language, received_at=self.clock()
        )
        stored = await self.hub.inbox.receive(message)
        return stored.conversation.id

    async def contact_form(self, email: str = "anna@client.example") -> str:
        """A shopper writes through the contact form (an e-mail conversation)."""
        body = {"name": "Anna Martin", "email": email, "message": "Do you resize rings?"}
        response = await self.client.post("/api/contact", json={**body, "store": "PARIS01"})
        assert response.status == 201, await response.text()
        return str((await response.json())["conversation_id"])

    async def serve_and_close(self, conversation_id: str, *, reply: bool = True) -> None:
        """The ambassador answers (or not) and closes; the question has been asked after."""
        if reply:
            await self.hub.inbox.reply(self.manager, conversation_id, "r-1", "Avec plaisir.")
        await self.hub.inbox.close(self.manager, conversation_id)
        await self.service.idle()
        await self.settle()

    async def staff_headers(self) -> dict[str, str]:
        """The manager's bearer token, for the console's REST API."""
        body = {"email": self.manager.email, "password": PASSWORD}
        response = await self.client.post("/api/auth/login", json=body)
        return {"Authorization": f"Bearer {(await response.json())['token']}"}

    async def rows(self) -> list[Feedback]:
        async with self.hub.db.reading() as session:
            return list(await session.scalars(select(Feedback).order_by(Feedback.asked_at)))

    async def rating_mail(self) -> ReceivedMail:
        """The next mail with a rating link (receipts, confirmations and replies sent before
        it are passed over)."""
        while True:
            mail = await self.smtp.next_message()
            if LINK.search(mail.text):
                return mail


def token_in(text: str) -> str:
    found = LINK.search(text)
    assert found is not None, text
    return found.group(1)


async def start_feedback_hub(
    aiohttp_client: Any,
    database_url: str,
    clock: FakeClock,
    smtp: FakeSmtpServer,
    **overrides: Any,
) -> FeedbackHub:
    """The in-process hub with PARIS01 (French first) and a manager who serves everyone."""
    limits = {"anonymous_per_minute": 1000.0, "anonymous_burst": 100}
    settings = make_settings(
        database_url,
        smtp_relay=smtp.relay,
        public_url=PUBLIC_URL,
        **{**limits, **overrides},
    )
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    db = client.app[SERVICES].db
    await make_store(db, clock())
    manager = await make_staff(
        db, clock(), role="manager", name="Claire Dubois", email="claire@test.concierge"
    )
    return FeedbackHub(client, clock, smtp, manager)
