"""Twilio's voice webhooks as frozen facts: nothing past here sees a form post.

Call these after ``twilio_signature.verify``. The form is then Twilio's, but several of
its fields are not: the caller ID and caller name come from the caller's network (and
can be spoofed), a transcript from a speech recogniser. So every field is matched
against what Twilio sends, capped and stripped of control characters. A field the hub
relies on (a SID, a status) that is missing or malformed raises ``InvalidInput`` naming
it; one it can do without (a caller name) becomes ``None``. Error messages name the
field, never echo its value.

A caller ID that is withheld, or is not a valid phone number, gives ``from_number=None``:
the caller still deserves a voicemail, and an unproven number must not be linked to a
profile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import phonenumbers

from hub.errors import InvalidInput

Status = Literal[
    "queued",
    "initiated",  # not in the REST API's list; accepted should an ``initiated`` event send it
    "ringing",
    "in-progress",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
]
DialStatus = Literal["completed", "answered", "busy", "failed", "no-answer", "canceled"]
TranscriptionStatus = Literal["completed", "failed"]

_STATUSES: dict[str, Status] = {status: status for status in get_args(Status)}
_DIAL_STATUSES: dict[str, DialStatus] = {status: status for status in get_args(DialStatus)}
_TRANSCRIPTION_STATUSES: dict[str, TranscriptionStatus] = {
    status: status for status in get_args(TranscriptionStatus)
}

TRANSCRIPT_LIMIT = 4000
CALLER_NAME_LIMIT = 64
URL_LIMIT = 2048

_DURATION = re.compile(r"[0-9]{1,7}")  # seconds: months, far beyond any call
_SEQUENCE = re.compile(r"[0-9]{1,6}")
_DIGITS = re.compile(r"[0-9*#]{0,32}")
_NUMBER = re.compile(r"\+?[0-9 ().-]{3,32}")
# https, a host name with no user info, printable ASCII after it: never a place the hub
# should send credentials to, only a link to show.
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?/[\x21-\x7e]*")
# C0 and C1 controls and DEL (but tab and newline), and bidirectional overrides, which
# would let a caller name or a transcript display as something else in the console.
_CONTROLS = dict.fromkeys(
    [
        *range(0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
_KEYPAD = {
    letter: str(2 + index)
    for index, keys in enumerate(("ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ"))
    for letter in keys
}
_WITHHELD_WORDS = ("anonymous", "restricted", "unknown", "blocked", "unavailable", "private")
# Twilio spells a withheld caller ID as its word on a keypad: +266696687 is ANONYMOUS.
_WITHHELD = frozenset(
    [
        *_WITHHELD_WORDS,
        *("+" + "".join(_KEYPAD[letter] for letter in word.upper()) for word in _WITHHELD_WORDS),
    ]
)


def _sid_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(prefix + "[0-9a-fA-F]{32}")


_CALL_SID = _sid_pattern("CA")
_ACCOUNT_SID = _sid_pattern("AC")
_RECORDING_SID = _sid_pattern("RE")
_TRANSCRIPTION_SID = _sid_pattern("TR")


@dataclass(frozen=True)
class IncomingCall:
    """A call ringing the store's number; ``from_number`` is E.164 or ``None`` if unknown."""

    call_sid: str
    account_sid: str
    from_number: str | None
    to_number: str
    caller_name: str | None = None


@dataclass(frozen=True)
class CallStatus:
    """A status callback, or a ``<Dial>`` action (``dial_call_status`` set) of one call."""

    call_sid: str
    account_sid: str
    status: Status
    duration_seconds: int | None = None
    dial_call_status: DialStatus | None = None
    dial_duration_seconds: int | None = None
    sequence_number: int | None = None  # status callbacks may arrive out of order

    @property
    def dedupe_key(self) -> str:
        """The same for Twilio's retries of one callback.

        A ``<Dial>`` action reports the parent call still ``in-progress``, as its status
        callback does; the dial outcome keeps the two apart.
        """
        key = f"voice:{self.call_sid}:{self.status}"
        if self.dial_call_status is not None:
            key += f":dial-{self.dial_call_status}"
        return key


@dataclass(frozen=True)
class Recording:
    """A voicemail recorded by ``<Record>``.

    ``recording_url`` is for display only: the hub fetches the media with its own API
    base and the account's credentials (``media_path``), never from a URL it was sent.
    """

    call_sid: str
    account_sid: str
    recording_sid: str
    recording_url: str | None
    duration_seconds: int | None

    @property
    def media_path(self) -> str:
        """The MP3 under the provider's REST API base (both SIDs are checked, safe in a path)."""
        return f"/2010-04-01/Accounts/{self.account_sid}/Recordings/{self.recording_sid}.mp3"

    @property
    def dedupe_key(self) -> str:
        """One per recording: the ``<Record>`` action and a recording status callback agree."""
        return f"voice:{self.call_sid}:recording:{self.recording_sid}"


@dataclass(frozen=True)
class Transcription:
    """The transcript of a voicemail; ``text`` is ``None`` when Twilio could not make one."""

    call_sid: str
    account_sid: str
    recording_sid: str
    transcription_sid: str
    text: str | None
    status: TranscriptionStatus

    @property
    def dedupe_key(self) -> str:
        return f"voice:{self.call_sid}:transcription:{self.transcription_sid}"


@dataclass(frozen=True)
class GatherResult:
    """The keys a caller pressed at a ``<Gather>`` (empty when ``actionOnEmptyResult``)."""

    call_sid: str
    account_sid: str
    digits: str

    @property
    def wants_callback(self) -> bool:
        return self.digits == "1"


def incoming_call(params: Mapping[str, str]) -> IncomingCall:
    """The ``incoming`` webhook: who is calling which of our numbers."""
    to_number = _phone(_raw(params, "To"))
    if to_number is None:
        raise _invalid("To")
    return IncomingCall(
        call_sid=_sid(params, "CallSid", _CALL_SID),
        account_sid=_sid(params, "AccountSid", _ACCOUNT_SID),
        from_number=_caller(_raw(params, "From")),
        to_number=to_number,
        caller_name=_text(params, "CallerName", CALLER_NAME_LIMIT),
    )


def call_status(params: Mapping[str, str]) -> CallStatus:
    """A status callback or a ``<Dial>`` action."""
    status = _STATUSES.get(_raw(params, "CallStatus") or "")
    if status is None:
        raise _invalid("CallStatus")
    dial_call_status: DialStatus | None = None
    if "DialCallStatus" in params:
        dial_call_status = _DIAL_STATUSES.get(_raw(params, "DialCallStatus") or "")
        if dial_call_status is None:
            raise _invalid("DialCallStatus")
    return CallStatus(
        call_sid=_sid(params, "CallSid", _CALL_SID),
        account_sid=_sid(params, "AccountSid", _ACCOUNT_SID),
        status=status,
        duration_seconds=_count(params, "CallDuration", _DURATION),
        dial_call_status=dial_call_status,
        dial_duration_seconds=_count(params, "DialCallDuration", _DURATION),
        sequence_number=_count(params, "SequenceNumber", _SEQUENCE),
    )


def recording(params: Mapping[str, str]) -> Recording:
    """The ``<Record>`` action or a recording status callback."""
    url = _raw(params, "RecordingUrl")
    if url is not None and (len(url) > URL_LIMIT or not _HTTPS_URL.fullmatch(url)):
        raise _invalid("RecordingUrl")
    return Recording(
        call_sid=_sid(params, "CallSid", _CALL_SID),
        account_sid=_sid(params, "AccountSid", _ACCOUNT_SID),
        recording_sid=_sid(params, "RecordingSid", _RECORDING_SID),
        recording_url=url,
        duration_seconds=_count(params, "RecordingDuration", _DURATION),
    )


def transcription(params: Mapping[str, str]) -> Transcription:
    """The ``transcribeCallback`` of a ``<Record>``."""
    status = _TRANSCRIPTION_STATUSES.get(_raw(params, "TranscriptionStatus") or "")
    if status is None:
        raise _invalid("TranscriptionStatus")
    return Transcription(
        call_sid=_sid(params, "CallSid", _CALL_SID),
        account_sid=_sid(params, "AccountSid", _ACCOUNT_SID),
        recording_sid=_sid(params, "RecordingSid", _RECORDING_SID),
        transcription_sid=_sid(params, "TranscriptionSid", _TRANSCRIPTION_SID),
        text=_text(params, "TranscriptionText", TRANSCRIPT_LIMIT)
        if status == "completed"
        else None,
        status=status,
    )


def gather_result(params: Mapping[str, str]) -> GatherResult:
    """The ``<Gather>`` action: the key pressed to ask for a callback, or none."""
    digits = _raw(params, "Digits") or ""
    if not _DIGITS.fullmatch(digits):
        raise _invalid("Digits")
    return GatherResult(
        call_sid=_sid(params, "CallSid", _CALL_SID),
        account_sid=_sid(params, "AccountSid", _ACCOUNT_SID),
        digits=digits,
    )


def _invalid(name: str) -> InvalidInput:
    return InvalidInput(name, f"{name} is missing or malformed", code="invalid_field")


def _raw(params: Mapping[str, str], name: str) -> str | None:
    """A field's text; a file upload or any other non-text value counts as absent."""
    value = params.get(name)
    return value if isinstance(value, str) else None


def _sid(params: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> str:
    value = _raw(params, name)
    if value is None or not pattern.fullmatch(value):
        raise _invalid(name)
    return value


def _count(params: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> int | None:
    """A whole number that may be absent; a present but malformed one is refused."""
    value = _raw(params, name)
    if value is None or value == "":
        return None
    if not pattern.fullmatch(value):
        raise _invalid(name)
    return int(value)


def _text(params: Mapping[str, str], name: str, limit: int) -> str | None:
    value = _raw(params, name)
    if value is None:
        return None
    # Cut before cleaning too, so a megabyte of controls costs no more than the limit.
    # Both fields are one line of speech or a name: runs of whitespace become one space.
    cleaned = value[: limit * 4].translate(_CONTROLS)
    return " ".join(cleaned.split())[:limit] or None


def _phone(raw: str | None) -> str | None:
    """E.164 for a valid number, else ``None``; the pattern bounds what reaches the parser."""
    if raw is None or not _NUMBER.fullmatch(raw):
        return None
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _caller(raw: str | None) -> str | None:
    if raw is None or raw.strip().lower() in _WITHHELD:
        return None
    return _phone(raw.strip())
