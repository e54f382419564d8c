"""``GET|POST /wechat/{account}``: WeChat's server callback.

WeChat waits five seconds and then sends the same callback again (three more times), so
the answer never waits for the hub: the checked message becomes one spool row and the
reply is ``success`` at once; conversations, routing and any answer to the user follow
in the spool runner. Nothing here reveals why a request was refused beyond a code.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from aiohttp import web

from adapters.wechat.accounts import AccountCache
from adapters.wechat.callback import CallbackRefused, open_callback, verify_echo
from adapters.wechat.intake import CHANNEL, dedupe_key, to_payload
from hub.api.requests import capped_body
from hub.clock import Clock
from hub.db.engine import Database
from hub.errors import NotFound
from hub.jobs.kind import Jobs
from hub.metrics import Metrics
from hub.spool import SPOOL_JOB, spool

log = logging.getLogger("adapters.wechat")
# A text message is at most 2,048 bytes of content; an encrypted envelope roughly
# doubles it. Anything far larger is not WeChat.
MAX_BODY_BYTES = 64 * 1024


class WechatCallbacks:
    def __init__(self, *, db: Database, clock: Clock, spool_jobs: Jobs, metrics: Metrics) -> None:
        self.db = db
        self.clock = clock
        self.accounts = AccountCache(db)
        self.spool_jobs = spool_jobs
        self.metrics = metrics

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/wechat/{account}", self.verify)
        app.router.add_post("/wechat/{account}", self.receive)

    async def _account(self, request: web.Request):  # type: ignore[no-untyped-def]
        account = await self.accounts.get(request.match_info["account"][:32])
        if account is None:
            raise NotFound("no such WeChat account", code="unknown_account")
        return account

    async def verify(self, request: web.Request) -> web.StreamResponse:
        """The URL check WeChat makes when the server address is configured."""
        account = await self._account(request)
        try:
            echo = verify_echo(account, request.query, self.clock())
        except CallbackRefused as refused:
            self._refused(refused)
        return web.Response(text=echo, content_type="text/plain")

    async def receive(self, request: web.Request) -> web.StreamResponse:
        account = await self._account(request)
        body = await capped_body(request, MAX_BODY_BYTES, "a WeChat callback is never this large")
        try:
            message = open_callback(
                account, request.query, body, self.clock(), allow_plaintext=account.mode != "safe"
            )
        except CallbackRefused as refused:
            self._refused(refused)
        spool_id = await spool(
            self.db,
            channel=CHANNEL,
            account_id=account.id,
            dedupe_key=dedupe_key(account, message),
            payload=to_payload(message),
            now=self.clock(),
        )
        if spool_id is None:
            self.metrics.inc("hub_wechat_callbacks_total", outcome="duplicate")
        else:
            self.metrics.inc("hub_wechat_callbacks_total", outcome="stored")
            await self.spool_jobs.schedule(SPOOL_JOB, spool_id)
        # "success" needs no encryption, in any mode; it tells WeChat not to retry.
        return web.Response(text="success", content_type="text/plain")

    def _refused(self, refused: CallbackRefused) -> NoReturn:
        self.metrics.inc("hub_wechat_callbacks_total", outcome=f"refused_{refused.status}")
        log.warning("wechat callback refused", extra={"fields": {"code": refused.code}})
        raise refused
