"""Clients for the clienteling tests: customers with a preferred ambassador, dates,
verified addresses, consent entries, a store mailbox and a WeChat follower."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.db.channel_models import Mailbox, WechatAccountRow, WechatUser
from hub.db.engine import Database
from hub.db.models import Customer, CustomerIdentity
from hub.db.profile_models import ConsentEvent, Purchase
from hub.stores import store_by_code


async def make_client(
    db: Database,
    now: datetime,
    name: str,
    *,
    ambassador_id: str | None,
    store: str = "PARIS01",
    dates: list[dict[str, str]] | None = None,
    identities: list[tuple[str, str, bool]] = (),  # type: ignore[assignment]
    **fields: Any,
) -> str:
    async with db.transaction() as session:
        home = await store_by_code(session, store)
        customer = Customer(
            name=name,
            home_store_id=home.id,
            preferred_staff_id=ambassador_id,
            preferences={"important_dates": dates or []},
            created_at=now,
            **fields,
        )
        customer.identities = [
            CustomerIdentity(kind=kind, value=value, verified=verified, created_at=now)
            for kind, value, verified in identities
        ]
        session.add(customer)
        await session.flush()
        return customer.id


async def consent(
    db: Database, customer_id: str, channel: str, purpose: str, granted: bool, at: datetime
) -> None:
    async with db.transaction() as session:
        session.add(
            ConsentEvent(
                customer_id=customer_id,
                channel=channel,
                purpose=purpose,
                granted=granted,
                source="console",
                policy_version="2026-01",
                actor_kind="customer",
                actor_id=None,
                at=at,
            )
        )


async def mailbox(db: Database, store: str, address: str, now: datetime) -> None:
    async with db.transaction() as session:
        found = await store_by_code(session, store)
        session.add(
            Mailbox(address=address, store_id=found.id, display_name=found.name, created_at=now)
        )


async def wechat_follower(
    db: Database, customer_id: str, openid: str, last_interaction_at: datetime, now: datetime
) -> None:
    async with db.transaction() as session:
        account = WechatAccountRow(
            name="cn",
            app_id="wx-test-app",
            app_secret="secret",
            token="token",
            aes_key="a" * 43,
            created_at=now,
            updated_at=now,
        )
        session.add(account)
        await session.flush()
        session.add(
            WechatUser(
                account_id=account.id,
                openid=openid,
                nickname="Lin",
                customer_id=customer_id,
                subscribed=True,
                last_interaction_at=last_interaction_at,
                created_at=now,
                updated_at=now,
            )
        )
        session.add(
            CustomerIdentity(
                customer_id=customer_id,
                kind="wechat_openid",
                value=openid,
                verified=True,
                created_at=now,
            )
        )


async def purchase(db: Database, customer_id: str, store: str, amount: str, now: datetime) -> None:
    from decimal import Decimal

    async with db.transaction() as session:
        found = await store_by_code(session, store)
        session.add(
            Purchase(
                customer_id=customer_id,
                store_id=found.id,
                transaction_id=f"T-{customer_id[:6]}",
                line_no=1,
                purchased_at=now,
                sku="RING-1",
                description="Solitaire",
                quantity=1,
                unit_price=Decimal(amount),
                currency="EUR",
            )
        )


async def sms_number(db: Database, store: str, number: str, now: datetime) -> None:
    from hub.db.channel_models import VoiceAccount

    async with db.transaction() as session:
        found = await store_by_code(session, store)
        session.add(
            VoiceAccount(
                provider="twilio",
                number=number,
                store_id=found.id,
                account_sid="AC" + "0" * 32,
                auth_token="token",
                created_at=now,
            )
        )
