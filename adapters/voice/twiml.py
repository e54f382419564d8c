"""What a caller hears, as TwiML built with twilio's ``VoiceResponse``; each builder returns text.

Every text goes through the library, so a store called ``<Hangup/> & Co`` is spoken, not
obeyed; control characters, which no XML document may hold, are removed first. The
sentences are the store's language (English, French, Italian, Spanish, German; anything
else gets English), read by the provider's voice for that locale.

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
# Locales the provider's voices speak; a store's region outside these gets the default.
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
    ]
)
_DEFAULT_LOCALES = {"en": "en-GB", "fr": "fr-FR", "it": "it-IT", "es": "es-ES", "de": "de-DE"}


@dataclass(frozen=True)
class _Phrases:
    welcome: str
    connecting: str
    closed: str
    unanswered: str
    offer_callback: str
    leave_message: str
    leave_message_and_number: str
    no_message: str
    callback_confirmed: str
    closed_goodbye: str


_PHRASES = {
    "en": _Phrases(
        welcome="Welcome to {store}, and thank you for calling.",
        connecting="Please hold for a moment while we connect you with one of our client advisors.",
        closed="Our boutique is currently closed.",
        unanswered="All of our client advisors are currently attending to other clients.",
        offer_callback="If you would like one of our client advisors to call you back at this "
        "number, please press 1. Otherwise, please stay on the line to leave us a message "
        "after the tone.",
        leave_message="Please leave us your message after the tone.",
        leave_message_and_number="Please leave us your message after the tone, with a number "
        "where we may reach you.",
        no_message="We did not receive a message. Thank you for calling, and we look forward "
        "to speaking with you soon.",
        callback_confirmed="Thank you. A client advisor from {store} will call you back at "
        "this number very shortly. We wish you a lovely day.",
        closed_goodbye="We look forward to welcoming you during our opening hours. Goodbye.",
    ),
    "fr": _Phrases(
        welcome="Bienvenue chez {store}, merci de votre appel.",
        connecting="Veuillez patienter un instant, nous vous mettons en relation avec l'un "
        "de nos conseillers.",
        closed="Notre boutique est actuellement fermée.",
        unanswered="Tous nos conseillers sont actuellement auprès d'autres clients.",
        offer_callback="Pour qu'un de nos conseillers vous rappelle à ce numéro, veuillez "
        "appuyer sur la touche 1. Sinon, restez en ligne pour nous laisser un message après "
        "le signal sonore.",
        leave_message="Veuillez nous laisser votre message après le signal sonore.",
        leave_message_and_number="Veuillez nous laisser votre message après le signal "
        "sonore, en précisant un numéro où vous joindre.",
        no_message="Nous n'avons pas reçu de message. Merci de votre appel, et à très bientôt.",
        callback_confirmed="Merci. Un conseiller de {store} vous rappellera très "
        "prochainement à ce numéro. Nous vous souhaitons une excellente journée.",
        closed_goodbye="Nous serons ravis de vous accueillir aux heures d'ouverture. Au revoir.",
    ),
    "it": _Phrases(
        welcome="Benvenuti da {store}, la ringraziamo per la sua chiamata.",
        connecting="La preghiamo di attendere un istante: la stiamo mettendo in contatto con "
        "uno dei nostri consulenti.",
        closed="La nostra boutique è al momento chiusa.",
        unanswered="Tutti i nostri consulenti sono al momento impegnati con altri clienti.",
        offer_callback="Per ricevere una chiamata da uno dei nostri consulenti a questo "
        "numero, prema 1. Altrimenti, resti in linea per lasciarci un messaggio dopo il "
        "segnale acustico.",
        leave_message="La preghiamo di lasciarci un messaggio dopo il segnale acustico.",
        leave_message_and_number="La preghiamo di lasciarci un messaggio dopo il segnale "
        "acustico, indicando un numero al quale possiamo ricontattarla.",
        no_message="Non abbiamo ricevuto alcun messaggio. La ringraziamo per la sua "
        "chiamata, a presto.",
        callback_confirmed="Grazie. Un consulente di {store} la richiamerà a questo numero "
        "al più presto. Le auguriamo una piacevole giornata.",
        closed_goodbye="Saremo lieti di accoglierla durante il nostro orario di apertura. "
        "Arrivederci.",
    ),
    "es": _Phrases(
        welcome="Le damos la bienvenida a {store}, gracias por su llamada.",
        connecting="Por favor, espere un momento mientras le ponemos en contacto con uno de "
        "nuestros asesores.",
        closed="En este momento, nuestra boutique está cerrada.",
        unanswered="En este momento, todos nuestros asesores están atendiendo a otros clientes.",
        offer_callback="Si desea que uno de nuestros asesores le devuelva la llamada a este "
        "número, pulse 1. De lo contrario, permanezca en línea para dejarnos un mensaje "
        "después de la señal.",
        leave_message="Por favor, déjenos su mensaje después de la señal.",
        leave_message_and_number="Por favor, déjenos su mensaje después de la señal, "
        "indicando un número en el que podamos contactarle.",
        no_message="No hemos recibido ningún mensaje. Gracias por su llamada, esperamos "
        "hablar con usted muy pronto.",
        callback_confirmed="Gracias. Un asesor de {store} le devolverá la llamada a este "
        "número en breve. Le deseamos un excelente día.",
        closed_goodbye="Será un placer recibirle en nuestro horario de apertura. Hasta pronto.",
    ),
    "de": _Phrases(
        welcome="Willkommen bei {store}, vielen Dank für Ihren Anruf.",
        connecting="Bitte haben Sie einen Moment Geduld, wir verbinden Sie mit unserem "
        "Beratungsteam.",
        closed="Unsere Boutique ist derzeit geschlossen.",
        unanswered="Leider sind gerade alle unsere Berater im Kundengespräch.",
        offer_callback="Wenn Sie einen Rückruf unter dieser Nummer wünschen, drücken Sie "
        "bitte die 1. Andernfalls bleiben Sie bitte in der Leitung, um uns nach dem "
        "Signalton eine Nachricht zu hinterlassen.",
        leave_message="Bitte hinterlassen Sie uns nach dem Signalton eine Nachricht.",
        leave_message_and_number="Bitte hinterlassen Sie uns nach dem Signalton eine "
        "Nachricht und nennen Sie uns eine Nummer, unter der wir Sie erreichen können.",
        no_message="Wir haben keine Nachricht erhalten. Vielen Dank für Ihren Anruf, wir "
        "freuen uns darauf, bald mit Ihnen zu sprechen.",
        callback_confirmed="Vielen Dank. Ein Berater von {store} ruft Sie in Kürze unter "
        "dieser Nummer zurück. Wir wünschen Ihnen einen schönen Tag.",
        closed_goodbye="Wir freuen uns, Sie während unserer Öffnungszeiten begrüßen zu "
        "dürfen. Auf Wiederhören.",
    ),
}


@dataclass(frozen=True)
class _Voice:
    phrases: _Phrases
    locale: str
    voice: str | None
    store: str

    def say(self, response: VoiceResponse, text: str) -> None:
        response.say(text.format(store=self.store), language=self.locale, voice=self.voice)


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
    base, _, region = language.replace("_", "-").partition("-")
    base = base.lower()
    phrases = _PHRASES.get(base)
    if phrases is None:
        base, region, phrases = "en", "", _PHRASES["en"]
    locale = f"{base}-{region[:2].upper()}"
    if locale not in _LOCALES:
        locale = _DEFAULT_LOCALES[base]
    if voice is not None and not _VOICE.fullmatch(voice):
        raise ConfigError("voice must be a provider voice name such as Polly.Celine")
    return _Voice(phrases=phrases, locale=locale, voice=voice, store=_store_name(store_name))


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

_BRIDGE_PHRASES = {
    "en": ("Connecting you with {name}.", "Connecting you with your client."),
    "fr": (
        "Nous vous mettons en relation avec {name}.",
        "Nous vous mettons en relation avec votre client.",
    ),
    "it": (
        "La stiamo mettendo in contatto con {name}.",
        "La stiamo mettendo in contatto con il suo cliente.",
    ),
    "es": ("Le estamos conectando con {name}.", "Le estamos conectando con su cliente."),
    "de": ("Wir verbinden Sie mit {name}.", "Wir verbinden Sie mit Ihrem Kunden."),
}
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
    named, anonymous = _BRIDGE_PHRASES[speaker.locale.split("-")[0]]
    text = named.format(name=spoken) if spoken else anonymous
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
