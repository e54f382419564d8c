"""The running hub's services, created by the composition root and reached through one
typed aiohttp AppKey; handlers take what they need from here."""

from __future__ import annotations

from dataclasses import dataclass, field

import socketio
from aiohttp import web
from redis.asyncio import Redis

from hub.clock import Clock
from hub.db.engine import Database
from hub.inbox import Inbox
from hub.jobs.kind import JobRunner
from hub.metrics import Metrics
from hub.realtime.acks import TrackedNamespace
from hub.realtime.change_watch import ChangeWatch
from hub.realtime.publisher import Publisher
from hub.security.ratelimit import Limiter
from hub.security.tokens import VisitorTokens
from hub.settings import Settings
from hub.tasks import BackgroundTasks
from routing.service import RoutingService


@dataclass
class Limits:
    login: Limiter
    anonymous: Limiter
    visitor_messages: Limiter
    verification_mails: Limiter


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    sio: socketio.AsyncServer
    publisher: Publisher
    inbox: Inbox
    routing: RoutingService
    tokens: VisitorTokens
    limits: Limits
    tasks: BackgroundTasks
    metrics: Metrics
    jobs: JobRunner
    spool: JobRunner  # this process's runner of spooled channel callbacks
    namespaces: list[TrackedNamespace] = field(default_factory=list)
    redis: Redis | None = None
    change_watch: ChangeWatch | None = None


SERVICES = web.AppKey("services", Services)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]
