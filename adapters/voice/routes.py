"""``POST /voice/twilio/…``: the provider's webhooks for incoming calls, all signed.

``incoming`` (a call to a store's number), ``answered?call=`` (the ambassador's phone
picked up), ``dial?call=`` (the ``<Dial>`` action),
``gather?call=`` (a key pressed), ``recording?call=`` (a voicemail recorded) and
``transcription?call=`` (its transcript) answer TwiML or ``204``; ``status`` (status
callbacks, the call named by its ``CallSid``) answers ``204``. Refusals use the hub's
JSON error shape: ``400`` for a malformed field, ``403 bad_signature``, ``404`` for a
number or call the hub does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from adapters.voice.call_status import CallStatuses
from adapters.voice.calls import Offers, VoiceCalls
from adapters.voice.voicemail import Voicemail
from hub.callbacks import Callbacks
from hub.clock import Clock
from hub.db.engine import Database
from hub.inbox import ConversationEvents, Inbox
from hub.jobs.kind import Jobs
from hub.settings import Settings

PREFIX = "/voice/twilio"


@dataclass(frozen=True)
class VoiceChannel:
    calls: VoiceCalls
    statuses: CallStatuses
    voicemail: Voicemail


VOICE = web.AppKey("voice", VoiceChannel)


def voice_channel(
    *,
    db: Database,
    clock: Clock,
    settings: Settings,
    inbox: Inbox,
    routing: Offers,
    callbacks: Callbacks,
    events: ConversationEvents,
    jobs: Jobs,
) -> VoiceChannel:
    """The composition root's one call: everything the webhooks need, wired."""
    return VoiceChannel(
        calls=VoiceCalls(
            db=db,
            clock=clock,
            settings=settings,
            inbox=inbox,
            routing=routing,
            callbacks=callbacks,
        ),
        statuses=CallStatuses(db=db, clock=clock, settings=settings, events=events),
        voicemail=Voicemail(db=db, clock=clock, settings=settings, inbox=inbox, jobs=jobs),
    )


async def _incoming(request: web.Request) -> web.StreamResponse:
    return await request.app[VOICE].calls.incoming(request)


async def _dial(request: web.Request) -> web.StreamResponse:
    return await request.app[VOICE].calls.dial(request)


async def _answered(request: web.Request) -> web.StreamResponse:
    return await request.app[VOICE].calls.answered(request)


async def _gather(request: web.Request) -> web.StreamResponse:
    return await request.app[VOICE].calls.gather(request)


async def _status(request: web.Request) -> web.StreamResponse:
    return await request.app[VOICE].statuses.status(request)


async def _recording(request: web.Request) -> web.StreamResponse:
    return await request.app[VOICE].voicemail.recording(request)


async def _transcription(request: web.Request) -> web.StreamResponse:
    return await request.app[VOICE].voicemail.transcription(request)


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/incoming", _incoming)
    app.router.add_post(f"{PREFIX}/dial", _dial)
    app.router.add_post(f"{PREFIX}/answered", _answered)
    app.router.add_post(f"{PREFIX}/gather", _gather)
    app.router.add_post(f"{PREFIX}/recording", _recording)
    app.router.add_post(f"{PREFIX}/transcription", _transcription)
    app.router.add_post(f"{PREFIX}/status", _status)
