"""The composition root: the one place that knows every concrete class and wires them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime

import socketio
from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis

from adapters.email import contact as email_contact
from adapters.email import webhook as email_webhook
from adapters.email.intake import EmailIntake
from adapters.email.listener import MailHandler, SmtpListener
from adapters.email.mailboxes import MailboxDirectory
from adapters.email.replies import EmailReplies
from adapters.voice import outbound_routes as voice_outbound
from adapters.voice import routes as voice_routes
from adapters.voice.replies import VoiceReplies
from adapters.voice.sms import VoiceSms
from adapters.webchat.namespace import ShopperNamespace
from adapters.wechat import link_routes as wechat_link
from adapters.wechat.intake import WechatIntake
from adapters.wechat.outbox import WechatReplies
from adapters.wechat.routes import WechatCallbacks
from hub.api import (
    attachments,
    attention,
    audit,
    auth,
    booking,
    calendar,
    callbacks,
    canned_replies,
    clienteling,
    conversations,
    customers,
    feedback,
    health,
    imports,
    insights,
    invitations,
    language,
    pages,
    queue,
    staff_admin,
    store_admin,
    uploads,
    verification,
    visitors,
)
from hub.api.booking import BOOKING
from hub.api.calendar import PROPOSALS
from hub.api.callbacks import CALLBACKS
from hub.api.feedback import FEEDBACK
from hub.api.middleware import access_log, cors, errors, security_headers
from hub.booking_notices import BookingNotices
from hub.bookings import BookingService
from hub.callbacks import CALLBACK_JOB, Callbacks
from hub.clock import Clock, system_clock
from hub.db.engine import Database
from hub.feedback import FeedbackService
from hub.feedback_answers import Answers
from hub.handover import Handover
from hub.inbox import Inbox
from hub.jobs.kind import JobRunner
from hub.jobs.registry import appointment_messengers, registered_kinds
from hub.jobs.runner import InProcessRunner
from hub.mail.delivery import warn_if_no_relay
from hub.mail.message import message_domain
from hub.metrics import Metrics
from hub.openapi import routes as openapi_routes
from hub.proposals import Proposals
from hub.realtime.acks import TrackedNamespace
from hub.realtime.change_watch import ChangeWatch
from hub.realtime.console import ConsoleNamespace
from hub.realtime.publisher import Publisher
from hub.realtime.redis_manager import RedisManager
from hub.redis_watch import REDIS_WATCH, RedisWatch, quick_failing_pubsub
from hub.routing_config import describe_metrics, routing_config, routing_stores
from hub.routing_events import RoutingEvents
from hub.routing_repository import SqlRoutingRepository
from hub.routing_settings import SETTINGS_WATCH, SettingsWatch
from hub.runtime import settle_heap
from hub.security.ratelimit import TokenBucketLimiter
from hub.security.tokens import ConversationProofs, VisitorTokens
from hub.services import SERVICES, Limits, Services
from hub.settings import Settings
from hub.spool import SPOOL_JOB, spool_kind
from hub.tasks import BackgroundTasks
from routing.memory_store import InMemoryRoutingStore
from routing.redis_store import RedisRoutingStore
from routing.service import RoutingService
from routing.store import RoutingStore

log = logging.getLogger("hub.app")
# Draining on SIGTERM: handlers running when it came get this long to ack before the
# hang-up; the hang-up itself is bounded too. The whole drain: HUB_SHUTDOWN_GRACE_SECONDS.
ACK_WAIT_SECONDS = 0.5
PROCESS_STARTED_AT = time.time()
HANG_UP_SECONDS = 3.0
WECHAT = web.AppKey("wechat", WechatCallbacks)
SMTP_LISTENER = web.AppKey("smtp_listener", SmtpListener)


class LoopTimers:
    """Routing timers on the event loop, scheduled against the injected clock."""

    def __init__(self, clock: Clock, tasks: BackgroundTasks) -> None:
        self.clock = clock
        self.tasks = tasks

    def call_at(self, when: datetime, callback):  # type: ignore[no-untyped-def]
        delay = max(0.0, (when - self.clock()).total_seconds())
        handle = asyncio.get_running_loop().call_later(
            delay, lambda: self.tasks.spawn(callback(), name="routing:timer")
        )
        return handle.cancel


def _origins(settings: Settings) -> list[str]:
    return [settings.own_origin, *settings.allowed_origins]


def build_socket_server(settings: Settings) -> socketio.AsyncServer:
    manager = (
        RedisManager(settings.redis_url, channel=f"{settings.redis_prefix}socketio")
        if settings.redis_url
        else None
    )
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=_origins(settings),
        max_http_buffer_size=settings.max_body_bytes,
        ping_interval=20,
        ping_timeout=20,
    )


def create_app(settings: Settings, *, clock: Clock = system_clock) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[access_log, security_headers, cors, errors],
    )
    sio = build_socket_server(settings)
    sio.attach(app)
    app.cleanup_ctx.append(_lifecycle(settings, clock, sio))
    app.on_startup.append(_process_metrics)  # runs after the lifecycle has started
    app.on_shutdown.append(_finish_in_flight)
    _add_routes(app)
    return app


async def _process_metrics(app: web.Application) -> None:
    """Series about this process itself: its database pool, start time, draining."""
    hub = app[SERVICES]
    metrics, pool = hub.metrics, hub.db.engine.pool
    metrics.gauge(
        "hub_process_start_time_seconds",
        "When this process started (Unix time)",
        lambda: PROCESS_STARTED_AT,
    )
    metrics.describe("hub_draining", "gauge", "1 while this process drains on SIGTERM")
    metrics.set("hub_draining", 0)
    metrics.describe("hub_process_info", "gauge", "This process: its event loop and database")
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    metrics.set("hub_process_info", 1, event_loop=loop, database=hub.db.dialect)
    checked_out = getattr(pool, "checkedout", None)
    if checked_out is not None:
        metrics.gauge(
            "hub_db_connections_in_use",
            "Database connections checked out of this process's pool",
            lambda: float(checked_out()),
        )


def _add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/metrics", health.metrics)
    app.router.add_post("/api/auth/login", auth.login)
    app.router.add_post("/api/auth/logout", auth.logout)
    app.router.add_get("/api/me", auth.me)
    app.router.add_route("*", "/api/visitors", visitors.create_visitor)
    app.router.add_post("/api/language", language.choose_language)
    app.router.add_get("/api/conversations", conversations.list_conversations)
    app.router.add_get("/api/conversations/{id}", conversations.get_conversation)
    app.router.add_get("/api/queue", queue.live_queue)
    app.router.add_get("/api/ambassadors", queue.colleagues)
    customers.add_routes(app)
    booking.add_routes(app)
    calendar.add_routes(app)
    verification.add_routes(app)
    imports.add_routes(app)
    insights.add_routes(app)
    pages.add_routes(app)
    attachments.add_routes(app)
    wechat_link.add_routes(app)
    email_webhook.add_routes(app)
    email_contact.add_routes(app)
    voice_outbound.add_routes(app)
    voice_routes.add_routes(app)
    callbacks.add_routes(app)
    openapi_routes.add_routes(app)
    feedback.add_routes(app)
    staff_admin.add_routes(app)
    invitations.add_routes(app)
    audit.add_routes(app)
    canned_replies.add_routes(app)
    uploads.add_routes(app)
    clienteling.add_routes(app)
    attention.add_routes(app)
    store_admin.add_routes(app)
    app.router.add_get("/wechat/{account}", _wechat_verify)
    app.router.add_post("/wechat/{account}", _wechat_receive)


async def _wechat_verify(request: web.Request) -> web.StreamResponse:
    return await request.app[WECHAT].verify(request)


async def _wechat_receive(request: web.Request) -> web.StreamResponse:
    return await request.app[WECHAT].receive(request)


async def _finish_in_flight(app: web.Application) -> None:
    """SIGTERM: drain this process so that nothing acknowledged is lost.

    aiohttp has closed the listener (no new connections; the load balancer sends newcomers
    to the other processes). Then: handlers running now get a moment to send their acks;
    every socket is hung up, so clients reconnect to another process and resend what was
    not acknowledged (the dedupe key answers a resend of a stored message with the same
    id); writes begun before the hang-up commit (acknowledged means durable); background
    work, runners and routing timers stop. All within the grace
    (``HUB_SHUTDOWN_GRACE_SECONDS``), then aiohttp closes what is left."""
    hub = app.get(SERVICES)
    if hub is None:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + hub.settings.shutdown_grace_seconds

    def left(cap: float | None = None) -> float:
        remaining = max(0.0, deadline - loop.time())
        return remaining if cap is None else min(cap, remaining)

    hub.metrics.set("hub_draining", 1)
    log.info(
        "draining: listener closed, finishing in-flight work",
        extra={"fields": {"sockets": len(hub.sio.eio.sockets)}},
    )
    await _handlers_idle(hub.namespaces, left(ACK_WAIT_SECONDS))
    await _hang_up(hub.sio, left(HANG_UP_SECONDS))
    if not await _handlers_idle(hub.namespaces, left()):
        log.warning("draining: some socket handlers were still running at the deadline")
    try:
        await asyncio.wait_for(hub.inbox.idle(), left())
    except TimeoutError:
        log.warning("draining: a batched write was still running at the deadline")
    await hub.tasks.drain(left())
    await hub.spool.stop(left())
    await hub.jobs.stop(left())
    await hub.routing.stop()
    await hub.sio.shutdown()
    log.info("drained", extra={"fields": {"seconds_left": round(left(), 3)}})


async def _handlers_idle(namespaces: list[TrackedNamespace], seconds: float) -> bool:
    """Wait (at most ``seconds`` in all) until no socket handler runs."""
    deadline = asyncio.get_running_loop().time() + seconds
    idle = True
    for namespace in namespaces:
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        idle = await namespace.inflight.wait_idle(remaining) and idle
    return idle


async def _hang_up(sio: socketio.AsyncServer, seconds: float) -> None:
    """Close every socket, so clients reconnect elsewhere instead of holding shutdown open.

    engine.io waits for each socket's send queue to drain; a peer that vanished never
    drains it, so the wait is bounded."""
    sockets = list(sio.eio.sockets.values())
    if not sockets:
        return
    try:
        await asyncio.wait_for(sio.eio.disconnect(), max(seconds, 0.1))
    except TimeoutError:
        log.warning("some sockets did not close in time; closing anyway")
    # engine.io's close sends a CLOSE packet but leaves the websocket open, and the
    # browser client acts on that packet only on long-polling: it would wait for a ping
    # time-out (40 s) before reconnecting. Ending each socket's writer closes its
    # websocket now, so clients see "transport close" and reconnect at once.
    for socket in sockets:
        queue = getattr(socket, "queue", None)
        if queue is not None:
            queue.put_nowait(None)


def _job_runner(settings: Settings, db: Database, clock: Clock) -> JobRunner:
    """rq (run by `hub worker`) with Redis; otherwise this process runs its own jobs."""
    kinds = registered_kinds()
    if settings.redis_url:
        from hub.jobs.rq_queue import RqJobs

        return RqJobs(settings, kinds, clock=clock)
    warn_if_no_relay(settings)
    return InProcessRunner(kinds, db=db, clock=clock, settings=settings)


def _smtp_listener(
    settings: Settings,
    db: Database,
    clock: Clock,
    directory: MailboxDirectory,
    spool: JobRunner,
    metrics: Metrics,
) -> SmtpListener | None:
    """Mail straight from MX when HUB_SMTP_PORT is set; off otherwise."""
    if settings.smtp_port is None:
        return None
    handler = MailHandler(
        db=db,
        clock=clock,
        directory=directory,
        spool_jobs=spool,
        metrics=metrics,
        max_bytes=settings.email_max_bytes,
    )
    return SmtpListener(
        handler, host=settings.smtp_host, port=settings.smtp_port, hostname=message_domain(settings)
    )


def _lifecycle(settings: Settings, clock: Clock, sio: socketio.AsyncServer):  # type: ignore[no-untyped-def]
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        tasks = BackgroundTasks()
        metrics = Metrics()
        publisher = Publisher(sio, db)
        config = routing_config(settings)
        redis = (
            Redis(
                connection_pool=BlockingConnectionPool.from_url(
                    settings.redis_url, timeout=5, socket_connect_timeout=2, socket_timeout=5
                )
            )
            if settings.redis_url
            else None
        )
        state: RoutingStore
        redis_state: RedisRoutingStore | None = None
        if redis is not None:
            # Fenced: no claim until the state is (re)built from the database.
            redis_state = RedisRoutingStore(
                redis, config, prefix=f"{settings.redis_prefix}routing:", fenced=True
            )
            state = redis_state
            quick_failing_pubsub(sio)
        else:
            state = InMemoryRoutingStore(config)
        routing_events = RoutingEvents(publisher, db)
        routing = RoutingService(
            store=state,
            repository=SqlRoutingRepository(db),
            notifier=routing_events,
            metrics=metrics,
            timers=LoopTimers(clock, tasks),
            clock=clock,
            config=config,
        )
        jobs = _job_runner(settings, db, clock)
        inbox = Inbox(
            db,
            clock=clock,
            events=publisher,
            routing=routing,
            tasks=tasks,
            metrics=metrics,
            config=config,
            outbound={
                "wechat": WechatReplies(),
                "email": EmailReplies(settings),
                "voice": VoiceReplies(),
            },
            jobs=jobs,
        )
        # Channel callbacks are answered once spooled and processed here, by this web
        # process (they need the inbox and routing), one at a time so that one user's
        # messages keep their order.
        feedback_service = FeedbackService(
            db=db, clock=clock, settings=settings, inbox=inbox, jobs=jobs, tasks=tasks
        )
        inbox.on_closed = feedback_service.conversation_closed
        answers = Answers(feedback_service)
        app[FEEDBACK] = answers
        intake = WechatIntake(
            db=db,
            inbox=inbox,
            jobs=jobs,
            clock=clock,
            public_url=settings.public_url,
            ratings=answers,
        )
        directory = MailboxDirectory(db)
        mail_intake = EmailIntake(
            db=db, inbox=inbox, clock=clock, settings=settings, directory=directory
        )
        callback_service = Callbacks(
            db=db,
            clock=clock,
            inbox=inbox,
            publisher=publisher,
            settings=settings,
            config=config,
            jobs=jobs,
            sms=VoiceSms(),
        )
        spool = InProcessRunner(
            {
                SPOOL_JOB: spool_kind({"wechat": intake, "email": mail_intake}),
                CALLBACK_JOB: callback_service.job_kind(),
            },
            db=db,
            clock=clock,
            settings=settings,
            concurrency=1,
        )
        callback_service.timers = spool
        app[CALLBACKS] = callback_service
        app[voice_routes.VOICE] = voice_routes.voice_channel(
            db=db,
            clock=clock,
            settings=settings,
            inbox=inbox,
            routing=routing,
            callbacks=callback_service,
            events=publisher,
            jobs=jobs,
        )
        app[WECHAT] = WechatCallbacks(db=db, clock=clock, spool_jobs=spool, metrics=metrics)
        routing_events.system = inbox
        handover = Handover(
            db=db, clock=clock, inbox=inbox, routing=routing, publisher=publisher, config=config
        )
        tokens = VisitorTokens(settings.secret_key.reveal())
        limits = Limits(
            login=TokenBucketLimiter(
                per_minute=settings.login_per_minute, burst=settings.login_burst
            ),
            anonymous=TokenBucketLimiter(
                per_minute=settings.anonymous_per_minute, burst=settings.anonymous_burst
            ),
            visitor_messages=TokenBucketLimiter(
                per_minute=settings.visitor_messages_per_minute,
                burst=settings.visitor_messages_burst,
            ),
            verification_mails=TokenBucketLimiter(per_minute=2, burst=3),
        )
        app[SERVICES] = Services(
            settings=settings,
            db=db,
            clock=clock,
            sio=sio,
            publisher=publisher,
            inbox=inbox,
            routing=routing,
            tokens=tokens,
            limits=limits,
            tasks=tasks,
            metrics=metrics,
            jobs=jobs,
            spool=spool,
            redis=redis,
        )
        booking_service = BookingService(
            db=db,
            clock=clock,
            video_url_template=settings.video_url_template,
            hold_minutes=settings.hold_minutes,
            reminder_minutes=settings.reminder_minutes,
            events=BookingNotices(
                db=db,
                clock=clock,
                settings=settings,
                jobs=jobs,
                inbox=inbox,
                publisher=publisher,
                messengers=appointment_messengers(),
            ),
        )
        app[BOOKING] = booking_service
        proofs = ConversationProofs(settings.secret_key.reveal())
        app[PROPOSALS] = Proposals(db, inbox, booking_service, settings.public_url, proofs)
        namespaces = [
            ShopperNamespace(
                db=db,
                inbox=inbox,
                publisher=publisher,
                tokens=tokens,
                limiter=limits.visitor_messages,
                clock=clock,
                policy_version=settings.privacy_policy_version,
                feedback=answers,
            ),
            ConsoleNamespace(
                db=db,
                inbox=inbox,
                routing=routing,
                publisher=publisher,
                handover=handover,
                clock=clock,
                own_origin=settings.own_origin,
            ),
        ]
        for namespace in namespaces:
            sio.register_namespace(namespace)
        describe_metrics(metrics)
        metrics.describe(
            "hub_messages_total", "counter", "Messages stored, by channel and direction"
        )
        metrics.describe(
            "hub_wechat_callbacks_total", "counter", "WeChat callbacks: stored, duplicate, refused"
        )
        metrics.describe(
            "hub_mail_received_total", "counter", "Inbound mails: stored, duplicate, refused"
        )
        metrics.gauge("hub_background_tasks", "Background tasks in flight", lambda: len(tasks))
        metrics.gauge(
            "hub_socket_connections", "Open socket connections", lambda: len(sio.eio.sockets)
        )
        await db.ping()
        async with db.reading() as session:
            stores = await routing_stores(session)
        # The routing settings saved by admins, before the first routing decision.
        settings_watch = SettingsWatch(db, routing, settings)
        await settings_watch.load()
        app[SETTINGS_WATCH] = settings_watch
        metrics.gauge(
            "hub_routing_settings_version",
            "The version of the saved routing settings this process routes with",
            lambda: float(settings_watch.version or 0),
        )
        redis_watch = None
        if redis_state is not None:
            # Redis is rebuildable: rebuilt here if empty, watched every second after.
            redis_watch = RedisWatch(redis_state, routing)
            await redis_watch.start()
            app[REDIS_WATCH] = redis_watch
        else:
            await routing.start(stores, recover=True)
        # Every process: what a process killed outright leaves behind is taken over.
        await routing.start_reconciling()
        await jobs.start()
        await spool.start()
        listener = _smtp_listener(settings, db, clock, directory, spool, metrics)
        if listener is not None:
            await listener.start()
            app[SMTP_LISTENER] = listener
        change_watch = ChangeWatch(db, sio, clock, publisher, relay_messages=True)
        await change_watch.start_from_now()
        change_watch.start(settings.change_poll_seconds)
        settings_watch.start(settings.change_poll_seconds)
        app[SERVICES].change_watch = change_watch
        settle_heap()  # start-up objects out of every scan; the collector runs less often
        log.info(
            "hub started",
            extra={"fields": {"database": db.dialect, "public_url": settings.public_url}},
        )
        app[SERVICES].namespaces = namespaces
        yield
        await settings_watch.stop()
        await change_watch.stop()
        if listener is not None:
            await listener.stop()
        await spool.stop(0)
        await jobs.stop(0)  # after _finish_in_flight's grace; a no-op when that ran
        await db.close()
        if redis_watch is not None:
            await redis_watch.stop()
        if redis is not None:
            await redis.aclose()
        log.info("hub stopped")

    return lifecycle
