"""WeChat's server callback (``GET|POST /wechat/{account}``), checked and opened with no I/O.

The handler passes the query string and the size-capped body; back comes the echo string,
a ``CallbackMessage`` that holds no wechatpy object and no XML, or ``CallbackRefused``
(403: not provably from WeChat; 400: signed, but not something we can read).

Checks run cheapest and least telling first: parameters present, timestamp inside the
replay window, signature (constant time), then decryption and parsing. Nothing reaches a
tree-building XML parser before ``xml_guard`` has refused any DTD and bounded its size.
In safe and compatible modes only the encrypted copy is trusted; the plaintext fields
compatible mode sends beside it are ignored. The SHA-1 is computed here, not with
wechatpy's ``check_signature`` or ``decrypt_message``: those compare with ``!=`` and
parse the XML before checking. ``now`` is timezone-aware, as the hub's clock gives it.

Field values are treated as hostile even once signed: capped, stripped of control
characters, and dropped when they do not look like what WeChat sends (a ``javascript:``
link, a media id that could not go into an API URL as it is).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

from wechatpy.crypto.base import WeChatCipher
from wechatpy.parser import parse_message

from adapters.wechat.account import WechatAccount
from adapters.wechat.xml_guard import CheckedXml, UnsafeXml, checked_xml
from hub.errors import ConfigError, HubError

REPLAY_WINDOW = timedelta(minutes=5)

Kind = Literal[
    "text", "image", "voice", "video", "shortvideo", "location", "link", "event", "unknown"
]
_KINDS: dict[str, Kind] = {kind: kind for kind in get_args(Kind)}

TEXT_LIMIT = 4000
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 1000
EVENT_KEY_LIMIT = 1024
URL_LIMIT = 2048

_DIGITS = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[\x21-\x7e]{1,128}")
_ECHO = re.compile(r"[A-Za-z0-9+/=_-]{1,256}")
_OPENID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MSG_ID = re.compile(r"[0-9]{1,32}")
_CREATE_TIME = re.compile(r"[0-9]{1,11}")
_SCALE = re.compile(r"[0-9]{1,3}")
_EVENT = re.compile(r"[a-z0-9_]{1,64}")
_MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{1,256}")
_FORMAT = re.compile(r"[a-z0-9]{1,16}")
_TICKET = re.compile(r"[A-Za-z0-9_+/=-]{1,512}")
_COORDINATE = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,15})?")
_PRECISION = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,15})?")
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)
# C0 and C1 controls and DEL, except tab and newline.
_CONTROLS = dict.fromkeys([*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])


class CallbackRefused(HubError):
    """A callback we will not process; ``message`` is fixed text, never the request's."""

    def __init__(self, *, status: Literal[400, 403], code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True)
class Location:
    """A shared place (location message) or a reported position (LOCATION event)."""

    latitude: float
    longitude: float
    scale: int | None = None
    label: str | None = None
    precision: float | None = None


@dataclass(frozen=True)
class Link:
    title: str | None
    description: str | None
    url: str | None  # http(s) only


@dataclass(frozen=True)
class CallbackMessage:
    """One message or event from a follower, normalised for the hub.

    ``text`` is what a person would read: the content of a text, a voice note's
    transcript, a link's title, a location's label. ``event_key`` is a CLICK's key, a
    VIEW's URL, or the scene of a SCAN or of a subscribe through a QR code (without
    WeChat's ``qrscene_`` prefix).
    """

    openid: str
    create_time: datetime
    kind: Kind
    msg_id: str | None = None
    event: str | None = None
    text: str | None = None
    media_id: str | None = None
    media_format: str | None = None
    pic_url: str | None = None
    location: Location | None = None
    link: Link | None = None
    event_key: str | None = None
    ticket: str | None = None

    @property
    def dedupe_key(self) -> str:
        """The same for WeChat's retries of one callback (it retries thrice in 15 s).

        Events carry no MsgId; WeChat's own advice is openid + CreateTime. ``msg-`` keeps
        a message without MsgId apart from an event of the same name (``location``).
        """
        stamp = int(self.create_time.timestamp())
        if self.kind == "event":
            key = f"wechat:{self.openid}:{stamp}:{self.event}"
            if self.event_key:
                scene = self.event_key
                if len(scene) > 100:  # the column holds 400 characters
                    digest = hashlib.sha1(scene.encode(), usedforsecurity=False).hexdigest()
                    scene = f"sha1:{digest}"
                key += f":{scene}"
            return key
        if self.msg_id:
            return f"wechat:{self.msg_id}"
        return f"wechat:{self.openid}:{stamp}:msg-{self.kind}"


def signature(*parts: str) -> str:
    """WeChat's SHA-1 over the parts sorted as bytes, as ``WeChatSigner`` computes it."""
    joined = b"".join(sorted(part.encode("utf-8", "surrogatepass") for part in parts))
    return hashlib.sha1(joined).hexdigest()  # noqa: S324  the protocol fixes SHA-1


def verify_echo(
    account: WechatAccount,
    query: Mapping[str, str],
    now: datetime,
    *,
    window: timedelta = REPLAY_WINDOW,
) -> str:
    """The ``echostr`` to answer WeChat's URL check with (as text/plain: it is not
    covered by the signature, so it must never be served as HTML)."""
    given, timestamp, nonce = _signed_params(query, "signature", now, window)
    echo = _param(query, "echostr", 256)
    if echo is None:
        raise _missing()
    _check_signature(given, account.token, timestamp, nonce)
    if not _ECHO.fullmatch(echo):
        raise CallbackRefused(status=400, code="invalid_echostr", message="echostr is malformed")
    return echo


def open_callback(
    account: WechatAccount,
    query: Mapping[str, str],
    body: bytes,
    now: datetime,
    *,
    window: timedelta = REPLAY_WINDOW,
    allow_plaintext: bool = True,
) -> CallbackMessage:
    """The message inside a POST, in plaintext, compatible or safe mode.

    ``allow_plaintext=False`` for an account set to safe mode: a plaintext signature
    does not cover the body, so anyone who saw one query string (a proxy log) could
    otherwise drop ``encrypt_type`` and post any message for the next five minutes.
    """
    encrypt_type = query.get("encrypt_type") or "raw"
    if encrypt_type not in ("raw", "aes"):
        raise CallbackRefused(
            status=400, code="unsupported_encrypt_type", message="encrypt_type must be raw or aes"
        )
    if encrypt_type == "raw" and not allow_plaintext:
        raise CallbackRefused(
            status=403, code="plaintext_refused", message="this account takes encrypted callbacks"
        )
    if encrypt_type == "raw":
        given, timestamp, nonce = _signed_params(query, "signature", now, window)
        _check_signature(given, account.token, timestamp, nonce)
        return _message(_checked(body).text)
    # msg_signature, never signature: only it covers the ciphertext.
    given, timestamp, nonce = _signed_params(query, "msg_signature", now, window)
    encrypt = _envelope(_checked(body))
    _check_signature(given, account.token, timestamp, nonce, encrypt)
    return _message(_checked(_decrypt(account, encrypt)).text)


def _param(query: Mapping[str, str], name: str, limit: int) -> str | None:
    value = query.get(name)
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _missing() -> CallbackRefused:
    return CallbackRefused(
        status=403, code="missing_parameter", message="signature, timestamp and nonce are required"
    )


def _signed_params(
    query: Mapping[str, str], name: str, now: datetime, window: timedelta
) -> tuple[str, str, str]:
    given = _param(query, name, 128)
    timestamp = _param(query, "timestamp", 12)
    nonce = _param(query, "nonce", 128)
    if given is None or timestamp is None or nonce is None or not _NONCE.fullmatch(nonce):
        raise _missing()
    if not _DIGITS.fullmatch(timestamp) or abs(int(timestamp) - now.timestamp()) > (
        window.total_seconds()
    ):
        raise CallbackRefused(
            status=403, code="stale_timestamp", message="timestamp is outside the replay window"
        )
    return given, timestamp, nonce


def _check_signature(given: str, *parts: str) -> None:
    expected = signature(*parts).encode()
    if not hmac.compare_digest(expected, given.encode("utf-8", "surrogatepass")):
        raise CallbackRefused(status=403, code="bad_signature", message="signature mismatch")


def _checked(body: bytes) -> CheckedXml:
    try:
        return checked_xml(body)
    except UnsafeXml as exc:
        raise CallbackRefused(status=400, code=exc.code, message=exc.message) from None


def _malformed(message: str = "the body is not WeChat XML") -> CallbackRefused:
    return CallbackRefused(status=400, code="malformed_xml", message=message)


def _envelope(checked: CheckedXml) -> str:
    """The ``Encrypt`` of ``<xml><ToUserName/><Encrypt/></xml>``, exactly as signed."""
    found = checked.children.get("Encrypt", ()) if checked.root == "xml" else ()
    if len(found) != 1 or not found[0]:
        raise _malformed("Encrypt is missing")
    return found[0]


def _aes_key(account: WechatAccount) -> bytes:
    try:
        key = base64.b64decode(account.aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(account.aes_key) != 43 or len(key) != 32:
        # Our configuration, not the caller's fault: a 500, and the key stays out of it.
        raise ConfigError(f"WeChat account {account.name} has a malformed EncodingAESKey")
    return key


def _decrypt(account: WechatAccount, encrypt: str) -> bytes:
    """``random(16) | length(4, big-endian) | xml | app id``, PKCS#7-padded to 32 bytes.

    wechatpy's cipher, but the frame is checked here: ``PrpCrypto.decrypt`` ignores the
    padding bytes, so garbage would come out as a wrong app id (403) or an odd exception.
    """
    key = _aes_key(account)
    undecryptable = CallbackRefused(
        status=400, code="undecryptable", message="Encrypt could not be decrypted"
    )
    try:
        ciphertext = base64.b64decode(encrypt, validate=True)
    except (binascii.Error, ValueError):
        raise undecryptable from None
    if len(ciphertext) < 32 or len(ciphertext) % 16:
        raise undecryptable
    plain: bytes = WeChatCipher(key).decrypt(ciphertext)
    pad = plain[-1]
    if not 1 <= pad <= 32 or plain[-pad:] != bytes((pad,)) * pad:
        raise undecryptable
    frame = plain[16:-pad]
    if len(frame) < 4 or (length := int.from_bytes(frame[:4], "big")) > len(frame) - 4:
        raise undecryptable
    if not hmac.compare_digest(frame[4 + length :], account.app_id.encode()):
        raise CallbackRefused(
            status=403, code="wrong_app_id", message="the message is for another app"
        )
    return frame[4 : 4 + length]


def _message(text: str) -> CallbackMessage:
    try:
        # parse_message raises a bare KeyError without MsgType, TypeError on odd shapes.
        fields = parse_message(text)._data
    except Exception as exc:
        raise _malformed() from exc
    if not isinstance(fields, dict):
        raise _malformed()
    return _normalised(fields)


def _invalid(name: str) -> CallbackRefused:
    return CallbackRefused(
        status=400, code="invalid_field", message=f"{name} is missing or malformed"
    )


def _raw(fields: dict[str, Any], name: str) -> str | None:
    """A leaf's text; a repeated element, one with attributes or children is none."""
    value = fields.get(name)
    return value if isinstance(value, str) else None


def _matching(fields: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str | None:
    value = _raw(fields, name)
    return value if value is not None and pattern.fullmatch(value) else None


def _text(fields: dict[str, Any], name: str, limit: int) -> str | None:
    value = _raw(fields, name)
    if value is None:
        return None
    return value.translate(_CONTROLS).strip()[:limit] or None


def _url(fields: dict[str, Any], name: str) -> str | None:
    value = _raw(fields, name)
    if value is None or len(value) > URL_LIMIT:
        return None
    value = value.strip()
    return value if _URL.fullmatch(value) else None


def _number(fields: dict[str, Any], name: str, pattern: re.Pattern[str]) -> float | None:
    value = _matching(fields, name, pattern)
    return float(value) if value is not None else None


def _location(
    fields: dict[str, Any], latitude: str, longitude: str, **extra: Any
) -> Location | None:
    lat = _number(fields, latitude, _COORDINATE)
    lon = _number(fields, longitude, _COORDINATE)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    return Location(latitude=lat, longitude=lon, **extra)


def _text_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {"text": _text(fields, "Content", TEXT_LIMIT)}


def _image_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {"media_id": _matching(fields, "MediaId", _MEDIA_ID), "pic_url": _url(fields, "PicUrl")}


def _voice_fields(fields: dict[str, Any]) -> dict[str, Any]:
    media_format = _raw(fields, "Format")
    media_format = media_format.lower() if media_format is not None else None
    return {
        "media_id": _matching(fields, "MediaId", _MEDIA_ID),
        "media_format": media_format if media_format and _FORMAT.fullmatch(media_format) else None,
        "text": _text(fields, "Recognition", TEXT_LIMIT),
    }


def _video_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {"media_id": _matching(fields, "MediaId", _MEDIA_ID)}


def _location_fields(fields: dict[str, Any]) -> dict[str, Any]:
    label = _text(fields, "Label", TITLE_LIMIT)
    scale = _matching(fields, "Scale", _SCALE)
    location = _location(
        fields, "Location_X", "Location_Y", scale=int(scale) if scale else None, label=label
    )
    return {"location": location, "text": label}


def _link_fields(fields: dict[str, Any]) -> dict[str, Any]:
    title = _text(fields, "Title", TITLE_LIMIT)
    link = Link(
        title=title,
        description=_text(fields, "Description", DESCRIPTION_LIMIT),
        url=_url(fields, "Url"),
    )
    return {"link": link, "text": title}


def _event_fields(fields: dict[str, Any]) -> dict[str, Any]:
    event = (_raw(fields, "Event") or "").lower()
    if not _EVENT.fullmatch(event):
        raise _invalid("Event")
    if event in ("subscribe_scan", "subscribe_scan_product"):
        # wechatpy renamed these and cut ``qrscene_`` off the key; they are subscribes.
        event = "subscribe"
    found: dict[str, Any] = {
        "event": event,
        "event_key": _text(fields, "EventKey", EVENT_KEY_LIMIT),
        "ticket": _matching(fields, "Ticket", _TICKET),
    }
    if event == "location":
        found["location"] = _location(
            fields, "Latitude", "Longitude", precision=_number(fields, "Precision", _PRECISION)
        )
    return found


_KIND_FIELDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "text": _text_fields,
    "image": _image_fields,
    "voice": _voice_fields,
    "video": _video_fields,
    "shortvideo": _video_fields,
    "location": _location_fields,
    "link": _link_fields,
    "event": _event_fields,
}


def _normalised(fields: dict[str, Any]) -> CallbackMessage:
    openid = _matching(fields, "FromUserName", _OPENID)
    if openid is None:
        raise _invalid("FromUserName")
    created = _matching(fields, "CreateTime", _CREATE_TIME)
    if created is None:
        raise _invalid("CreateTime")
    kind = _KINDS.get((_raw(fields, "MsgType") or "").lower(), "unknown")
    extract = _KIND_FIELDS.get(kind)
    return CallbackMessage(
        openid=openid,
        create_time=datetime.fromtimestamp(int(created), UTC),
        kind=kind,
        msg_id=_matching(fields, "MsgId", _MSG_ID),
        **(extract(fields) if extract is not None else {}),
    )
