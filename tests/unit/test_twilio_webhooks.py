"""Voice webhooks: signatures, TwiML and event normalisation, and the fake provider itself.

Signatures are checked three ways: written out by hand here, computed by the fake
(``tests/fakes/voice_provider.py``, its own hmac code) and by twilio's
``RequestValidator``; all must agree before ``verify`` is trusted to accept or refuse.
Every refusal must be the expected error class with its code: ``pytest.raises`` lets any
other exception through, which fails the test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from adapters.voice import twiml
from adapters.voice.twilio_events import (
    CallStatus,
    GatherResult,
    IncomingCall,
    Recording,
    Transcription,
    call_status,
    gather_result,
    incoming_call,
    recording,
    transcription,
)
from adapters.voice.twilio_signature import (
    MAX_PARAMS,
    SIGNATURE_HEADER,
    SignatureRefused,
    signed_url,
    verify,
    verify_json,
)
from hub.errors import ConfigError, Forbidden, InvalidInput, PayloadTooLarge
from hub.i18n import SHOPPER_LANGUAGES
from tests.fakes.voice_provider import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SHOPPER_NUMBER,
    STORE_NUMBER,
    FakeVoiceProvider,
    new_sid,
    twilio_signature,
    voice_provider_fixture,  # noqa: F401  (the voice_provider fixture)
)

PUBLIC = "https://concierge.example.com"
INTERNAL = "http://10.0.0.5:8080"
INCOMING = "/voice/twilio/incoming"
CALL_SID = "CA" + "1" * 32
RECORDING_SID = "RE" + "2" * 32
TRANSCRIPTION_SID = "TR" + "3" * 32

# Twilio's documented example (and twilio-python's own test vector).
DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
DOC_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def hmac_sha1_b64(token: str, text: str) -> str:
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def refused(call: Callable[[], object], error: type[Exception] = SignatureRefused) -> Any:
    with pytest.raises(error) as caught:
        call()
    return caught.value


def basic_auth(password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(ACCOUNT_SID, password)}


def call_params(**extra: str) -> dict[str, str]:
    return {"AccountSid": ACCOUNT_SID, "CallSid": CALL_SID, "CallStatus": "ringing", **extra}


# -- signatures: vectors ----------------------------------------------------------------


def test_signature_matches_the_documented_example_computed_by_hand() -> None:
    # Names sorted by hand: CallSid, Caller, Digits, From, To (case-sensitive order).
    by_hand = hmac_sha1_b64(
        DOC_TOKEN,
        DOC_URL
        + "CallSidCA1234567890ABCDE"
        + "Caller+14158675309"
        + "Digits1234"
        + "From+14158675309"
        + "To+18005551212",
    )
    assert by_hand == DOC_SIGNATURE
    assert twilio_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS) == by_hand
    assert RequestValidator(DOC_TOKEN).compute_signature(DOC_URL, DOC_PARAMS) == by_hand
    verify(DOC_TOKEN, "https://mycompany.com", "/myapp.php?foo=1&bar=2", DOC_PARAMS, by_hand)


def test_signature_of_a_voice_webhook_agrees_three_ways() -> None:
    params = call_params(From=SHOPPER_NUMBER, To=STORE_NUMBER, Caller="Léa & Co <VIP>")
    url = PUBLIC + INCOMING
    by_hand = hmac_sha1_b64(
        AUTH_TOKEN, url + "".join(name + params[name] for name in sorted(params))
    )
    assert twilio_signature(AUTH_TOKEN, url, params) == by_hand
    assert RequestValidator(AUTH_TOKEN).compute_signature(url, params) == by_hand
    verify(AUTH_TOKEN, PUBLIC, INCOMING, params, by_hand)


def test_json_body_is_covered_by_body_sha256_in_the_signed_url() -> None:
    body = b'{"property": "value", "boolean": true}'
    digest = hashlib.sha256(body).hexdigest()
    assert digest == "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    path = f"/myapp.php?foo=1&bar=2&bodySHA256={digest}"
    signature = hmac_sha1_b64(DOC_TOKEN, "https://mycompany.com" + path)
    verify_json(DOC_TOKEN, "https://mycompany.com", path, body, signature)

    error = refused(
        lambda: verify_json(DOC_TOKEN, "https://mycompany.com", path, body + b" ", signature)
    )
    assert error.code == "bad_signature"
    unhashed = "/myapp.php?foo=1&bar=2"
    plain = hmac_sha1_b64(DOC_TOKEN, "https://mycompany.com" + unhashed)
    refused(lambda: verify_json(DOC_TOKEN, "https://mycompany.com", unhashed, body, plain))
    tampered = path.replace("0a1f", "0a1e")
    refused(lambda: verify_json(DOC_TOKEN, "https://mycompany.com", tampered, body, signature))
    refused(
        lambda: verify_json(DOC_TOKEN, "https://mycompany.com", path, b"x" * 70_000, signature),
        PayloadTooLarge,
    )


@pytest.mark.parametrize(
    ("public", "signed_for"),
    [
        ("https://mycompany.com", "https://mycompany.com:443"),
        ("https://mycompany.com:443", "https://mycompany.com"),
        ("http://mycompany.com", "http://mycompany.com:80"),
        ("https://mycompany.com/concierge/", "https://mycompany.com/concierge"),
        ("https://[2001:db8::1]", "https://[2001:db8::1]:443"),
    ],
)
def test_default_port_and_path_prefix_variants_are_accepted(public: str, signed_for: str) -> None:
    signature = twilio_signature(AUTH_TOKEN, signed_for + INCOMING, DOC_PARAMS)
    verify(AUTH_TOKEN, public, INCOMING, DOC_PARAMS, signature)


def test_the_raw_path_is_what_was_signed() -> None:
    raw = "/voice/twilio/status?store=Op%C3%A9ra&note=a%20b"
    signature = twilio_signature(AUTH_TOKEN, PUBLIC + raw, DOC_PARAMS)
    verify(AUTH_TOKEN, PUBLIC, raw, DOC_PARAMS, signature)
    decoded = "/voice/twilio/status?store=Opéra&note=a b"
    refused(lambda: verify(AUTH_TOKEN, PUBLIC, decoded, DOC_PARAMS, signature))


# -- signatures: refusals ---------------------------------------------------------------

GOOD = call_params(From=SHOPPER_NUMBER, To=STORE_NUMBER)


def forged(**change: Any) -> tuple[str, dict[str, str], str | None]:
    """(path, params sent, signature) for a request signed correctly and then changed."""
    path = change.pop("path", INCOMING)
    signed_url_ = change.pop("signed_url", PUBLIC + INCOMING)
    token = change.pop("token", AUTH_TOKEN)
    signature = twilio_signature(token, signed_url_, GOOD)
    sent = {**GOOD, **change.pop("params", {})}
    for name in change.pop("drop", ()):
        sent.pop(name)
    return path, sent, change.pop("signature", signature)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(forged(signature=None), id="missing"),
        pytest.param(forged(signature=""), id="empty"),
        pytest.param(forged(signature="A" * 27 + "="), id="wrong"),
        pytest.param(forged(token="someone-elses-token"), id="other-token"),
        pytest.param(forged(signed_url="http://concierge.example.com" + INCOMING), id="http"),
        pytest.param(forged(signed_url=INTERNAL + INCOMING), id="internal-host"),
        pytest.param(forged(signed_url=PUBLIC + ":8443" + INCOMING), id="other-port"),
        pytest.param(forged(path="/voice/twilio/status"), id="other-path"),
        pytest.param(forged(path=INCOMING + "?store=PAR"), id="query-added"),
        pytest.param(forged(params={"From": "+33699999999"}), id="param-tampered"),
        pytest.param(forged(params={"Digits": "1"}), id="param-added"),
        pytest.param(forged(drop=["CallStatus"]), id="param-removed"),
        pytest.param(forged(params={"from": SHOPPER_NUMBER}, drop=["From"]), id="name-case"),
        pytest.param(forged(signature="é" * 28), id="non-ascii"),
        pytest.param(forged(signature="\ud800" * 28), id="lone-surrogate"),
        pytest.param(forged(signature="A" * 10_000), id="huge"),
        pytest.param(forged(path="voice/twilio/incoming"), id="relative-path"),
    ],
)
def test_refusals(case: tuple[str, dict[str, str], str | None]) -> None:
    path, sent, signature = case
    error = refused(lambda: verify(AUTH_TOKEN, PUBLIC, path, sent, signature))
    assert isinstance(error, Forbidden)
    assert (error.status, error.code) == (403, "bad_signature")
    assert error.as_payload()["error"]["code"] == "bad_signature"


def test_signature_with_trailing_space_is_refused() -> None:
    signature = twilio_signature(AUTH_TOKEN, PUBLIC + INCOMING, GOOD) + " "
    refused(lambda: verify(AUTH_TOKEN, PUBLIC, INCOMING, GOOD, signature))


def test_too_many_or_too_large_params_are_refused_before_any_hmac() -> None:
    many = {f"P{index}": "x" for index in range(MAX_PARAMS + 1)}
    refused(lambda: verify(AUTH_TOKEN, PUBLIC, INCOMING, many, "sig"), PayloadTooLarge)
    large = {"TranscriptionText": "x" * 70_000}
    refused(lambda: verify(AUTH_TOKEN, PUBLIC, INCOMING, large, "sig"), PayloadTooLarge)


def test_a_file_field_is_refused() -> None:
    with_file = cast(Mapping[str, str], {**GOOD, "Upload": object()})
    refused(lambda: verify(AUTH_TOKEN, PUBLIC, INCOMING, with_file, "sig"))


@pytest.mark.parametrize(
    "public",
    [
        "ftp://x.example",
        "https://",
        "https://x.example/?a=1",
        "https://u@x.example",
        "https://x:ab",
    ],
)
def test_a_malformed_public_url_is_our_configuration_error(public: str) -> None:
    refused(lambda: signed_url(public, INCOMING), ConfigError)


def test_an_empty_auth_token_is_never_used_as_a_key() -> None:
    signature = twilio_signature("", PUBLIC + INCOMING, GOOD)
    refused(lambda: verify("", PUBLIC, INCOMING, GOOD, signature), ConfigError)


# -- TwiML -------------------------------------------------------------------------------

HOSTILE_STORE = 'Maison <Hangup/> & "Co" \x00\x07\u0085 <![CDATA[x]]>'
GATHER_URL = PUBLIC + "/voice/twilio/gather?call=1&store=PAR"
RECORD_URL = PUBLIC + "/voice/twilio/recording"
TRANSCRIBE_URL = PUBLIC + "/voice/twilio/transcription"
DIAL_URL = PUBLIC + "/voice/twilio/status?leg=dial"


def parsed(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return root


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def offer(**overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "store_name": "Maison Opéra",
        "gather_action_url": GATHER_URL,
        "record_action_url": RECORD_URL,
        "transcribe_callback_url": TRANSCRIBE_URL,
        "language": "en",
    }
    return twiml.offer_callback_or_voicemail(**(arguments | overrides))


def test_ring_dials_numbers_and_browser_clients_at_once() -> None:
    endpoints = ["+33612345678", "client:ambassador_42", "+33612345678"]
    root = parsed(twiml.ring(endpoints, 20, DIAL_URL, STORE_NUMBER))
    assert tags(root) == ["Dial"]
    dial = root[0]
    assert dial.attrib == {
        "action": DIAL_URL,
        "method": "POST",
        "timeout": "20",
        "callerId": STORE_NUMBER,
    }
    assert [(child.tag, child.text) for child in dial] == [
        ("Number", "+33612345678"),
        ("Client", "ambassador_42"),
    ]


def test_ring_greets_in_the_stores_language() -> None:
    root = parsed(
        twiml.ring(["+33612345678"], 15, DIAL_URL, None, store_name="Opéra", language="fr")
    )
    assert tags(root) == ["Say", "Say", "Dial"]
    assert root[0].text == "Bienvenue chez Opéra, merci de votre appel."
    assert root[0].attrib == {"language": "fr-FR"}
    assert "callerId" not in root[2].attrib


@pytest.mark.parametrize(
    ("endpoints", "timeout", "action", "caller_id"),
    [
        ([], 20, DIAL_URL, None),
        ([f"+3361234567{index}" for index in range(10)] + ["+33612345600"], 20, DIAL_URL, None),
        (["+33612345678"], 4, DIAL_URL, None),
        (["+33612345678"], 601, DIAL_URL, None),
        (["+33612345678"], 20, DIAL_URL, "01 42 65 00 00"),
        (["sip:ambassador@pbx.example"], 20, DIAL_URL, None),
        (["+33 6 12 34 56 78"], 20, DIAL_URL, None),
        (["client:two words"], 20, DIAL_URL, None),
        (["+33612345678"], 20, "javascript:alert(1)", None),
        (["+33612345678"], 20, "/voice/twilio/status", None),
        (["+33612345678"], 20, DIAL_URL + " onload", None),
    ],
)
def test_ring_refuses_arguments_twilio_could_not_use(
    endpoints: list[str], timeout: int, action: str, caller_id: str | None
) -> None:
    refused(lambda: twiml.ring(endpoints, timeout, action, caller_id), ConfigError)


def test_offer_gathers_one_key_then_records_a_transcribed_message() -> None:
    root = parsed(offer())
    assert tags(root) == ["Say", "Say", "Gather", "Record", "Say", "Hangup"]
    assert root[0].text == "Welcome to Maison Opéra, and thank you for calling."
    assert "attending to other clients" in (root[1].text or "")
    gather = root[2]
    assert gather.attrib == {
        "action": GATHER_URL,
        "method": "POST",
        "numDigits": "1",
        "input": "dtmf",
        "timeout": "6",
    }
    assert tags(gather) == ["Say"]
    prompt = gather[0].text or ""
    assert "press 1" in prompt
    assert "stay on the line to leave us a message" in prompt
    assert root[3].attrib == {
        "action": RECORD_URL,
        "method": "POST",
        "maxLength": "120",
        "finishOnKey": "#",
        "playBeep": "true",
        "transcribe": "true",
        "transcribeCallback": TRANSCRIBE_URL,
    }
    assert "did not receive a message" in (root[4].text or "")


def test_offer_out_of_hours_says_the_boutique_is_closed() -> None:
    root = parsed(offer(reason="closed", language="fr"))
    assert root[1].text == "Notre boutique est actuellement fermée."
    assert "appuyer sur la touche 1" in (root[2][0].text or "")


def test_offer_without_greeting_starts_with_the_choice() -> None:
    assert tags(parsed(offer(reason=None))) == ["Gather", "Record", "Say", "Hangup"]


def test_a_withheld_number_is_asked_for_instead_of_offered_a_callback() -> None:
    root = parsed(offer(offer_callback=False))
    assert tags(root) == ["Say", "Say", "Say", "Record", "Say", "Hangup"]
    assert "with a number where we may reach you" in (root[2].text or "")
    plain = parsed(offer(offer_callback=False, ask_for_number=False, reason=None))
    assert plain[0].text == "Please leave us your message after the tone."


@pytest.mark.parametrize(
    "build",
    [
        lambda name: twiml.ring(["+33612345678"], 20, DIAL_URL, None, store_name=name),
        lambda name: offer(store_name=name),
        lambda name: twiml.closed_message(name, "en"),
        lambda name: twiml.callback_confirmed(name, "en"),
    ],
)
def test_a_hostile_store_name_is_spoken_never_obeyed(build: Callable[[str], str]) -> None:
    xml = build(HOSTILE_STORE)
    root = parsed(xml)  # no control character made it invalid XML
    assert "<Hangup/>" not in xml
    assert "&lt;Hangup/&gt;" in xml
    spoken = " ".join(say.text or "" for say in root.iter("Say"))
    assert 'Maison <Hangup/> & "Co" <![CDATA[x]]>' in spoken
    assert sum(1 for _ in root.iter("Hangup")) == (0 if root[-1].tag == "Dial" else 1)


def test_a_store_name_is_capped_and_must_not_be_empty() -> None:
    root = parsed(twiml.callback_confirmed("M" * 5000, "en"))
    assert "M" * 100 in (root[0].text or "")
    assert "M" * 101 not in (root[0].text or "")
    refused(lambda: twiml.callback_confirmed("\x00\x07 \u0085", "en"), ConfigError)


@pytest.mark.parametrize(
    ("language", "locale", "welcome"),
    [
        ("en", "en-GB", "Welcome to Opéra"),
        ("en-US", "en-US", "Welcome to Opéra"),
        ("fr", "fr-FR", "Bienvenue chez Opéra"),
        ("fr_CA", "fr-CA", "Bienvenue chez Opéra"),
        ("fr-BE", "fr-FR", "Bienvenue chez Opéra"),
        ("FR-fr", "fr-FR", "Bienvenue chez Opéra"),
        ("it", "it-IT", "Benvenuti da Opéra"),
        ("es-MX", "es-MX", "Le damos la bienvenida a Opéra"),
        ("de-CH", "de-DE", "Willkommen bei Opéra"),
        ("", "en-GB", "Welcome to Opéra"),
        ("xx-YY", "en-GB", "Welcome to Opéra"),
        ("pt-BR", "en-GB", "Welcome to Opéra"),
        ("nl-BE", "nl-BE", "Welkom bij Opéra"),
        ("ja", "ja-JP", "Opéraにお電話いただき"),
        ("ko-KR", "ko-KR", "Opéra에 전화해 주셔서"),
        ("zh-Hans-CN", "zh-CN", "欢迎致电Opéra"),
        ("zh-TW", "zh-TW", "歡迎致電Opéra"),
        ("ar", "arb", "أهلًا بك في Opéra"),
    ],
)
def test_language_and_locale(language: str, locale: str, welcome: str) -> None:
    root = parsed(twiml.closed_message("Opéra", language))
    assert tags(root) == ["Say", "Say", "Say", "Hangup"]
    assert {say.attrib["language"] for say in root.iter("Say")} == {locale}
    assert (root[0].text or "").startswith(welcome)


@pytest.mark.parametrize("language", SHOPPER_LANGUAGES)
def test_every_language_names_the_store_and_offers_key_1(language: str) -> None:
    confirmed = parsed(twiml.callback_confirmed("Opéra", language))
    assert "Opéra" in (confirmed[0].text or "")
    offered = parsed(offer(language=language))
    assert "1" in (offered[2][0].text or "")
    assert all((say.text or "").strip() for say in offered.iter("Say"))
    assert "{" not in "".join(say.text or "" for say in offered.iter("Say"))


def test_a_provider_voice_can_be_chosen() -> None:
    root = parsed(twiml.callback_confirmed("Opéra", "fr", voice="Polly.Celine"))
    assert root[0].attrib == {"language": "fr-FR", "voice": "Polly.Celine"}
    refused(lambda: twiml.callback_confirmed("Opéra", "fr", voice='x" y'), ConfigError)


def test_offer_refuses_an_unusable_length_or_url() -> None:
    refused(lambda: offer(max_length_seconds=4), ConfigError)
    refused(lambda: offer(record_action_url="recording"), ConfigError)


def test_hang_up_is_only_a_hangup() -> None:
    assert (
        twiml.hang_up() == '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'
    )


# -- events ------------------------------------------------------------------------------


def invalid(call: Callable[[], object], field: str) -> None:
    error = refused(call, InvalidInput)
    assert (error.status, error.field, error.code) == (400, field, "invalid_field")
    assert error.as_payload()["error"]["field"] == field


def test_incoming_call_is_normalised() -> None:
    provider = FakeVoiceProvider()
    params = provider.incoming_call_params(call_sid=CALL_SID, caller_name="LEA MARTIN")
    assert incoming_call(params) == IncomingCall(
        call_sid=CALL_SID,
        account_sid=ACCOUNT_SID,
        from_number=SHOPPER_NUMBER,
        to_number=STORE_NUMBER,
        caller_name="LEA MARTIN",
    )


@pytest.mark.parametrize(
    "caller",
    [
        "anonymous",
        "Anonymous",
        "+266696687",  # ANONYMOUS on a keypad
        "+7378742833",  # RESTRICTED
        "+86282452253",  # UNAVAILABLE
        "+8656696",  # UNKNOWN
        "+2562533",  # BLOCKED
        "restricted",
        "",
        "client:ambassador_42",
        "sip:someone@pbx.example",
        "+1234",
        "+33 6 12 34 56 7" + "8" * 1000,
    ],
)
def test_a_withheld_or_unusable_caller_id_is_none(caller: str) -> None:
    assert incoming_call(call_params(From=caller, To=STORE_NUMBER)).from_number is None


def test_a_caller_id_is_made_e164() -> None:
    params = call_params(From="+33 6 12 34 56 78", To=STORE_NUMBER)
    assert incoming_call(params).from_number == SHOPPER_NUMBER


def test_a_caller_name_is_cleaned_and_capped() -> None:
    name = "\u202eLéa\x00 \x07Martin\n\t" + "x" * 200
    caller_name = incoming_call(call_params(To=STORE_NUMBER, CallerName=name)).caller_name
    assert caller_name is not None
    assert caller_name.startswith("Léa Martin xxx")
    assert len(caller_name) == 64
    blank = incoming_call(call_params(To=STORE_NUMBER, CallerName="\x00 \u202e"))
    assert blank.caller_name is None


def test_our_number_must_be_a_number() -> None:
    invalid(lambda: incoming_call(call_params(From=SHOPPER_NUMBER)), "To")
    invalid(lambda: incoming_call(call_params(To="anonymous")), "To")


BAD_SIDS = [
    None,
    "",
    "CA" + "1" * 31,
    "CA" + "1" * 33,
    "RE" + "1" * 32,
    "ca" + "1" * 32,
    "CA" + "g" * 32,
    "CA../../../etc/passwd" + "0" * 12,
    "CA" + "1" * 32 + "\n",
    "CA" + "1" * 31 + "\u0661",  # an Arabic-Indic digit: \d would take it
]


@pytest.mark.parametrize("bad", BAD_SIDS)
@pytest.mark.parametrize("field", ["CallSid", "AccountSid"])
def test_bad_sids_are_refused_by_name(bad: str | None, field: str) -> None:
    params = call_params(To=STORE_NUMBER)
    if bad is None:
        del params[field]
    else:
        params[field] = bad.replace("CA", "AC", 1) if field == "AccountSid" else bad
    invalid(lambda: incoming_call(params), field)
    invalid(lambda: call_status(params), field)
    invalid(lambda: gather_result(params), field)


def test_a_non_text_value_counts_as_missing() -> None:
    params = cast(Mapping[str, str], {**call_params(To=STORE_NUMBER), "CallSid": object()})
    invalid(lambda: incoming_call(params), "CallSid")


@pytest.mark.parametrize(
    "status",
    [
        "queued",
        "initiated",
        "ringing",
        "in-progress",
        "completed",
        "busy",
        "failed",
        "no-answer",
        "canceled",
    ],
)
def test_every_call_status_and_its_dedupe_key(status: str) -> None:
    event = call_status(call_params(CallStatus=status))
    assert event.status == status
    assert event.dedupe_key == f"voice:{CALL_SID}:{status}"


@pytest.mark.parametrize("status", ["answered", "COMPLETED", "in progress", "", "completed\n"])
def test_an_unknown_call_status_is_refused(status: str) -> None:
    invalid(lambda: call_status(call_params(CallStatus=status)), "CallStatus")


def test_duplicate_deliveries_give_the_same_event_and_key() -> None:
    provider = FakeVoiceProvider()
    first = call_status(provider.status_params(CALL_SID, "completed", duration=42))
    again = call_status(provider.status_params(CALL_SID, "completed", duration=42))
    assert first == again
    assert first.dedupe_key == again.dedupe_key == f"voice:{CALL_SID}:completed"
    assert first.duration_seconds == 42
    ringing = call_status(provider.status_params(CALL_SID, "ringing"))
    assert ringing.dedupe_key != first.dedupe_key
    assert ringing.duration_seconds is None


def test_a_dial_outcome_is_kept_apart_from_the_status_callback() -> None:
    provider = FakeVoiceProvider()
    params = provider.status_params(
        CALL_SID, "in-progress", dial_call_status="no-answer", dial_duration=0, sequence_number=3
    )
    event = call_status(params)
    assert event == CallStatus(
        call_sid=CALL_SID,
        account_sid=ACCOUNT_SID,
        status="in-progress",
        dial_call_status="no-answer",
        dial_duration_seconds=0,
        sequence_number=3,
    )
    assert event.dedupe_key == f"voice:{CALL_SID}:in-progress:dial-no-answer"
    assert call_status(call_params(CallStatus="in-progress")).dedupe_key != event.dedupe_key
    invalid(lambda: call_status({**params, "DialCallStatus": "maybe"}), "DialCallStatus")


@pytest.mark.parametrize("duration", ["-1", "1e3", "4.5", "1" * 8, " 3", "٣"])
def test_a_malformed_duration_is_refused(duration: str) -> None:
    invalid(
        lambda: call_status(call_params(CallStatus="completed", CallDuration=duration)),
        "CallDuration",
    )


def test_a_recording_is_normalised() -> None:
    provider = FakeVoiceProvider()
    event = recording(provider.recording_params(CALL_SID, RECORDING_SID, duration=17))
    assert event == Recording(
        call_sid=CALL_SID,
        account_sid=ACCOUNT_SID,
        recording_sid=RECORDING_SID,
        recording_url=provider.recording_url(RECORDING_SID),
        duration_seconds=17,
    )
    assert event.media_path == (
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}.mp3"
    )
    assert event.dedupe_key == f"voice:{CALL_SID}:recording:{RECORDING_SID}"
    without_url = {**provider.recording_params(CALL_SID, RECORDING_SID)}
    del without_url["RecordingUrl"]
    assert recording(without_url).recording_url is None


@pytest.mark.parametrize(
    "url",
    [
        "http://api.twilio.com/2010-04-01/Recordings/RE1",
        "javascript:alert(1)//https://",
        "https://user:password@evil.example/RE1",
        "https://api.twilio.com/Recordings/RE1 onerror=alert(1)",
        "https://api.twilio.com",
        "https://api.twilio.com/" + "x" * 3000,
        "//api.twilio.com/Recordings/RE1",
    ],
)
def test_a_recording_url_must_be_plain_https(url: str) -> None:
    params = call_params(RecordingSid=RECORDING_SID, RecordingUrl=url)
    invalid(lambda: recording(params), "RecordingUrl")


def test_a_recording_needs_its_sid() -> None:
    invalid(lambda: recording(call_params(RecordingSid="RE123")), "RecordingSid")
    invalid(lambda: recording(call_params(RecordingSid="CA" + "2" * 32)), "RecordingSid")


def test_a_transcription_is_cleaned_and_capped() -> None:
    text = "Bonjour,\x00 je souhaiterais \u202e un rendez-vous\r\n samedi. " + "x" * 5000
    params = call_params(
        RecordingSid=RECORDING_SID,
        TranscriptionSid=TRANSCRIPTION_SID,
        TranscriptionStatus="completed",
        TranscriptionText=text,
    )
    event = transcription(params)
    assert event.text is not None
    assert event.text.startswith("Bonjour, je souhaiterais un rendez-vous samedi. xxx")
    assert len(event.text) == 4000
    assert event.dedupe_key == f"voice:{CALL_SID}:transcription:{TRANSCRIPTION_SID}"


def test_a_failed_transcription_has_no_text() -> None:
    provider = FakeVoiceProvider()
    params = provider.transcription_params(CALL_SID, RECORDING_SID, "(blank)", status="failed")
    event = transcription(params)
    assert event == Transcription(
        call_sid=CALL_SID,
        account_sid=ACCOUNT_SID,
        recording_sid=RECORDING_SID,
        transcription_sid=params["TranscriptionSid"],
        text=None,
        status="failed",
    )
    invalid(lambda: transcription({**params, "TranscriptionStatus": "done"}), "TranscriptionStatus")
    invalid(lambda: transcription({**params, "TranscriptionSid": "TR1"}), "TranscriptionSid")


@pytest.mark.parametrize(("digits", "wants"), [("1", True), ("2", False), ("", False)])
def test_gather_digits(digits: str, wants: bool) -> None:
    event = gather_result(call_params(Digits=digits))
    assert event == GatherResult(call_sid=CALL_SID, account_sid=ACCOUNT_SID, digits=digits)
    assert event.wants_callback is wants


@pytest.mark.parametrize("digits", ["1; DROP TABLE", "1" * 33, "one", "\u0661"])
def test_gather_refuses_anything_but_keys(digits: str) -> None:
    invalid(lambda: gather_result(call_params(Digits=digits)), "Digits")


def test_an_error_names_the_field_without_echoing_it() -> None:
    error = refused(lambda: call_status(call_params(CallStatus="<script>")), InvalidInput)
    assert "<script>" not in error.message
    assert "CallStatus" in error.message


# -- the fake provider, against a stand-in for the hub ---------------------------------


async def _stand_in(request: web.Request) -> web.Response:
    """A hub handler in miniature: verify against the public URL, then answer TwiML."""
    form = cast(Mapping[str, str], await request.post())
    try:
        verify(AUTH_TOKEN, PUBLIC, request.raw_path, form, request.headers.get(SIGNATURE_HEADER))
    except SignatureRefused as error:
        return web.json_response(error.as_payload(), status=error.status)
    call = incoming_call(form)
    answer = twiml.ring(["client:ambassador_42"], 20, DIAL_URL, call.from_number)
    return web.Response(text=answer, content_type="text/xml")


@pytest.fixture
async def hub_url(aiohttp_server: Any) -> str:
    app = web.Application()
    app.router.add_post("/voice/twilio/{kind}", _stand_in)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


async def test_the_fake_signs_webhooks_as_the_checker_expects(
    voice_provider: FakeVoiceProvider, hub_url: str
) -> None:
    params = voice_provider.incoming_call_params()
    reply = await voice_provider.call(hub_url, INCOMING, params, public_url=PUBLIC)
    assert (reply.status, reply.content_type) == (200, "text/xml")
    dial = reply.twiml().find("Dial")
    assert dial is not None
    assert dial.attrib["callerId"] == SHOPPER_NUMBER

    path = "/voice/twilio/status?store=Op%C3%A9ra&leg=a%20b"
    encoded = await voice_provider.call(hub_url, path, params, public_url=PUBLIC)
    assert encoded.status == 200


@pytest.mark.parametrize(
    "change",
    [
        {"signed": False},
        {"signature": "A" * 27 + "="},
        {"public_url": None},  # signed for the loopback URL the hub sees, not the public one
        {"public_url": "http://concierge.example.com"},
    ],
)
async def test_the_stand_in_refuses_what_the_fake_forges(
    voice_provider: FakeVoiceProvider, hub_url: str, change: dict[str, Any]
) -> None:
    arguments: dict[str, Any] = {"public_url": PUBLIC} | change
    params = voice_provider.incoming_call_params()
    reply = await voice_provider.call(hub_url, INCOMING, params, **arguments)
    assert reply.status == 403
    assert '"bad_signature"' in reply.text


async def test_the_fake_records_outbound_calls_and_fails_when_told(
    voice_provider: FakeVoiceProvider,
) -> None:
    url = f"{voice_provider.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    auth = basic_auth(AUTH_TOKEN)
    form = {
        "To": "+33612345678",
        "From": STORE_NUMBER,
        "Url": PUBLIC + "/voice/twilio/bridge?callback=7",
        "StatusCallback": PUBLIC + "/voice/twilio/status",
    }
    voice_provider.fail_next_call(status=503, code=20503)
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=form, headers=auth) as response:
            assert response.status == 503
            assert (await response.json())["code"] == 20503
        async with session.post(url, data=form, headers=auth) as response:
            assert response.status == 201
            body = await response.json()
        async with session.post(url, data=form, headers=basic_auth("x")) as bad:
            assert bad.status == 401
        async with session.post(
            url, data={"From": STORE_NUMBER, "Url": PUBLIC}, headers=auth
        ) as no:
            assert (no.status, (await no.json())["code"]) == (400, 21201)
    created = await voice_provider.next_call(timeout=1)
    assert body == {
        "sid": created.sid,
        "account_sid": ACCOUNT_SID,
        "to": "+33612345678",
        "from": STORE_NUMBER,
        "status": "queued",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{created.sid}.json",
    }
    assert (created.to, created.from_, created.url, created.twiml) == (
        "+33612345678",
        STORE_NUMBER,
        PUBLIC + "/voice/twilio/bridge?callback=7",
        None,
    )
    assert created.status_callback == PUBLIC + "/voice/twilio/status"
    assert voice_provider.created_calls == [created]


async def test_the_fake_serves_recordings_to_the_account_only(
    voice_provider: FakeVoiceProvider,
) -> None:
    sid = new_sid("RE")
    voice_provider.add_recording(sid, b"ID3 voicemail")
    auth = basic_auth(AUTH_TOKEN)
    short = f"{voice_provider.base_url}/Recordings/{sid}.mp3"
    full = f"{voice_provider.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}.mp3"
    async with aiohttp.ClientSession() as session:
        for url in (short, full):
            async with session.get(url, headers=auth) as response:
                assert response.status == 200
                assert response.content_type == "audio/mpeg"
                assert await response.read() == b"ID3 voicemail"
        async with session.get(short) as anonymous:
            assert anonymous.status == 401
            assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
        async with session.get(short, headers=basic_auth("wrong")) as wrong:
            assert wrong.status == 401
        other = full.replace(ACCOUNT_SID, "AC" + "f" * 32)
        async with session.get(other, headers=auth) as elsewhere:
            assert elsewhere.status == 401
        missing = short.replace(sid, new_sid("RE"))
        async with session.get(missing, headers=auth) as gone:
            assert (gone.status, (await gone.json())["code"]) == (404, 20404)
    assert voice_provider.media_fetches[sid] == 2
