"""Routing set-up from the hub's side: config from settings, store topology from the database,
and the metrics the routing service reports."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Store
from hub.metrics import Metrics
from hub.settings import Settings
from routing.config import DEFAULT_CHANNEL_WEIGHTS, RoutingConfig
from routing.model import StoreInfo


def routing_config(settings: Settings) -> RoutingConfig:
    thresholds = {name: timedelta(seconds=value) for name, value in settings.routing_seconds}
    return RoutingConfig(
        channel_weights={**DEFAULT_CHANNEL_WEIGHTS, **dict(settings.channel_weights)},
        offer_timeout=timedelta(seconds=settings.offer_timeout_seconds),
        disconnect_grace=timedelta(seconds=settings.disconnect_grace_seconds),
        reconcile_every=timedelta(seconds=settings.routing_reconcile_seconds),
        process_timeout=timedelta(seconds=settings.routing_process_timeout_seconds),
        unrouted_check_every=timedelta(seconds=settings.routing_unrouted_check_seconds),
        callback_priority=settings.callback_priority,
        **thresholds,  # type: ignore[arg-type]
    )


def store_info(store: Store) -> StoreInfo:
    return StoreInfo(
        id=store.id,
        region=store.region or store.country,
        service_centre=store.service_centre,
        relax_language=store.relax_language,
        timezone=store.timezone,
        hours=store.opening_hours,
    )


async def routing_stores(session: AsyncSession) -> list[StoreInfo]:
    return [store_info(s) for s in (await session.scalars(select(Store))).all()]


def describe_metrics(metrics: Metrics) -> None:
    metrics.describe("hub_http_requests_total", "counter", "HTTP requests by status class")
    metrics.describe("hub_messages_total", "counter", "Messages stored, by channel and direction")
    metrics.describe("routing_offers_total", "counter", "Offers by outcome")
    metrics.describe("routing_enqueued_total", "counter", "Conversations queued, by store id")
    metrics.describe("routing_queue_length", "gauge", "Conversations waiting, by store id")
    metrics.histogram("routing_wait_until_offer_seconds", "Wait from queueing to the first offer")
    metrics.histogram("routing_wait_until_accept_seconds", "Wait from queueing to acceptance")
