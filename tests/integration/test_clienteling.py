"""Clienteling over HTTP on both databases: my clients and their dates, follow-up tasks
with their access rules and audit, and outreach that ends in the channel's real outbox
(or is refused with the rule's reason)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from hub.db.channel_models import ChannelOutbox
from hub.db.jobs_models import MailOutbox
from hub.db.models import AuditEntry, Conversation, Customer, Message
from tests.conftest import FakeClock
from tests.fakes.smtp import FakeSmtpServer
from tests.integration.clienteling_support import (
    consent,
    mailbox,
    make_client,
    purchase,
    sms_number,
    wechat_follower,
)
from tests.integration.staff_admin_support import World, client, jobs_settled, world

__all__ = ["client", "world"]  # fixtures

# The clock reads 2026-11-25 10:00 UTC (11:00 in Paris).


async def audit_of(world: World, action: str) -> list[AuditEntry]:
    async with world.db.reading() as session:
        return list(
            (await session.scalars(select(AuditEntry).where(AuditEntry.action == action))).all()
        )


async def amelie_clients(world: World, clock: FakeClock) -> dict[str, str]:
    now = clock()
    amelie = world.id("amelie")
    return {
        "sophie": await make_client(
            world.db,
            now,
            "Sophie Bernard",
            ambassador_id=amelie,
            dates=[
                {"kind": "birthday", "date": "1988-12-02"},
                {"kind": "anniversary", "date": "--06-14"},
            ],
            identities=[("email", "sophie@example.com", True)],
        ),
        "agathe": await make_client(
            world.db,
            now,
            "Agathe Roux",
            ambassador_id=amelie,
            dates=[{"kind": "birthday", "date": "1975-11-25"}],  # today
        ),
        "gone": await make_client(
            world.db, now, "Erased Person", ambassador_id=amelie, erased_at=now
        ),
        "chloe_s": await make_client(
            world.db, now, "Camille Petit", ambassador_id=world.id("chloe")
        ),
        "london": await make_client(
            world.db, now, "Harriet Lane", ambassador_id=world.id("james"), store="LONDON01"
        ),
    }


async def test_my_clients_are_mine_within_my_stores(world: World, clock: FakeClock) -> None:
    ids = await amelie_clients(world, clock)
    await purchase(world.db, ids["sophie"], "PARIS01", "4200.00", clock())

    status, body = await world.call("GET", "/api/clients", "amelie")
    assert status == 200
    assert [c["name"] for c in body["clients"]] == ["Agathe Roux", "Sophie Bernard"]
    sophie = body["clients"][1]
    assert sophie["next_date"] == {"kind": "birthday", "date": "2026-12-02", "in_days": 7}
    assert sophie["lifetime_value"] == {"EUR": "4200.00"}
    assert sophie["home_store"] == "PARIS01" and sophie["open_tasks"] == 0
    assert body["clients"][0]["next_date"]["in_days"] == 0

    status, body = await world.call("GET", "/api/clients?q=soph", "amelie")
    assert [c["name"] for c in body["clients"]] == ["Sophie Bernard"]

    status, body = await world.call("GET", "/api/clients/dates?days=10", "amelie")
    assert status == 200
    assert [(d["name"], d["kind"], d["in_days"], d["years"]) for d in body["dates"]] == [
        ("Agathe Roux", "birthday", 0, 51),
        ("Sophie Bernard", "birthday", 7, 38),
    ]
    status, body = await world.call("GET", "/api/clients/dates?days=400", "amelie")
    assert (status, body["error"]["field"]) == (400, "days")

    # A manager looks at one of their ambassadors' clients; nobody else can.
    status, body = await world.call(
        "GET", f"/api/clients?ambassador_id={world.id('amelie')}", "paris_manager"
    )
    assert [c["name"] for c in body["clients"]] == ["Agathe Roux", "Sophie Bernard"]
    for who in ("london_manager", "chloe"):
        status, body = await world.call(
            "GET", f"/api/clients?ambassador_id={world.id('amelie')}", who
        )
        assert (status, body["error"]["code"]) == (404, "unknown_staff"), who
    status, body = await world.call("GET", "/api/clients", "james")
    assert [c["name"] for c in body["clients"]] == ["Harriet Lane"]


async def test_follow_up_tasks_crud_access_and_audit(world: World, clock: FakeClock) -> None:
    ids = await amelie_clients(world, clock)
    status, body = await world.call(
        "POST",
        "/api/tasks",
        "amelie",
        json={
            "customer_id": ids["sophie"],
            "title": "Call when the resize is ready",
            "due_on": "2026-11-24",
            "note": "Size 52",
        },
    )
    assert status == 201, body
    task = body["task"]
    assert task["bucket"] == "overdue" and task["status"] == "open"
    assert task["assignee"]["name"] == "Amélie Laurent" and task["store"] == "PARIS01"
    path = f"/api/tasks/{task['id']}"

    status, body = await world.call(
        "POST",
        "/api/tasks",
        "amelie",
        json={"customer_id": ids["agathe"], "title": "Birthday card", "due_on": "2026-11-25"},
    )
    assert body["task"]["bucket"] == "today"
    status, body = await world.call("GET", "/api/tasks", "amelie")
    assert [t["title"] for t in body["tasks"]] == ["Call when the resize is ready", "Birthday card"]
    status, body = await world.call("GET", "/api/clients", "amelie")
    assert {c["name"]: c["open_tasks"] for c in body["clients"]}["Sophie Bernard"] == 1

    # Outside reach: another store's ambassador, a colleague, a customer of another store.
    for who in ("james", "chloe", "london_manager"):
        for method, payload in (("PATCH", {"done": True}), ("DELETE", None)):
            status, body = await world.call(method, path, who, json=payload)
            assert (status, body["error"]["code"]) == (404, "unknown_task"), (who, method)
    status, body = await world.call(
        "POST",
        "/api/tasks",
        "amelie",
        json={"customer_id": ids["london"], "title": "x", "due_on": "2026-12-01"},
    )
    assert status == 404
    status, body = await world.call(
        "POST",
        "/api/tasks",
        "amelie",
        json={
            "customer_id": ids["sophie"],
            "title": "x",
            "due_on": "2026-12-01",
            "assignee_id": world.id("james"),
        },
    )
    assert (status, body["error"]["code"]) == (404, "unknown_staff")
    status, body = await world.call(
        "POST",
        "/api/tasks",
        "amelie",
        json={"customer_id": ids["sophie"], "title": "x" * 201, "due_on": "2026-12-01"},
    )
    assert (status, body["error"]["field"]) == (400, "title")
    status, body = await world.call(
        "POST",
        "/api/tasks",
        "amelie",
        json={"customer_id": ids["sophie"], "title": "x", "due_on": "2026-02-30"},
    )
    assert (status, body["error"]["field"]) == (400, "due_on")

    # The store's manager sees it with scope=store; an ambassador may not ask for that.
    status, body = await world.call("GET", "/api/tasks?scope=store", "paris_manager")
    assert len(body["tasks"]) == 2
    status, body = await world.call("GET", "/api/tasks?scope=store", "amelie")
    assert status == 403

    status, body = await world.call(
        "PATCH", path, "amelie", json={"done": True, "due_on": "2026-11-30"}
    )
    assert status == 200 and body["task"]["status"] == "done" and body["task"]["bucket"] == "done"
    status, body = await world.call("GET", "/api/tasks?status=done", "amelie")
    assert [t["id"] for t in body["tasks"]] == [task["id"]]
    status, body = await world.call("GET", "/api/tasks", "amelie")
    assert [t["title"] for t in body["tasks"]] == ["Birthday card"]

    status, _ = await world.call("DELETE", path, "amelie")
    assert status == 204
    status, _ = await world.call("DELETE", path, "amelie")
    assert status == 404

    created = await audit_of(world, "task.created")
    updated = await audit_of(world, "task.updated")
    deleted = await audit_of(world, "task.deleted")
    assert len(created) == 2 and created[0].actor_id == world.id("amelie")
    assert updated[0].data is not None
    assert updated[0].data["changes"]["done"] == {"from": False, "to": True}
    assert deleted[0].subject_id == task["id"]


def channels(body: Any) -> dict[str, Any]:
    return {c["channel"]: c for c in body["channels"]}


async def test_outreach_by_email_goes_through_the_mail_outbox(
    world: World, clock: FakeClock, smtp: FakeSmtpServer
) -> None:
    ids = await amelie_clients(world, clock)
    sophie = ids["sophie"]
    await mailbox(world.db, "PARIS01", "paris@boutique.example", clock())
    await consent(world.db, sophie, "email", "service", True, clock() - timedelta(days=30))

    status, body = await world.call("GET", f"/api/customers/{sophie}/outreach", "amelie")
    assert status == 200
    found = channels(body)
    assert found["email"]["available"] is True and found["email"]["reason"] is None
    assert found["email"]["address"] == "s•••@example.com"
    assert found["sms"]["reason"]["code"] == "no_address"
    assert found["wechat"]["reason"]["code"] == "no_address"

    status, body = await world.call(
        "GET", f"/api/customers/{sophie}/outreach?purpose=marketing", "amelie"
    )
    assert channels(body)["email"]["reason"]["code"] == "no_consent"
    status, body = await world.call(
        "POST",
        f"/api/customers/{sophie}/outreach",
        "amelie",
        json={"channel": "email", "purpose": "marketing", "text": "Our new collection"},
    )
    assert (status, body["error"]["code"]) == (409, "no_consent")

    status, body = await world.call(
        "POST",
        f"/api/customers/{sophie}/outreach",
        "amelie",
        json={"channel": "email", "purpose": "service", "text": "Your ring is ready, Sophie."},
    )
    assert status == 201, body
    async with world.db.reading() as session:
        conversation = await session.get(Conversation, body["conversation_id"])
        assert conversation is not None
        assert (conversation.channel, conversation.status) == ("email", "assigned")
        assert conversation.assigned_staff_id == world.id("amelie")
        assert conversation.contact == "sophie@example.com"
        message = await session.get(Message, body["message_id"])
        assert message is not None and message.author_kind == "ambassador"
        mail = await session.scalar(select(MailOutbox).where(MailOutbox.ref_id == message.id))
        assert mail is not None and mail.to_address == "sophie@example.com"
    await jobs_settled(world.client)
    delivered = smtp.received[-1]
    assert "Your ring is ready, Sophie." in delivered.data.decode()

    # A second message reuses the conversation.
    status, again = await world.call(
        "POST",
        f"/api/customers/{sophie}/outreach",
        "amelie",
        json={"channel": "email", "purpose": "service", "text": "And the box too."},
    )
    assert status == 201 and again["conversation_id"] == body["conversation_id"]

    (entry, _) = await audit_of(world, "outreach.sent")
    assert entry.actor_id == world.id("amelie") and entry.subject_id == sophie
    assert entry.data is not None
    assert (entry.data["channel"], entry.data["purpose"]) == ("email", "service")
    assert "Your ring" not in str(entry.data)

    # Someone outside the store cannot even ask.
    status, body = await world.call("GET", f"/api/customers/{sophie}/outreach", "james")
    assert status == 404


async def test_withdrawn_consent_and_closed_wechat_window_are_refused_with_the_reason(
    world: World, clock: FakeClock
) -> None:
    ids = await amelie_clients(world, clock)
    sophie = ids["sophie"]
    await mailbox(world.db, "PARIS01", "paris@boutique.example", clock())
    await consent(world.db, sophie, "email", "service", True, clock() - timedelta(days=30))
    await consent(world.db, sophie, "email", "service", False, clock() - timedelta(days=2))
    await consent(world.db, sophie, "wechat", "service", True, clock() - timedelta(days=30))
    await wechat_follower(world.db, sophie, "oLin123", clock() - timedelta(hours=72), clock())

    status, body = await world.call("GET", f"/api/customers/{sophie}/outreach", "amelie")
    found = channels(body)
    assert found["email"]["reason"]["code"] == "consent_withdrawn"
    assert "2026-11-23" in found["email"]["reason"]["message"]
    assert found["wechat"]["available"] is False
    assert found["wechat"]["reason"]["code"] == "wechat_window_closed"
    assert found["wechat"]["address"] == "Lin"

    for channel, code in (("email", "consent_withdrawn"), ("wechat", "wechat_window_closed")):
        status, body = await world.call(
            "POST",
            f"/api/customers/{sophie}/outreach",
            "amelie",
            json={"channel": channel, "purpose": "service", "text": "Hello"},
        )
        assert (status, body["error"]["code"]) == (409, code)

    # Within the window, WeChat is available and the message waits in WeChat's outbox.
    async with world.db.transaction() as session:
        from hub.db.channel_models import WechatUser

        user = await session.scalar(select(WechatUser).where(WechatUser.openid == "oLin123"))
        assert user is not None
        user.last_interaction_at = clock() - timedelta(hours=1)
        user.language = "zh_TW"  # what their WeChat is set to; her profile names none
    status, body = await world.call(
        "POST",
        f"/api/customers/{sophie}/outreach",
        "amelie",
        json={"channel": "wechat", "purpose": "service", "text": "您好"},
    )
    assert status == 201, body
    async with world.db.reading() as session:
        row = await session.scalar(
            select(ChannelOutbox).where(ChannelOutbox.message_id == body["message_id"])
        )
        assert row is not None and row.payload == {"text": "您好"}
        opened = await session.get(Conversation, body["conversation_id"])
        assert opened is not None and opened.language == "zh-Hant"
        customer = await session.get(Customer, sophie)
        assert customer is not None


async def test_outreach_bad_input_is_a_400(world: World, clock: FakeClock) -> None:
    ids = await amelie_clients(world, clock)
    path = f"/api/customers/{ids['sophie']}/outreach"
    for payload, field in (
        ({"channel": "post", "purpose": "service", "text": "x"}, "channel"),
        ({"channel": "email", "purpose": "partners", "text": "x"}, "purpose"),
        ({"channel": "email", "purpose": "service", "text": " "}, "text"),
        ({"channel": "email", "purpose": "service", "text": "x", "store": "LONDON01"}, "store"),
        ({"channel": "email", "purpose": "service", "text": "x", "extra": 1}, "body"),
    ):
        status, body = await world.call("POST", path, "amelie", json=payload)
        assert (status, body["error"]["field"]) == (400, field), payload
    status, body = await world.call(
        "POST",
        f"/api/customers/{ids['gone']}/outreach",
        "amelie",
        json={"channel": "email", "purpose": "service", "text": "x"},
    )
    assert status in (404, 409)


async def test_outreach_by_text_message_needs_the_boutique_s_number(
    world: World, clock: FakeClock
) -> None:
    customer = await make_client(
        world.db,
        clock(),
        "Chantal Simon",
        ambassador_id=world.id("amelie"),
        identities=[("phone", "+33612345678", True)],
    )
    await consent(world.db, customer, "phone", "service", True, clock() - timedelta(days=1))
    path = f"/api/customers/{customer}/outreach"
    status, body = await world.call("GET", path, "amelie")
    assert channels(body)["sms"]["reason"]["code"] == "no_sms_number"
    assert channels(body)["sms"]["address"] == "+33•••78"

    await sms_number(world.db, "PARIS01", "+33100000000", clock())
    status, body = await world.call("GET", path, "amelie")
    assert channels(body)["sms"]["available"] is True
    status, body = await world.call(
        "POST", path, "amelie", json={"channel": "sms", "purpose": "service", "text": "Ready."}
    )
    assert status == 201, body
    async with world.db.reading() as session:
        conversation = await session.get(Conversation, body["conversation_id"])
        assert conversation is not None
        assert (conversation.channel, conversation.contact) == ("voice", "+33612345678")
        row = await session.scalar(
            select(ChannelOutbox).where(ChannelOutbox.message_id == body["message_id"])
        )
        assert row is not None and row.payload == {"text": "Ready."}


async def test_outreach_is_rate_limited_per_ambassador(world: World, clock: FakeClock) -> None:
    ids = await amelie_clients(world, clock)
    path = f"/api/customers/{ids['sophie']}/outreach"
    payload = {"channel": "email", "purpose": "marketing", "text": "Hello"}
    statuses = [(await world.call("POST", path, "amelie", json=payload))[0] for _ in range(11)]
    assert statuses == [409] * 10 + [429]
    # A colleague has a limit of their own.
    status, _ = await world.call("POST", path, "paris_manager", json=payload)
    assert status == 409
