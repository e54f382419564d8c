"""Hanging up every open console of one staff member, in every web process.

socket.io rooms are per process: ``manager.get_participants`` lists only this process's
sockets ("no functionality to assemble a complete list of users across multiple
servers", python-socketio's ``BaseManager``). Routing, though, records each console
connection (its socket id) in the state store every process shares; with those ids,
``AsyncServer.disconnect`` reaches a socket wherever it is, because the Redis client
manager publishes the disconnect to the process holding it. This process's own room is
added to the list, so a socket routing has not heard of yet is hung up too.

Used when a colleague is deactivated (their console is told ``session_ended`` first, then
cut off: its reconnect is refused and it shows the sign-in form) and when their profile
changes (cut off only: the console reconnects at once, with the new stores and skills).
"""

from __future__ import annotations

import logging

import socketio

from hub.realtime.names import CONSOLE, staff_room
from routing.service import RoutingService

log = logging.getLogger("hub.realtime")
SESSION_ENDED = "session_ended"


async def hang_up(
    sio: socketio.AsyncServer,
    routing: RoutingService,
    staff_id: str,
    *,
    notice: str | None = None,
) -> int:
    """Disconnect their console sockets everywhere; ``notice``: say why first. Returns how
    many sockets were asked to close."""
    local = {sid for sid, _eio in sio.manager.get_participants(CONSOLE, staff_room(staff_id))}
    sids = sorted(local | set(await routing.consoles_of(staff_id)))
    if notice is not None:
        await sio.emit(
            SESSION_ENDED, {"reason": notice}, to=staff_room(staff_id), namespace=CONSOLE
        )
    for sid in sids:
        await sio.disconnect(sid, namespace=CONSOLE)
    log.info(
        "staff consoles hung up",
        extra={"fields": {"staff_id": staff_id, "sockets": len(sids), "reason": notice}},
    )
    return len(sids)
