"""What a caller hears, as TwiML built with twilio's ``VoiceResponse``; each builder returns text.

Every text goes through the library, so a store called ``<Hangup/> & Co`` is spoken, not
obeyed; control characters, which no XML document may hold, are removed first. The
sentences are in the store's language (any of ``hub.i18n.SHOPPER_LANGUAGES``, from the
gettext catalogues; anything else gets English), read by the provider's voice for that
locale (``<Say language=…>``).

Arguments come from the hub, not from the caller: a malformed URL, number or time-out is
a ``ConfigError``. Twilio transcribes recordings of at most two minutes, hence the default
voicemail length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from twilio.twiml.voice_response import VoiceResponse

from hub.errors import ConfigError
from hub.i18n import N_, Texts, supported, texts

Reason = Literal["closed", "unanswered"]

MAX_ENDPOINTS = 10  # Twilio dials at most ten nouns at once
STORE_NAME_LIMIT = 100
VOICEMAIL_SECONDS = 120
GATHER_SECONDS = 6

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_CLIENT = re.compile(r"client:([A-Za-z0-9_.@-]{1,121})")
_URL = re.compile(r"https?://[\x21-\x7e]{1,2040}")
_VOICE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def is_e164(value: str | None) -> bool:
    """A number a call or a text can reach (an anonymous caller's contact is not one)."""
    return value is not None and _E164.fullmatch(value) is not None


_CONTROLS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)])
# Regional locales the provider's voices speak; a store's region outside these gets the
# language's default below.
_LOCALES = frozenset(
    [
        "en-GB",
        "en-US",
        "en-AU",
        "en-IN",
        "fr-FR",
        "fr-CA",
        "it-IT",
        "es-ES",
        "es-MX",
        "es-US",
        "de-DE",
        "nl-NL",
        "nl-BE",
    ]
)
# Our shopper languages as the provider's <Say language=…>: Mandarin read from Simplified
# (zh-CN) or Traditional (zh-TW) characters, Modern Standard Arabic (arb).
_DEFAULT_LOCALES = {
    "en": "en-GB",
    "fr": "fr-FR",
    "it": "it-IT",
    "es": "es-ES",
    "de": "de-DE",
    "nl": "nl-NL",
    "ja": "ja-JP",
    "ko": "ko-KR",
    "zh-Hans": "zh-CN",
    "zh-Hant": "zh-TW",
    "ar": "arb",
}


@dataclass(frozen=True)
class _Phrases:
    """What a caller may hear (message ids: the English text, translated when spoken)."""

    welcome: str = N_("Welcome to {store}, and thank you for calling.")
    connecting: str = N_(
        "Please hold for a moment while we connect you with one of our client advisors."
    )
    closed: str = N_("Our boutique is currently closed.")
    unanswered: str = N_("All of our client advisors are currently attending to other clients.")
    offer_callback: str = N_(
        "If you would like one of our client advisors to call you back at this number, "
        "please press 1. Otherwise, please stay on the line to leave us a message after "
        "the tone."
    )
    leave_message: str = N_("Please leave us your message after the tone.")
    leave_message_and_number: str = N_(
        "Please leave us your message after the tone, with a number where we may reach you."
    )
    no_message: str = N_(
        "We did not receive a message. Thank you for calling, and we look forward to "
        "speaking with you soon."
    )
    callback_confirmed: str = N_(
        "Thank you. A client advisor from {store} will call you back at this number very "
        "shortly. We wish you a lovely day."
    )
    closed_goodbye: str = N_("We look forward to welcoming you during our opening hours. Goodbye.")


_PHRASES = _Phrases()


@dataclass(frozen=True)
class _Voice:
    t: Texts
    locale: str
    voice: str | None
    store: str

    @property
    def phrases(self) -> _Phrases:
        return _PHRASES

    def say(self, response: VoiceResponse, text: str) -> None:
        spoken = self.t.gettext(text, store=self.store)
        response.say(spoken, language=self.locale, voice=self.voice)


def ring(
    numbers_or_clients: Sequence[str],
    timeout_seconds: int,
    action_url: str,
    caller_id: str | None,
    *,
    store_name: str | None = None,
    language: str = "en",
    voice: str | None = None,
    answered_url: str | None = None,
) -> str:
    """Ring every endpoint at once (E.164 numbers, ``client:identity`` for a browser);
    the first to answer takes the call. Twilio posts the outcome (``DialCallStatus``) to
    ``action_url``, whose answer says what happens next. With ``store_name`` the caller
    is greeted first; with ``answered_url`` each endpoint reports the moment it picks up
    (the ``<Dial>`` action only comes when the call ends)."""
    if not numbers_or_clients or len(numbers_or_clients) > MAX_ENDPOINTS:
        raise ConfigError(f"ring needs 1 to {MAX_ENDPOINTS} numbers or clients")
    if not 5 <= timeout_seconds <= 600:
        raise ConfigError("ring timeout must be 5 to 600 seconds")
    if caller_id is not None and not _E164.fullmatch(caller_id):
        raise ConfigError("caller_id must be an E.164 number")
    response = VoiceResponse()
    if store_name is not None:
        speaker = _speaker(store_name, language, voice)
        speaker.say(response, speaker.phrases.welcome)
        speaker.say(response, speaker.phrases.connecting)
    dial = response.dial(
        action=_url(action_url, "action_url"),
        method="POST",
        timeout=timeout_seconds,
        caller_id=caller_id,
    )
    reporting = (
        {
            "status_callback_event": "answered",
            "status_callback": _url(answered_url, "answered_url"),
            "status_callback_method": "POST",
        }
        if answered_url is not None
        else {}
    )
    for endpoint in dict.fromkeys(numbers_or_clients):
        if _E164.fullmatch(endpoint):
            dial.number(endpoint, **reporting)
        elif client := _CLIENT.fullmatch(endpoint):
            dial.client(client.group(1), **reporting)
        else:
            raise ConfigError("ring endpoints must be E.164 numbers or client:identity")
    return str(response.to_xml())


def offer_callback_or_voicemail(
    store_name: str,
    gather_action_url: str,
    record_action_url: str,
    transcribe_callback_url: str,
    language: str,
    *,
    reason: Reason | None = "unanswered",
    offer_callback: bool = True,
    ask_for_number: bool = True,
    max_length_seconds: int = VOICEMAIL_SECONDS,
    voice: str | None = None,
) -> str:
    """Say why nobody answers, offer 1 for a callback, else record a transcribed message.

    A key posts ``Digits`` to ``gather_action_url``; silence falls through to the
    recording. ``offer_callback=False`` goes straight to the message: for a withheld
    number (nothing to call back, so the caller is asked to leave one), or with
    ``ask_for_number=False`` after another key was pressed. ``reason=None`` skips the
    greeting, for a caller who already heard it.
    """
    if not 5 <= max_length_seconds <= 3600:
        raise ConfigError("max_length_seconds must be 5 to 3600")
    speaker = _speaker(store_name, language, voice)
    phrases = speaker.phrases
    response = VoiceResponse()
    if reason is not None:
        speaker.say(response, phrases.welcome)
        speaker.say(response, phrases.closed if reason == "closed" else phrases.unanswered)
    if offer_callback:
        gather = response.gather(
            input="dtmf",
            num_digits=1,
            action=_url(gather_action_url, "gather_action_url"),
            method="POST",
            timeout=GATHER_SECONDS,
        )
        speaker.say(gather, phrases.offer_callback)
    else:
        ask = phrases.leave_message_and_number if ask_for_number else phrases.leave_message
        speaker.say(response, ask)
    response.record(
        action=_url(record_action_url, "record_action_url"),
        method="POST",
        max_length=max_length_seconds,
        finish_on_key="#",
        play_beep=True,
        transcribe=True,
        transcribe_callback=_url(transcribe_callback_url, "transcribe_callback_url"),
    )
    # Reached only when nothing was recorded: Twilio then skips the action URL.
    speaker.say(response, phrases.no_message)
    response.hangup()
    return str(response.to_xml())


def closed_message(store_name: str, language: str, *, voice: str | None = None) -> str:
    """Closed and no voicemail to offer: say so kindly and hang up."""
    speaker = _speaker(store_name, language, voice)
    response = VoiceResponse()
    for text in (speaker.phrases.welcome, speaker.phrases.closed, speaker.phrases.closed_goodbye):
        speaker.say(response, text)
    response.hangup()
    return str(response.to_xml())


def callback_confirmed(store_name: str, language: str, *, voice: str | None = None) -> str:
    """The answer to pressing 1, once the callback request is durable."""
    speaker = _speaker(store_name, language, voice)
    response = VoiceResponse()
    speaker.say(response, speaker.phrases.callback_confirmed)
    response.hangup()
    return str(response.to_xml())


def hang_up() -> str:
    """End the call without a word (a duplicate webhook, a call we no longer handle)."""
    response = VoiceResponse()
    response.hangup()
    return str(response.to_xml())


def _speaker(store_name: str, language: str, voice: str | None) -> _Voice:
    """The sentences in the store's language (English for one we do not speak), read in
    its region's accent when the provider has one (``fr_CA``), else the language's own."""
    found = supported(language) or "en"
    base, _, region = language.replace("_", "-").partition("-")
    locale = f"{base.lower()}-{region[:2].upper()}"
    if base.lower() != found or locale not in _LOCALES:
        locale = _DEFAULT_LOCALES[found]
    if voice is not None and not _VOICE.fullmatch(voice):
        raise ConfigError("voice must be a provider voice name such as Polly.Celine")
    return _Voice(t=texts(found), locale=locale, voice=voice, store=_store_name(store_name))


def _store_name(raw: str) -> str:
    """Spoken as text: controls removed, whitespace collapsed, capped."""
    name = " ".join(raw[: STORE_NAME_LIMIT * 4].translate(_CONTROLS).split())
    name = name[:STORE_NAME_LIMIT].strip()
    if not name:
        raise ConfigError("the store has no name to announce")
    return name


def _url(value: str, name: str) -> str:
    if not _URL.fullmatch(value):
        raise ConfigError(f"{name} must be an absolute http(s) URL")
    return value


# -- a bridge the hub placed: the ambassador answered, now ring the client -----------------

# What the ambassador hears before the client's phone rings (named, or not).
_BRIDGE_PHRASES = (N_("Connecting you with {name}."), N_("Connecting you with your client."))
BRIDGE_RING_SECONDS = 30


def bridge(
    customer_number: str,
    caller_id: str,
    action_url: str,
    *,
    name: str | None = None,
    language: str = "en",
    voice: str | None = None,
    timeout_seconds: int = BRIDGE_RING_SECONDS,
) -> str:
    """The ambassador picked up a call the hub placed: tell them whom they are about to
    speak with, then dial the client with the store's number as caller ID. Twilio posts the
    outcome (``DialCallStatus``) to ``action_url``.

    ``name`` is the client's, as they gave it: spoken as text (controls removed, capped),
    never read as a template; without one the sentence names nobody.
    """
    if not _E164.fullmatch(customer_number):
        raise ConfigError("the client's number must be an E.164 number")
    if not _E164.fullmatch(caller_id):
        raise ConfigError("caller_id must be an E.164 number")
    if not 5 <= timeout_seconds <= 600:
        raise ConfigError("bridge timeout must be 5 to 600 seconds")
    spoken = _spoken_name(name)
    speaker = _speaker(spoken or "-", language, voice)
    named, anonymous = _BRIDGE_PHRASES
    text = speaker.t.gettext(named, name=spoken) if spoken else speaker.t.gettext(anonymous)
    response = VoiceResponse()
    # Not speaker.say: that formats the finished text again, and a name may hold braces.
    response.say(text, language=speaker.locale, voice=speaker.voice)
    dial = response.dial(
        action=_url(action_url, "action_url"),
        method="POST",
        timeout=timeout_seconds,
        caller_id=caller_id,
    )
    dial.number(customer_number)
    return str(response.to_xml())


def _spoken_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return _store_name(raw)
    except ConfigError:  # nothing left to say once cleaned
        return None
