"""Passing on changes that other processes made to the consoles this process serves.

Each web process reads the change feed (``hub.db.change_models``) every few seconds from
where it last stopped and emits ``customer_updated`` to its *own* consoles watching an
affected customer (``ignore_queue``: every process reads the feed, so relaying through
Redis would deliver each update once per process). Only watched customers are looked up,
so an import touching a hundred thousand customers costs one indexed query per import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from datetime import timedelta

import socketio
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.change_feed import CUSTOMER, MESSAGE, MESSAGE_UPDATED, POS_IMPORT
from hub.clock import Clock
from hub.db.change_models import Change
from hub.db.engine import Database
from hub.db.models import Conversation, Message
from hub.db.profile_models import Purchase
from hub.messages import message_payload
from hub.realtime.names import CONSOLE, customer_room, staff_room
from hub.realtime.publisher import Publisher

log = logging.getLogger("hub.change_watch")

ROOM_PREFIX = customer_room("")
KEEP = timedelta(hours=1)  # long enough for any process to have read a change
MAX_READ = 1000


class ChangeWatch:
    def __init__(
        self,
        db: Database,
        sio: socketio.AsyncServer,
        clock: Clock,
        publisher: Publisher | None = None,
        *,
        relay_messages: bool = False,
    ) -> None:
        self.db = db
        self.sio = sio
        self.clock = clock
        # Messages written outside a web process (a reminder in the chat, by a job: in
        # production by `hub worker`) are pushed live by every web process to its own
        # clients only (``local``), so each client gets one copy whatever the number of
        # processes.
        self.publisher = publisher
        self.relay_messages = relay_messages and publisher is not None
        self.last_id: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def watched(self) -> set[str]:
        """Customers some console of this process is viewing."""
        rooms: Iterable[str] = self.sio.manager.rooms.get(CONSOLE, {}).keys()
        return {
            room[len(ROOM_PREFIX) :]
            for room in rooms
            if isinstance(room, str) and room.startswith(ROOM_PREFIX)
        }

    async def start_from_now(self) -> None:
        """Changes made before this process started are already in what consoles load."""
        async with self.db.reading() as session:
            self.last_id = int(await session.scalar(select(func.max(Change.id))) or 0)

    async def poll(self) -> set[str]:
        """Read the feed once; returns the customers whose consoles were told."""
        if self.last_id is None:
            await self.start_from_now()
        async with self.db.reading() as session:
            changes = (
                await session.execute(
                    select(Change.id, Change.kind, Change.ref)
                    .where(Change.id > self.last_id)
                    .order_by(Change.id)
                    .limit(MAX_READ)
                )
            ).all()
            if not changes:
                return set()
            self.last_id = changes[-1].id
            if self.relay_messages:
                await self._relay(session, [ref for _, kind, ref in changes if kind == MESSAGE])
            await self._updated(
                session, [ref for _, kind, ref in changes if kind == MESSAGE_UPDATED]
            )
            watched = self.watched()
            if not watched:
                return set()
            changed = {ref for _, kind, ref in changes if kind == CUSTOMER and ref in watched}
            imports = {ref for _, kind, ref in changes if kind == POS_IMPORT}
            if imports:
                rows = await session.scalars(
                    select(Purchase.customer_id)
                    .where(Purchase.customer_id.in_(watched), Purchase.import_id.in_(imports))
                    .distinct()
                )
                changed.update(customer_id for customer_id in rows if customer_id)
        for customer_id in sorted(changed):
            await self.sio.emit(
                "customer_updated",
                {"customer_id": customer_id},
                to=customer_room(customer_id),
                namespace=CONSOLE,
                ignore_queue=True,
            )
        return changed

    async def _relay(self, session: AsyncSession, message_ids: list[str]) -> None:
        assert self.publisher is not None
        for message_id in message_ids:
            message = await session.get(Message, message_id)
            conversation = (
                await session.get(Conversation, message.conversation_id) if message else None
            )
            if message is not None and conversation is not None:
                await self.publisher.message_added(conversation, message, None, local=True)

    async def _updated(self, session: AsyncSession, message_ids: list[str]) -> None:
        """A delivery failed or a file arrived: the assigned ambassador's consoles on this
        process see the message again (``ignore_queue``: every process does its own)."""
        for message_id in dict.fromkeys(message_ids):
            message = await session.get(Message, message_id)
            if message is None:
                continue
            staff_id = await session.scalar(
                select(Conversation.assigned_staff_id).where(
                    Conversation.id == message.conversation_id
                )
            )
            if staff_id is None:
                continue
            await self.sio.emit(
                "message_updated",
                message_payload(message),
                to=staff_room(staff_id),
                namespace=CONSOLE,
                ignore_queue=True,
            )

    async def forget_old(self) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(Change).where(Change.at < self.clock() - KEEP))

    def start(self, every_seconds: float) -> None:
        self._task = asyncio.create_task(self._run(every_seconds), name="change-watch")

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Let a poll in progress finish: cancelled mid-query, a driver connection can be
        dropped without being closed."""
        self._stopping.set()
        if self._task is not None:
            _done, pending = await asyncio.wait({self._task}, timeout=grace_seconds)
            if pending:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task

    async def _run(self, every_seconds: float) -> None:
        polls = 0
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(every_seconds):
                    await self._stopping.wait()
            if self._stopping.is_set():
                return
            try:
                await self.poll()
                polls += 1
                if polls % 600 == 0:
                    await self.forget_old()
            except Exception:  # the database may be briefly away; try again next time
                log.warning("could not read the change feed", exc_info=True)
