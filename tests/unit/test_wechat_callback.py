"""WeChat's server callback: signatures, the three modes, every message type, and refusals.

Callbacks are built with wechatpy's own signer and crypto (``tests/wechat_signing.py``),
so passing means agreeing with an independent implementation. Every refusal must be a
``CallbackRefused`` with the expected status and code: ``pytest.raises`` lets any other
exception through, which fails the test.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy.crypto.base import WeChatCipher

from adapters.wechat.callback import (
    CallbackMessage,
    CallbackRefused,
    Link,
    Location,
    open_callback,
    signature,
    verify_echo,
)
from adapters.wechat.xml_guard import UnsafeXml, checked_xml, ensure_plain
from hub.errors import ConfigError
from tests import wechat_signing as w

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SENT = w.DEFAULT_TIME
PROPERTY = settings(derandomize=True, max_examples=150, deadline=None, database=None)


def refused(call: Callable[[], object]) -> CallbackRefused:
    with pytest.raises(CallbackRefused) as caught:
        call()
    return caught.value


def open_plain(body: bytes | str, **query: str) -> CallbackMessage:
    """A correctly signed plaintext-mode POST around any body."""
    raw = body.encode() if isinstance(body, str) else body
    return open_callback(w.ACCOUNT, {**w.signed_query(w.ACCOUNT, "plain", NOW), **query}, raw, NOW)


def open_encrypt(encrypt: str) -> CallbackMessage:
    """A correctly signed safe-mode POST around any ``Encrypt`` value."""
    query = w.signed_query(w.ACCOUNT, "aes", NOW, encrypt=encrypt)
    return open_callback(w.ACCOUNT, query, w.envelope(encrypt, "aes", ""), NOW)


def open_mode(mode: w.Mode, inner_xml: str) -> CallbackMessage:
    query, body = w.callback(w.ACCOUNT, mode, inner_xml, NOW)
    return open_callback(w.ACCOUNT, query, body, NOW)


def cipher_frame(frame: bytes) -> str:
    """Encrypt raw bytes with the account's key and no framing: a ciphertext WeChat
    would never send."""
    key = base64.b64decode(w.AES_KEY + "=")
    return base64.b64encode(WeChatCipher(key).encrypt(frame)).decode()


# -- signatures ------------------------------------------------------------------------


def test_signature_matches_a_vector_computed_by_hand() -> None:
    parts = ["test", "1409304348", "xxxxxx"]
    by_hand = hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()
    assert by_hand == "5cc3bdd48f3277ba74173dc7619fe65cc76024d6"
    assert signature("test", "1409304348", "xxxxxx") == by_hand
    assert signature("xxxxxx", "test", "1409304348") == by_hand  # order of arguments is moot


def test_signature_agrees_with_wechatpy_including_the_ciphertext() -> None:
    encrypt = w.encrypted(w.ACCOUNT, w.text_xml("hi"), NOW)
    assert signature("tok", "1409304348", "n1", encrypt) == w.sign(
        "tok", "1409304348", "n1", encrypt
    )


# -- GET: URL verification ---------------------------------------------------------------


def test_echo_answers_echostr_verbatim() -> None:
    query = w.echo_query(w.ACCOUNT, NOW, echostr="6823407617335424399")
    assert verify_echo(w.ACCOUNT, query, NOW) == "6823407617335424399"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"signature": "0" * 40}, 403, "bad_signature"),
        ({"nonce": "other-nonce"}, 403, "bad_signature"),
        ({"echostr": ""}, 403, "missing_parameter"),
        ({"signature": ""}, 403, "missing_parameter"),
        ({"timestamp": str(int(NOW.timestamp()) - 301)}, 403, "stale_timestamp"),
        ({"echostr": "<script>alert(1)</script>"}, 400, "invalid_echostr"),
        ({"echostr": "9" * 257}, 403, "missing_parameter"),
    ],
)
def test_echo_refusals(change: dict[str, str], status: int, code: str) -> None:
    query = {**w.echo_query(w.ACCOUNT, NOW), **change}
    error = refused(lambda: verify_echo(w.ACCOUNT, query, NOW))
    assert (error.status, error.code) == (status, code)


def test_echo_from_another_token_is_refused() -> None:
    query = w.echo_query(w.make_account(token="someone-elses-token"), NOW)
    error = refused(lambda: verify_echo(w.ACCOUNT, query, NOW))
    assert (error.status, error.code) == (403, "bad_signature")


# -- POST: every message type in every mode ---------------------------------------------

OPENID = w.OPENID
CASES: list[tuple[str, str, CallbackMessage]] = [
    (
        "text",
        w.text_xml("Bonjour, is the Capucines bag in stock? 有货吗"),
        CallbackMessage(
            OPENID,
            SENT,
            "text",
            msg_id="6054768590064713728",
            text="Bonjour, is the Capucines bag in stock? 有货吗",
        ),
    ),
    (
        "text quoting markup",
        w.text_xml("my page says <!DOCTYPE html> <?php ?> ]]> & <b>"),
        CallbackMessage(
            OPENID,
            SENT,
            "text",
            msg_id="6054768590064713728",
            text="my page says <!DOCTYPE html> <?php ?> ]]> & <b>",
        ),
    ),
    (
        "image",
        w.image_xml(),
        CallbackMessage(
            OPENID,
            SENT,
            "image",
            msg_id="6054768590064713729",
            media_id="qHM_DRpTWuMbhJOo0J6vrkqfeSxLS1ki1OUbGIbuajE5",
            pic_url="http://mmbiz.qpic.cn/mmbiz_jpg/abc/0",
        ),
    ),
    (
        "voice with recognition",
        w.voice_xml(recognition="我想预约", media_format="Speex"),
        CallbackMessage(
            OPENID,
            SENT,
            "voice",
            msg_id="6054768590064713730",
            text="我想预约",
            media_id="1kHIYTkSgRKP4fYldJrZ4Z8VlBw0b6nRGcq8q5mS8_4",
            media_format="speex",
        ),
    ),
    (
        "voice without recognition",
        w.voice_xml(),
        CallbackMessage(
            OPENID,
            SENT,
            "voice",
            msg_id="6054768590064713730",
            media_id="1kHIYTkSgRKP4fYldJrZ4Z8VlBw0b6nRGcq8q5mS8_4",
            media_format="amr",
        ),
    ),
    (
        "video",
        w.video_xml(),
        CallbackMessage(
            OPENID,
            SENT,
            "video",
            msg_id="6054768590064713731",
            media_id="rNJ6PJkGx0p4m9E8Ax_5pXcuCC0tP3Iv",
        ),
    ),
    (
        "shortvideo",
        w.video_xml(short=True),
        CallbackMessage(
            OPENID,
            SENT,
            "shortvideo",
            msg_id="6054768590064713731",
            media_id="rNJ6PJkGx0p4m9E8Ax_5pXcuCC0tP3Iv",
        ),
    ),
    (
        "location",
        w.location_xml(),
        CallbackMessage(
            OPENID,
            SENT,
            "location",
            msg_id="6054768590064713732",
            text="Plaza 66, Nanjing West Road",
            location=Location(31.230416, 121.473701, scale=15, label="Plaza 66, Nanjing West Road"),
        ),
    ),
    (
        "link",
        w.link_xml(),
        CallbackMessage(
            OPENID,
            SENT,
            "link",
            msg_id="6054768590064713733",
            text="Our new collection",
            link=Link(
                "Our new collection",
                "Autumn-winter, in store now",
                "https://example.com/collection",
            ),
        ),
    ),
    (
        "subscribe",
        w.subscribe_xml(),
        CallbackMessage(OPENID, SENT, "event", event="subscribe"),
    ),
    (
        "subscribe through a QR code",
        w.subscribe_xml("store_PAR01"),
        CallbackMessage(
            OPENID, SENT, "event", event="subscribe", event_key="store_PAR01", ticket=w.TICKET
        ),
    ),
    (
        "unsubscribe",
        w.unsubscribe_xml(),
        CallbackMessage(OPENID, SENT, "event", event="unsubscribe"),
    ),
    (
        "SCAN",
        w.scan_xml("store_SHA02"),
        CallbackMessage(
            OPENID, SENT, "event", event="scan", event_key="store_SHA02", ticket=w.TICKET
        ),
    ),
    (
        "CLICK",
        w.click_xml("talk_to_ambassador"),
        CallbackMessage(OPENID, SENT, "event", event="click", event_key="talk_to_ambassador"),
    ),
    (
        "VIEW",
        w.event_xml("VIEW", event_key="https://example.com/book"),
        CallbackMessage(OPENID, SENT, "event", event="view", event_key="https://example.com/book"),
    ),
    (
        "LOCATION event",
        w.event_xml("LOCATION", Latitude="23.137466", Longitude="113.352425", Precision="119.385"),
        CallbackMessage(
            OPENID,
            SENT,
            "event",
            event="location",
            location=Location(23.137466, 113.352425, precision=119.385),
        ),
    ),
    (
        "TEMPLATESENDJOBFINISH",
        w.event_xml("TEMPLATESENDJOBFINISH", MsgID="200163836", Status="success"),
        CallbackMessage(OPENID, SENT, "event", event="templatesendjobfinish"),
    ),
    (
        "a type we do not know",
        w.message_xml(
            {
                "FromUserName": OPENID,
                "CreateTime": int(SENT.timestamp()),
                "MsgType": "miniprogrampage",
                "Title": "Shop",
                "MsgId": "42",
            }
        ),
        CallbackMessage(OPENID, SENT, "unknown", msg_id="42"),
    ),
]


@pytest.mark.parametrize("mode", w.MODES)
@pytest.mark.parametrize(
    ("inner_xml", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_message_type_opens_in_every_mode(
    mode: w.Mode, inner_xml: str, expected: CallbackMessage
) -> None:
    assert open_mode(mode, inner_xml) == expected


def test_explicit_raw_encrypt_type_is_plaintext_mode() -> None:
    assert open_plain(w.text_xml("hi"), encrypt_type="raw").text == "hi"


def test_compatible_mode_trusts_only_the_encrypted_copy() -> None:
    real = w.text_xml("the real words")
    forged = w.text_xml("forged words", openid="oForgedOpenid", msg_id="1")
    encrypt = w.encrypted(w.ACCOUNT, real, NOW)
    query = w.signed_query(w.ACCOUNT, "compatible", NOW, encrypt=encrypt)
    message = open_callback(w.ACCOUNT, query, w.envelope(encrypt, "compatible", forged), NOW)
    assert (message.openid, message.text, message.msg_id) == (
        OPENID,
        "the real words",
        "6054768590064713728",
    )


@pytest.mark.parametrize("length", range(1, 70, 3))
def test_every_padding_length_decrypts(length: int) -> None:
    # Frames of every length mod 32 give every PKCS#7 padding from 1 to 32.
    content = ("a" * length)[:-1] + "微"
    assert open_mode("aes", w.text_xml(content)).text == content


# -- dedupe keys ------------------------------------------------------------------------

STAMP = int(SENT.timestamp())


@pytest.mark.parametrize(
    ("inner_xml", "key"),
    [
        (w.text_xml("hi"), "wechat:6054768590064713728"),
        (w.text_xml("hi", msg_id=None), f"wechat:{OPENID}:{STAMP}:msg-text"),
        (w.subscribe_xml(), f"wechat:{OPENID}:{STAMP}:subscribe"),
        (w.subscribe_xml("store_PAR01"), f"wechat:{OPENID}:{STAMP}:subscribe:store_PAR01"),
        (w.scan_xml("7"), f"wechat:{OPENID}:{STAMP}:scan:7"),
        (w.click_xml("talk"), f"wechat:{OPENID}:{STAMP}:click:talk"),
        (w.location_xml(msg_id="x1"), f"wechat:{OPENID}:{STAMP}:msg-location"),
    ],
)
def test_dedupe_keys(inner_xml: str, key: str) -> None:
    assert open_mode("aes", inner_xml).dedupe_key == key


def test_retries_share_a_key_and_distinct_messages_do_not() -> None:
    first = open_mode("aes", w.click_xml("talk"))
    retry = open_mode("plain", w.click_xml("talk"))
    later = open_mode("aes", w.click_xml("talk", create_time=SENT + timedelta(seconds=1)))
    other = open_mode("aes", w.click_xml("book"))
    assert first.dedupe_key == retry.dedupe_key
    assert len({first.dedupe_key, later.dedupe_key, other.dedupe_key}) == 3


def test_a_long_event_key_is_hashed_into_the_dedupe_key() -> None:
    message = open_mode("plain", w.click_xml("k" * 1000))
    assert message.event_key == "k" * 1000
    assert len(message.dedupe_key) <= 400
    assert message.dedupe_key.endswith(":sha1:" + hashlib.sha1(b"k" * 1000).hexdigest())


# -- refusals: who is calling -------------------------------------------------------------


def _aes_query(**change: str) -> tuple[dict[str, str], bytes]:
    query, body = w.callback(w.ACCOUNT, "aes", w.text_xml("hi"), NOW)
    return {**query, **change}, body


def test_forged_signature_is_refused_without_echoing_it() -> None:
    forged = "f" * 40
    query, body = w.callback(w.ACCOUNT, "plain", w.text_xml("hi"), NOW)
    error = refused(lambda: open_callback(w.ACCOUNT, {**query, "signature": forged}, body, NOW))
    assert (error.status, error.code) == (403, "bad_signature")
    assert forged not in str(error.as_payload()) and w.ACCOUNT.token not in str(error.as_payload())


def test_the_signature_is_checked_before_the_body_is_read() -> None:
    """Without the token, a caller learns nothing about how we treat bodies."""
    query = {**w.signed_query(w.ACCOUNT, "plain", NOW), "signature": "0" * 40}
    error = refused(lambda: open_callback(w.ACCOUNT, query, b"<!DOCTYPE x><x/>", NOW))
    assert (error.status, error.code) == (403, "bad_signature")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        # The plain signature is right, the one that covers the ciphertext is not.
        ({"msg_signature": "0" * 40}, "bad_signature"),
        ({"msg_signature": w.sign(w.ACCOUNT.token, w.timestamp_of(NOW), w.NONCE)}, "bad_signature"),
        ({"msg_signature": ""}, "missing_parameter"),
        ({"nonce": "1320562133"}, "bad_signature"),
        ({"nonce": "nonce with spaces"}, "missing_parameter"),
        ({"nonce": "x" * 129}, "missing_parameter"),
        ({"timestamp": ""}, "missing_parameter"),
        ({"timestamp": str(int(NOW.timestamp()) - 301)}, "stale_timestamp"),
        ({"timestamp": str(int(NOW.timestamp()) + 301)}, "stale_timestamp"),
        ({"timestamp": f"{int(NOW.timestamp())}.5"}, "stale_timestamp"),
        ({"timestamp": "-1"}, "stale_timestamp"),
        ({"timestamp": "abc"}, "stale_timestamp"),
        ({"timestamp": "١٧٩٥٦٠٠٨٠٠"}, "stale_timestamp"),  # digits, but not ASCII ones
        ({"timestamp": "9" * 13}, "missing_parameter"),
    ],
)
def test_who_is_calling_refusals(change: dict[str, str], code: str) -> None:
    query, body = _aes_query(**change)
    error = refused(lambda: open_callback(w.ACCOUNT, query, body, NOW))
    assert (error.status, error.code) == (403, code)


def test_a_plain_signature_alone_does_not_open_an_encrypted_callback() -> None:
    query, body = _aes_query()
    del query["msg_signature"]
    error = refused(lambda: open_callback(w.ACCOUNT, query, body, NOW))
    assert (error.status, error.code) == (403, "missing_parameter")


@pytest.mark.parametrize("seconds", [-299, 299])
def test_timestamps_inside_the_window_are_accepted(seconds: int) -> None:
    query, body = w.callback(w.ACCOUNT, "aes", w.text_xml("hi"), NOW + timedelta(seconds=seconds))
    assert open_callback(w.ACCOUNT, query, body, NOW).text == "hi"


def test_the_replay_window_is_configurable() -> None:
    query, body = w.callback(w.ACCOUNT, "plain", w.text_xml("hi"), NOW - timedelta(seconds=11))
    window = timedelta(seconds=10)
    error = refused(lambda: open_callback(w.ACCOUNT, query, body, NOW, window=window))
    assert (error.status, error.code) == (403, "stale_timestamp")


def test_a_message_for_another_app_is_refused() -> None:
    other = w.make_account(app_id="wxffffffffffffffff")  # same token and key, other app
    query, body = w.callback(other, "aes", w.text_xml("hi"), NOW)
    error = refused(lambda: open_callback(w.ACCOUNT, query, body, NOW))
    assert (error.status, error.code) == (403, "wrong_app_id")


def test_another_accounts_key_cannot_be_decrypted() -> None:
    other = w.make_account(aes_key="A" * 42 + "E")
    query, body = w.callback(other, "aes", w.text_xml("hi"), NOW)
    error = refused(lambda: open_callback(w.ACCOUNT, query, body, NOW))
    assert (error.status, error.code) == (400, "undecryptable")


def test_an_unknown_encrypt_type_is_refused() -> None:
    error = refused(lambda: open_plain(w.text_xml("hi"), encrypt_type="des"))
    assert (error.status, error.code) == (400, "unsupported_encrypt_type")


def test_an_account_in_safe_mode_can_refuse_plaintext_downgrades() -> None:
    """A seen query string, stripped of encrypt_type, must not carry a forged body."""
    query, body = w.callback(w.ACCOUNT, "aes", w.text_xml("hi"), NOW)
    downgraded = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}
    forged = w.text_xml("forged", openid="oSomeoneElse").encode()
    assert open_callback(w.ACCOUNT, downgraded, forged, NOW).text == "forged"  # the default
    error = refused(
        lambda: open_callback(w.ACCOUNT, downgraded, forged, NOW, allow_plaintext=False)
    )
    assert (error.status, error.code) == (403, "plaintext_refused")
    assert open_callback(w.ACCOUNT, query, body, NOW, allow_plaintext=False).text == "hi"


def test_a_malformed_configured_key_is_our_error_not_the_callers() -> None:
    query, body = w.callback(w.ACCOUNT, "aes", w.text_xml("hi"), NOW)
    broken = w.make_account(aes_key="too-short")
    with pytest.raises(ConfigError) as caught:
        open_callback(broken, query, body, NOW)
    assert "too-short" not in str(caught.value)


# -- refusals: what was sent ---------------------------------------------------------------

KEY_PART = w.AES_KEY[:8]


@pytest.mark.parametrize(
    "encrypt",
    [
        "not base64 at all!",
        "QUJD",  # valid base64, shorter than one block
        base64.b64encode(b"\x00" * 40).decode(),  # not a whole number of blocks
        base64.b64encode(bytes(range(64))).decode(),  # garbage: no valid padding
        cipher_frame(b"r" * 16 + b"\x00\x00\x00\x05<xml>" + b"\x00" * 7),  # padding 0
        cipher_frame(b"r" * 16 + b"\xff\xff\xff\xff<xml/>" + b"\x06" * 6),  # length overruns
        cipher_frame(b"r" * 16 + b"\x00" + b"\x0f" * 15),  # no room for the length
        "微信",
    ],
)
def test_undecryptable_encrypt_is_refused(encrypt: str) -> None:
    error = refused(lambda: open_encrypt(encrypt))
    assert (error.status, error.code) == (400, "undecryptable")


def test_decrypted_bytes_that_are_not_utf8_are_refused() -> None:
    app_id = w.ACCOUNT.app_id.encode()
    xml = "<xml>é</xml>".encode("latin-1")
    frame = b"r" * 16 + len(xml).to_bytes(4, "big") + xml + app_id
    pad = 32 - len(frame) % 32
    error = refused(lambda: open_encrypt(cipher_frame(frame + bytes((pad,)) * pad)))
    assert (error.status, error.code) == (400, "bad_encoding")


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oUpF8u</FromUserName>
<CreateTime>1795600798</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content>
<Encrypt>&lol9;</Encrypt></xml>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><FromUserName>oUpF8u</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content></xml>"""


@pytest.mark.parametrize("mode", w.MODES)
@pytest.mark.parametrize("document", [BOMB, EXTERNAL], ids=["billion laughs", "external entity"])
def test_entity_attacks_are_refused_before_any_parsing(mode: w.Mode, document: str) -> None:
    if mode == "plain":
        query, body = w.signed_query(w.ACCOUNT, "plain", NOW), document.encode()
    elif mode == "compatible":  # the outer envelope carries the DTD
        query = w.signed_query(w.ACCOUNT, "aes", NOW, encrypt="&lol9;")
        body = document.encode()
    else:  # the DTD hides inside the ciphertext
        query, body = w.callback(w.ACCOUNT, "aes", document, NOW)
    started = time.perf_counter()
    error = refused(lambda: open_callback(w.ACCOUNT, query, body, NOW))
    assert time.perf_counter() - started < 0.05
    assert (error.status, error.code) == (400, "unsafe_xml")


def test_a_utf16_bomb_does_not_slip_past_the_check() -> None:
    error = refused(
        lambda: open_plain(BOMB.replace('"1.0"', '"1.0" encoding="UTF-16"').encode("utf-16"))
    )
    assert (error.status, error.code) == (400, "bad_encoding")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "malformed_xml"),
        ("hello, not xml", "malformed_xml"),
        ("<xml><MsgType>text</MsgType>", "malformed_xml"),  # unclosed
        ("<xml/>", "malformed_xml"),
        ("<root><MsgType>text</MsgType></root>", "malformed_xml"),  # not <xml>
        ("<xml>just text</xml>", "malformed_xml"),
        ('{"MsgType": "text"}', "malformed_xml"),
        ("<xml><Content>&undefined;</Content></xml>", "malformed_xml"),
        ("<xml><a>\x00</a></xml>", "malformed_xml"),
        ("<xml><!-- a comment --><MsgType>text</MsgType></xml>", "unsafe_xml"),
        ("<xml><?php echo 1 ?><MsgType>text</MsgType></xml>", "unsafe_xml"),
        ("<xml><Content><![CDATA[never closed</Content></xml>", "malformed_xml"),
    ],
)
def test_bodies_that_are_not_wechat_xml_are_refused(body: str, code: str) -> None:
    for mode in w.MODES:
        if mode == "plain":
            error = refused(lambda: open_plain(body))
        else:
            query, sealed = w.callback(w.ACCOUNT, mode, body, NOW)
            error = refused(lambda: open_callback(w.ACCOUNT, query, sealed, NOW))  # noqa: B023
        assert (error.status, error.code) == (400, code), mode


def test_invalid_utf8_is_refused() -> None:
    error = refused(lambda: open_plain(b"<xml><Content>\xff\xfe</Content></xml>"))
    assert (error.status, error.code) == (400, "bad_encoding")


def test_an_envelope_without_encrypt_is_refused() -> None:
    query = w.signed_query(w.ACCOUNT, "aes", NOW, encrypt="x")
    for body in (
        w.text_xml("plaintext only"),
        "<xml><Encrypt/></xml>",
        "<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
    ):
        error = refused(lambda: open_callback(w.ACCOUNT, query, body.encode(), NOW))  # noqa: B023
        assert (error.status, error.code) == (400, "malformed_xml")


@pytest.mark.parametrize(
    ("inner_xml", "code"),
    [
        # wechatpy raises a bare KeyError when MsgType is missing.
        (
            w.message_xml({"FromUserName": OPENID, "CreateTime": 1, "Content": "hi"}),
            "malformed_xml",
        ),
        (w.message_xml({"FromUserName": OPENID, "CreateTime": 1, "MsgType": ""}), "malformed_xml"),
        (
            "<xml><MsgType><a>text</a></MsgType><FromUserName>o</FromUserName></xml>",
            "malformed_xml",
        ),
        (w.text_xml("hi", openid=None), "invalid_field"),
        (w.text_xml("hi", openid=""), "invalid_field"),
        (w.text_xml("hi", openid="o" * 129), "invalid_field"),
        (w.text_xml("hi", openid="o'; DROP TABLE customers; --"), "invalid_field"),
        (
            w.text_xml("hi").replace(
                "<FromUserName>", "<FromUserName>o1</FromUserName><FromUserName>"
            ),
            "invalid_field",
        ),
        (w.text_xml("hi").replace("1795600798", "soon"), "invalid_field"),
        (w.text_xml("hi").replace("1795600798", "179560079800"), "invalid_field"),
        (
            w.message_xml({"FromUserName": OPENID, "MsgType": "text", "Content": "hi"}),
            "invalid_field",
        ),
        (w.event_xml("").replace("<Event><![CDATA[]]></Event>", ""), "invalid_field"),
        (w.event_xml("Sub scribe"), "invalid_field"),
    ],
)
@pytest.mark.parametrize("mode", w.MODES)
def test_messages_missing_what_we_need_are_refused(mode: w.Mode, inner_xml: str, code: str) -> None:
    error = refused(lambda: open_mode(mode, inner_xml))
    assert (error.status, error.code) == (400, code)


# -- hostile values inside a signed message ------------------------------------------------


def test_control_characters_are_stripped_but_newlines_and_tabs_kept() -> None:
    message = open_mode("aes", w.text_xml("a\x7fb\u0085c\u009fd\te\r\nf  "))
    assert message.text == "abcd\te\nf"


def test_text_is_capped() -> None:
    assert open_mode("plain", w.text_xml("x" * 10_000)).text == "x" * 4000
    long_title = open_mode("plain", w.link_xml(title="t" * 500))
    assert long_title.link is not None and long_title.link.title == "t" * 200


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>", "https://exa mple.com", "//x.com", ""]
)
def test_links_and_pictures_keep_only_http_urls(url: str) -> None:
    link = open_mode("plain", w.link_xml(url=url)).link
    assert link is not None and link.url is None
    assert open_mode("plain", w.image_xml(pic_url=url)).pic_url is None


@pytest.mark.parametrize(
    ("inner_xml", "field", "expected"),
    [
        (w.image_xml(media_id="../../cgi-bin/token?x=1"), "media_id", None),
        (w.voice_xml(media_format="amr;rm -rf"), "media_format", None),
        (w.text_xml("hi", msg_id="12ab"), "msg_id", None),
        (w.location_xml("91.0", "10.0"), "location", None),
        (w.location_xml("nan", "10.0"), "location", None),
        (w.location_xml("1e308", "10.0"), "location", None),
        (w.location_xml("45.5", "-181"), "location", None),
        (w.event_xml("SCAN", event_key="7", ticket="<bad ticket>"), "ticket", None),
        (w.text_xml("hi").replace("<Content>", '<Content lang="en">'), "text", None),
        (w.event_xml("CLICK", event_key="a\x85b"), "event_key", "ab"),
    ],
)
def test_odd_optional_values_are_dropped_not_trusted(
    inner_xml: str, field: str, expected: Any
) -> None:
    assert getattr(open_mode("plain", inner_xml), field) == expected


# -- the guard on its own --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<xml/>",
        '<?xml version="1.0" encoding="utf-8"?><xml/>',
        "<xml><a><![CDATA[<!DOCTYPE x [<!ENTITY y 'z'>]> <?pi?> <!-- -->]]></a></xml>",
        "<xml><a><![CDATA[a]]]]><![CDATA[>b]]></a></xml>",
    ],
)
def test_guard_lets_plain_wechat_xml_through(text: str) -> None:
    ensure_plain(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("<!DOCTYPE xml><xml/>", "unsafe_xml"),
        ("<!doctype xml><xml/>", "unsafe_xml"),
        ('<?xml version="1.0"?>\n<!ENTITY x "y"><xml/>', "unsafe_xml"),
        ("<xml><![CDATA[x]]><!DOCTYPE y></xml>", "unsafe_xml"),
        ("<xml><![cdata[x]]></xml>", "unsafe_xml"),
        ("<?xml-stylesheet href='x'?><xml/>", "unsafe_xml"),
        (' <?xml version="1.0"?><xml/>', "unsafe_xml"),  # a declaration only at the start
        ("<xml><![CDATA[x</xml>", "malformed_xml"),
    ],
)
def test_guard_refuses_markup_wechat_never_sends(text: str, code: str) -> None:
    with pytest.raises(UnsafeXml) as caught:
        ensure_plain(text)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "body",
    [
        b"<a>" * 20_000,  # deep, never closed
        b"<xml>" + b"<a>" * 9 + b"</a>" * 9 + b"</xml>",
        b"<xml>" + b"<a/>" * 15_000 + b"</xml>",  # wide
    ],
    ids=["deep unclosed", "nine deep", "wide"],
)
@pytest.mark.parametrize("mode", w.MODES)
def test_bodies_larger_than_any_wechat_message_are_refused_early(mode: w.Mode, body: bytes) -> None:
    query = w.signed_query(w.ACCOUNT, mode, NOW, encrypt="x")  # aes: before the signature
    started = time.perf_counter()
    error = refused(lambda: open_callback(w.ACCOUNT, query, body, NOW))
    assert time.perf_counter() - started < 0.05
    assert (error.status, error.code) == (400, "too_complex")


def test_the_deepest_wechat_event_passes_the_size_checks() -> None:
    pictures = "".join(
        f"<item><PicMd5Sum><![CDATA[{i:032x}]]></PicMd5Sum></item>" for i in range(9)
    )
    inner = w.event_xml("pic_weixin", event_key="photo").replace(
        "</xml>",
        f"<SendPicsInfo><Count>9</Count><PicList>{pictures}</PicList></SendPicsInfo></xml>",
    )
    for mode in w.MODES:
        message = open_mode(mode, inner)
        assert (message.event, message.event_key) == ("pic_weixin", "photo")


def test_guard_strips_a_bom_and_stays_linear_on_many_open_cdata_sections() -> None:
    assert checked_xml("\ufeff<xml/>".encode()).text == "<xml/>"
    hostile = ("<![CDATA[" * 20_000).encode()
    started = time.perf_counter()
    with pytest.raises(UnsafeXml):
        checked_xml(hostile)
    assert time.perf_counter() - started < 0.05


# -- whatever arrives, only CallbackRefused leaves ----------------------------------------------

QUERY_KEYS = ["signature", "msg_signature", "timestamp", "nonce", "echostr", "encrypt_type"]


@PROPERTY
@given(
    st.dictionaries(st.sampled_from(QUERY_KEYS), st.text(max_size=50)),
    st.binary(max_size=300),
)
def test_any_query_and_body_give_a_message_or_a_refusal(query: dict[str, str], body: bytes) -> None:
    for call in (
        lambda: open_callback(w.ACCOUNT, query, body, NOW),
        lambda: verify_echo(w.ACCOUNT, query, NOW),
    ):
        try:
            call()
        except CallbackRefused as error:
            assert error.status in (400, 403)


xml_ish = st.text(
    alphabet=st.sampled_from(list("<>/![]?&;=\"' CDATAxmlMsgType\x00é微")), max_size=200
)


@PROPERTY
@given(st.one_of(st.binary(max_size=300), xml_ish.map(str.encode)))
def test_any_signed_body_gives_a_message_or_a_400(body: bytes) -> None:
    try:
        open_plain(body)
    except CallbackRefused as error:
        assert error.status == 400


@PROPERTY
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "FromUserName",
                "CreateTime",
                "MsgType",
                "Event",
                "EventKey",
                "MsgId",
                "Content",
                "Location_X",
                "Location_Y",
                "Scale",
                "Url",
                "Format",
            ]
        ),
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                ["event", "text", "location", "link", "voice", "SCAN", "qrscene_1", "1", OPENID]
            ),
        ),
    )
)
def test_any_signed_encrypted_message_gives_a_message_or_a_400(fields: dict[str, str]) -> None:
    try:
        open_mode("aes", w.message_xml(dict(fields)))
    except CallbackRefused as error:
        assert error.status == 400
