"""A bare python-socketio relay with the hub's socket contract and no persistence.

The baseline the hub is measured against: the same namespaces, events, payload shapes
and acks, the same socket.io settings (websocket, ping 20/20 s), nothing written
anywhere. Shoppers connect on ``/shopper`` (the visitor token is not checked),
ambassadors on ``/console`` (the token is the ambassador's id, as its fake login hands
out). A shopper's first message opens a conversation, offered round-robin to the next
available ambassador; ``accept`` assigns it (``assigned`` to both sides), then
``message`` (shopper → ambassador) and ``reply`` (ambassador → shopper) are relayed with
``seq`` numbers and the hub's acks, ``typing`` likewise. A repeated ``client_id`` acks the
message already relayed, as the hub does.

Run on its own: ``python -m bench.relay --serve-bare PORT [--loop asyncio|uvloop]``.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import socketio
from aiohttp import web

from bench.relay import loops

SHOPPER = "/shopper"
CONSOLE = "/console"
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
MAX_TEXT = 10_000
MAX_BODY = 64 * 1024


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


@dataclass
class Conversation:
    id: str
    visitor_id: str
    status: str = "queued"
    ambassador_id: str | None = None
    last_seq: int = 0
    created_at: str = field(default_factory=now_iso)

    def payload(self, relay: Relay) -> dict[str, Any]:
        ambassador = relay.ambassadors.get(self.ambassador_id or "")
        return {
            "id": self.id,
            "channel": "webchat",
            "store": "BARE",
            "status": self.status,
            "language": None,
            "customer": {"id": self.visitor_id, "name": "Guest", "tier": "standard"},
            "assigned_to": (
                {"id": ambassador.id, "name": ambassador.name} if ambassador is not None else None
            ),
        }


@dataclass
class Ambassador:
    id: str
    name: str
    sids: set[str] = field(default_factory=set)
    available: bool = False


class Relay:
    """Conversations, ambassadors and the round-robin, in memory."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio
        self.ambassadors: dict[str, Ambassador] = {}
        self.conversations: dict[str, Conversation] = {}
        self.by_visitor: dict[str, str] = {}
        self.offers: dict[str, tuple[str, str]] = {}  # offer id → (conversation, ambassador)
        self.waiting: deque[str] = deque()
        self.seen: dict[str, dict[str, Any]] = {}  # dedupe key → ack
        self.rotation: itertools.count[int] = itertools.count()

    def message(
        self, conversation: Conversation, kind: str, name: str | None, text: str
    ) -> dict[str, Any]:
        conversation.last_seq += 1
        return {
            "id": str(uuid.uuid4()),
            "conversation_id": conversation.id,
            "seq": conversation.last_seq,
            "channel": "webchat",
            "author": {"kind": kind, "name": name},
            "text": text,
            "created_at": now_iso(),
        }

    async def route(self, conversation: Conversation) -> None:
        """Offer to the next available ambassador, round-robin; queue when nobody is."""
        available = [a for a in self.ambassadors.values() if a.available and a.sids]
        if not available:
            self.waiting.append(conversation.id)
            return
        ambassador = available[next(self.rotation) % len(available)]
        offer_id = str(uuid.uuid4())
        self.offers[offer_id] = (conversation.id, ambassador.id)
        await self.sio.emit(
            "offer",
            {
                "offer_id": offer_id,
                "conversation": conversation.payload(self),
                "customer": {"id": conversation.visitor_id, "name": "Guest", "tier": "standard"},
                "expires_at": None,
            },
            to=staff_room(ambassador.id),
            namespace=CONSOLE,
        )

    async def drain_waiting(self) -> None:
        while self.waiting:
            conversation = self.conversations.get(self.waiting.popleft())
            if conversation is not None and conversation.status == "queued":
                await self.route(conversation)
                if self.waiting and self.waiting[-1] == conversation.id:
                    return  # nobody took it: still nobody available


def visitor_room(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


def staff_room(staff_id: str) -> str:
    return f"staff:{staff_id}"


def body_of(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


def checked(body: dict[str, Any]) -> tuple[str, str] | dict[str, Any]:
    """``(client_id, text)``, or the error ack the hub would give."""
    client_id, text = body.get("client_id"), body.get("text")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        return error("invalid_input", "client_id must be 1-100 characters of letters, digits, _.:-")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return error("invalid_input", "text must be a non-empty string")
    return client_id, text


class ShopperNamespace(socketio.AsyncNamespace):
    def __init__(self, relay: Relay) -> None:
        super().__init__(SHOPPER)
        self.relay = relay

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = body_of(auth).get("visitor_token")
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        await self.save_session(sid, {"visitor_id": token})
        await self.enter_room(sid, visitor_room(token))

    async def on_message(self, sid: str, data: Any = None) -> dict[str, Any]:
        visitor_id = (await self.get_session(sid))["visitor_id"]
        parsed = checked(body_of(data))
        if isinstance(parsed, dict):
            return parsed
        client_id, text = parsed
        key = f"webchat:{visitor_id}:{client_id}"
        if (known := self.relay.seen.get(key)) is not None:
            return known
        relay = self.relay
        conversation_id = relay.by_visitor.get(visitor_id)
        conversation = relay.conversations.get(conversation_id or "")
        opened = conversation is None or conversation.status == "closed"
        if conversation is None or opened:
            conversation = Conversation(id=str(uuid.uuid4()), visitor_id=visitor_id)
            relay.conversations[conversation.id] = conversation
            relay.by_visitor[visitor_id] = conversation.id
        payload = relay.message(conversation, "customer", None, text)
        await self.emit("message", payload, to=visitor_room(visitor_id), skip_sid=sid)
        if conversation.ambassador_id is not None:
            await self.emit(
                "message", payload, to=staff_room(conversation.ambassador_id), namespace=CONSOLE
            )
        if opened:
            await relay.route(conversation)
        ack = {
            "id": payload["id"],
            "conversation_id": conversation.id,
            "seq": payload["seq"],
            "created_at": payload["created_at"],
        }
        relay.seen[key] = ack
        return ack

    async def on_typing(self, sid: str, data: Any = None) -> dict[str, Any]:
        visitor_id = (await self.get_session(sid))["visitor_id"]
        conversation = self.relay.conversations.get(self.relay.by_visitor.get(visitor_id, ""))
        if conversation is not None and conversation.ambassador_id is not None:
            await self.emit(
                "typing",
                {
                    "conversation_id": conversation.id,
                    "typing": bool(body_of(data).get("typing")),
                    "author": {"kind": "customer", "name": None},
                },
                to=staff_room(conversation.ambassador_id),
                namespace=CONSOLE,
            )
        return {"ok": True}

    async def on_history(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Nothing is kept: the conversation, without messages."""
        visitor_id = (await self.get_session(sid))["visitor_id"]
        conversation = self.relay.conversations.get(self.relay.by_visitor.get(visitor_id, ""))
        return {
            "conversation_id": conversation.id if conversation else None,
            "messages": [],
            "status": conversation.status if conversation else None,
        }


class ConsoleNamespace(socketio.AsyncNamespace):
    def __init__(self, relay: Relay) -> None:
        super().__init__(CONSOLE)
        self.relay = relay

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = body_of(auth).get("token")
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        ambassador = self.relay.ambassadors.setdefault(token, Ambassador(token, token))
        ambassador.sids.add(sid)
        await self.save_session(sid, {"ambassador_id": token})
        await self.enter_room(sid, staff_room(token))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        ambassador = await self._ambassador(sid)
        ambassador.sids.discard(sid)

    async def _ambassador(self, sid: str) -> Ambassador:
        return self.relay.ambassadors[(await self.get_session(sid))["ambassador_id"]]

    async def on_presence(self, sid: str, data: Any = None) -> dict[str, Any]:
        status = body_of(data).get("status")
        if status not in ("available", "away"):
            return error("invalid_input", "status must be 'available' or 'away'")
        ambassador = await self._ambassador(sid)
        ambassador.available = status == "available"
        if ambassador.available:
            await self.relay.drain_waiting()
        return {"status": status}

    async def on_accept(self, sid: str, data: Any = None) -> dict[str, Any]:
        ambassador = await self._ambassador(sid)
        offer = self.relay.offers.pop(str(body_of(data).get("offer_id")), None)
        if offer is None or offer[1] != ambassador.id:
            return error("not_found", "no such offer")
        conversation = self.relay.conversations[offer[0]]
        conversation.status = "assigned"
        conversation.ambassador_id = ambassador.id
        await self.emit(
            "assigned",
            {"ambassador": {"name": ambassador.name}},
            to=visitor_room(conversation.visitor_id),
            namespace=SHOPPER,
        )
        payload = conversation.payload(self.relay)
        await self.emit(
            "assigned",
            {"conversation": payload, "ambassador": {"id": ambassador.id, "name": ambassador.name}},
            to=staff_room(ambassador.id),
        )
        return {"conversation": payload}

    async def on_decline(self, sid: str, data: Any = None) -> dict[str, Any]:
        ambassador = await self._ambassador(sid)
        offer = self.relay.offers.pop(str(body_of(data).get("offer_id")), None)
        if offer is None or offer[1] != ambassador.id:
            return error("not_found", "no such offer")
        await self.relay.route(self.relay.conversations[offer[0]])
        return {"ok": True}

    def _assigned(self, ambassador: Ambassador, data: Any) -> Conversation | dict[str, Any]:
        conversation = self.relay.conversations.get(str(body_of(data).get("conversation_id")))
        if conversation is None:
            return error("not_found", "no such conversation")
        if conversation.ambassador_id != ambassador.id:
            return error("not_assigned", "this conversation is not assigned to you")
        return conversation

    async def on_reply(self, sid: str, data: Any = None) -> dict[str, Any]:
        ambassador = await self._ambassador(sid)
        conversation = self._assigned(ambassador, data)
        if isinstance(conversation, dict):
            return conversation
        parsed = checked(body_of(data))
        if isinstance(parsed, dict):
            return parsed
        client_id, text = parsed
        key = f"staff:{ambassador.id}:{client_id}"
        if (known := self.relay.seen.get(key)) is not None:
            return known
        if conversation.status == "closed":
            return error("conversation_closed", "conversation is closed")
        payload = self.relay.message(conversation, "ambassador", ambassador.name, text)
        await self.emit(
            "message", payload, to=visitor_room(conversation.visitor_id), namespace=SHOPPER
        )
        await self.emit("message", payload, to=staff_room(ambassador.id), skip_sid=sid)
        ack = {"id": payload["id"], "seq": payload["seq"], "created_at": payload["created_at"]}
        self.relay.seen[key] = ack
        return ack

    async def on_typing(self, sid: str, data: Any = None) -> dict[str, Any]:
        ambassador = await self._ambassador(sid)
        conversation = self._assigned(ambassador, data)
        if isinstance(conversation, dict):
            return conversation
        await self.emit(
            "typing",
            {
                "conversation_id": conversation.id,
                "typing": bool(body_of(data).get("typing")),
                "author": {"kind": "ambassador", "name": ambassador.name},
            },
            to=visitor_room(conversation.visitor_id),
            namespace=SHOPPER,
        )
        return {"ok": True}

    async def on_close(self, sid: str, data: Any = None) -> dict[str, Any]:
        ambassador = await self._ambassador(sid)
        conversation = self._assigned(ambassador, data)
        if isinstance(conversation, dict):
            return conversation
        conversation.status = "closed"
        closed = {"conversation_id": conversation.id}
        await self.emit(
            "closed", closed, to=visitor_room(conversation.visitor_id), namespace=SHOPPER
        )
        await self.emit("closed", closed, to=staff_room(ambassador.id))
        return {"conversation": conversation.payload(self.relay)}


def create_app() -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins=[],
        max_http_buffer_size=MAX_BODY,
        ping_interval=20,
        ping_timeout=20,
    )
    sio.attach(app)
    relay = Relay(sio)
    sio.register_namespace(ShopperNamespace(relay))
    sio.register_namespace(ConsoleNamespace(relay))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "connections": len(sio.eio.sockets)})

    async def login(request: web.Request) -> web.Response:
        """Any password: the token is the ambassador's e-mail, their id here."""
        body = json.loads(await request.read() or b"{}")
        email = str(body.get("email", "")).strip().lower()
        if not email:
            return web.json_response(error("invalid_input", "email is required"), status=400)
        staff = {"id": email, "name": email.split("@")[0], "email": email, "role": "ambassador"}
        return web.json_response({"token": email, "staff": staff})

    async def visitors(request: web.Request) -> web.Response:
        return web.json_response({"visitor_token": str(uuid.uuid4())}, status=201)

    app.router.add_get("/healthz", healthz)
    app.router.add_post("/api/auth/login", login)
    app.router.add_post("/api/visitors", visitors)
    return app


def serve(port: int, loop: str, host: str = "127.0.0.1") -> None:
    loops.install(loop)
    print(f"bare relay on http://{host}:{port} ({loop})", flush=True)
    web.run_app(
        create_app(),
        host=host,
        port=port,
        print=None,
        access_log=None,
        shutdown_timeout=5,
        handle_signals=True,
    )


def main() -> None:  # pragma: no cover - run through ``python -m bench.relay --serve-bare``
    import argparse

    parser = argparse.ArgumentParser(prog="bench.relay.bare")
    parser.add_argument("port", type=int)
    parser.add_argument("--loop", default="asyncio", choices=loops.LOOPS)
    args = parser.parse_args()
    serve(args.port, args.loop)


if __name__ == "__main__":
    main()
