"""What WeChat's servers send to ``/wechat/{account}``, built with wechatpy's own crypto.

Signatures and ciphertexts come from wechatpy (``WeChatSigner``, ``WeChatCrypto``), not
from the code under test, so a test that passes shows the adapter agrees with an
independent implementation. Shared by unit, integration and end-to-end tests and by
benchmarks; imports nothing from pytest.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any, Literal

from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from adapters.wechat.account import WechatAccount

Mode = Literal["plain", "compatible", "aes"]
MODES: tuple[Mode, ...] = ("plain", "compatible", "aes")

# 43 characters of base64 (32 bytes once "=" is added), as the WeChat console issues.
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ORIGINAL_ID = "gh_0123456789ab"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
NONCE = "1320562132"


ACCOUNT = WechatAccount(
    id="0b6f4a52-5c7e-4d38-9a51-2f1f3c9e0a01",
    name="cn",
    app_id="wx0123456789abcdef",
    app_secret="test-app-secret",
    token="concierge-test-token",
    aes_key=AES_KEY,
)


def make_account(**overrides: Any) -> WechatAccount:
    """The test account with some fields changed (another ``app_id``, a bad key...)."""
    return dataclasses.replace(ACCOUNT, **overrides)


def sign(*parts: str) -> str:
    """WeChat's signature, computed by wechatpy."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def timestamp_of(now: datetime) -> str:
    return str(int(now.timestamp()))


def echo_query(
    account: WechatAccount,
    now: datetime,
    *,
    echostr: str = "6823407617335424399",
    nonce: str = NONCE,
) -> dict[str, str]:
    """The GET WeChat makes when the server URL is saved in its console."""
    timestamp = timestamp_of(now)
    return {
        "signature": sign(account.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": echostr,
    }


def signed_query(
    account: WechatAccount,
    mode: Mode,
    now: datetime,
    *,
    encrypt: str | None = None,
    openid: str = OPENID,
    nonce: str = NONCE,
) -> dict[str, str]:
    """A POST's query string: ``signature`` always, ``msg_signature`` over ``encrypt``
    (the envelope's ciphertext) in compatible and safe mode."""
    timestamp = timestamp_of(now)
    query = {
        "signature": sign(account.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": openid,
    }
    if mode != "plain":
        if encrypt is None:
            raise ValueError("compatible and safe mode sign the ciphertext: pass encrypt")
        query["encrypt_type"] = "aes"
        query["msg_signature"] = sign(account.token, timestamp, nonce, encrypt)
    return query


def encrypted(account: WechatAccount, inner_xml: str, now: datetime, nonce: str = NONCE) -> str:
    """The ``Encrypt`` value WeChat would send for this message."""
    crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)
    envelope = crypto.encrypt_message(inner_xml, nonce, timestamp_of(now))
    value = ET.fromstring(envelope).findtext("Encrypt")
    assert value
    return value


def envelope(encrypt: str, mode: Mode, inner_xml: str) -> bytes:
    """Safe mode sends only the ciphertext; compatible mode sends it beside the plaintext."""
    if mode == "compatible":
        head, _, tail = inner_xml.rpartition("</xml>")
        return f"{head}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>{tail}".encode()
    return (
        f"<xml><ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    ).encode()


def callback(
    account: WechatAccount,
    mode: Mode,
    inner_xml: str,
    now: datetime,
    *,
    nonce: str = NONCE,
) -> tuple[dict[str, str], bytes]:
    """The query string and body of one callback, as WeChat's server sends it."""
    if mode == "plain":
        return signed_query(account, mode, now, nonce=nonce), inner_xml.encode()
    encrypt = encrypted(account, inner_xml, now, nonce)
    query = signed_query(account, mode, now, encrypt=encrypt, nonce=nonce)
    return query, envelope(encrypt, mode, inner_xml)


# -- inner XML, as WeChat documents each message and event ---------------------------


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(fields: dict[str, str | int | None]) -> str:
    """``<xml>`` with one element per field, strings in CDATA; ``None`` leaves it out."""
    parts = []
    for name, value in fields.items():
        if value is None:
            continue
        text = str(value) if isinstance(value, int) else _cdata(value)
        parts.append(f"<{name}>{text}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


DEFAULT_TIME = datetime(2026, 11, 25, 9, 59, 58, tzinfo=UTC)


def _head(msg_type: str, openid: str | None, create_time: datetime) -> dict[str, str | int | None]:
    return {
        "ToUserName": ORIGINAL_ID,
        "FromUserName": openid,
        "CreateTime": int(create_time.timestamp()),
        "MsgType": msg_type,
    }


def text_xml(
    content: str,
    *,
    openid: str | None = OPENID,
    create_time: datetime = DEFAULT_TIME,
    msg_id: str | None = "6054768590064713728",
) -> str:
    return message_xml({**_head("text", openid, create_time), "Content": content, "MsgId": msg_id})


def image_xml(
    *,
    openid: str = OPENID,
    create_time: datetime = DEFAULT_TIME,
    msg_id: str = "6054768590064713729",
    media_id: str = "qHM_DRpTWuMbhJOo0J6vrkqfeSxLS1ki1OUbGIbuajE5",
    pic_url: str = "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0",
) -> str:
    fields = {"PicUrl": pic_url, "MediaId": media_id, "MsgId": msg_id}
    return message_xml({**_head("image", openid, create_time), **fields})


def voice_xml(
    *,
    recognition: str | None = None,
    openid: str = OPENID,
    create_time: datetime = DEFAULT_TIME,
    msg_id: str = "6054768590064713730",
    media_id: str = "1kHIYTkSgRKP4fYldJrZ4Z8VlBw0b6nRGcq8q5mS8_4",
    media_format: str = "amr",
) -> str:
    fields = {
        "MediaId": media_id,
        "Format": media_format,
        "Recognition": recognition,
        "MsgId": msg_id,
    }
    return message_xml({**_head("voice", openid, create_time), **fields})


def video_xml(
    *,
    short: bool = False,
    openid: str = OPENID,
    create_time: datetime = DEFAULT_TIME,
    msg_id: str = "6054768590064713731",
    media_id: str = "rNJ6PJkGx0p4m9E8Ax_5pXcuCC0tP3Iv",
) -> str:
    fields = {"MediaId": media_id, "ThumbMediaId": "thumb_0001", "MsgId": msg_id}
    kind = "shortvideo" if short else "video"
    return message_xml({**_head(kind, openid, create_time), **fields})


def location_xml(
    latitude: str = "31.230416",
    longitude: str = "121.473701",
    *,
    scale: str = "15",
    label: str = "Plaza 66, Nanjing West Road",
    openid: str = OPENID,
    create_time: datetime = DEFAULT_TIME,
    msg_id: str = "6054768590064713732",
) -> str:
    fields = {
        "Location_X": latitude,
        "Location_Y": longitude,
        "Scale": scale,
        "Label": label,
        "MsgId": msg_id,
    }
    return message_xml({**_head("location", openid, create_time), **fields})


def link_xml(
    *,
    title: str = "Our new collection",
    description: str = "Autumn-winter, in store now",
    url: str = "https://example.com/collection",
    openid: str = OPENID,
    create_time: datetime = DEFAULT_TIME,
    msg_id: str = "6054768590064713733",
) -> str:
    fields = {"Title": title, "Description": description, "Url": url, "MsgId": msg_id}
    return message_xml({**_head("link", openid, create_time), **fields})


def event_xml(
    event: str,
    *,
    event_key: str | None = None,
    ticket: str | None = None,
    openid: str = OPENID,
    create_time: datetime = DEFAULT_TIME,
    **extra: str | int | None,
) -> str:
    """Any event by its WeChat name (``subscribe``, ``SCAN``, ``CLICK``, ``LOCATION``...)."""
    fields = {"Event": event, "EventKey": event_key, "Ticket": ticket, **extra}
    return message_xml({**_head("event", openid, create_time), **fields})


TICKET = "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIE=="


def subscribe_xml(
    scene: str | None = None, *, openid: str = OPENID, create_time: datetime = DEFAULT_TIME
) -> str:
    """A follow; through a QR code WeChat sends ``qrscene_<scene>`` and the ticket."""
    if scene is None:
        return event_xml("subscribe", event_key="", openid=openid, create_time=create_time)
    return event_xml(
        "subscribe",
        event_key=f"qrscene_{scene}",
        ticket=TICKET,
        openid=openid,
        create_time=create_time,
    )


def unsubscribe_xml(*, openid: str = OPENID, create_time: datetime = DEFAULT_TIME) -> str:
    return event_xml("unsubscribe", event_key="", openid=openid, create_time=create_time)


def scan_xml(scene: str, *, openid: str = OPENID, create_time: datetime = DEFAULT_TIME) -> str:
    """An existing follower scanning a QR code: the scene comes without a prefix."""
    return event_xml("SCAN", event_key=scene, ticket=TICKET, openid=openid, create_time=create_time)


def click_xml(key: str, *, openid: str = OPENID, create_time: datetime = DEFAULT_TIME) -> str:
    return event_xml("CLICK", event_key=key, openid=openid, create_time=create_time)
