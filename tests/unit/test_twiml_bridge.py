"""The bridge TwiML: the ambassador who picked up a call the hub placed hears whom they are
about to speak with, then the client is dialled with the boutique's number as caller ID."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from adapters.voice import twiml
from hub.errors import ConfigError
from tests.fakes.voice_provider import SHOPPER_NUMBER, STORE_NUMBER

PUBLIC = "https://concierge.example.com"
DIAL_URL = PUBLIC + "/voice/twilio/dial?call=0b6f1c1e-2f44-4d8a-9a55-3f1f0e3c9d11"


def parsed(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return root


def test_bridge_names_the_client_then_dials_them_from_the_stores_number() -> None:
    root = parsed(twiml.bridge(SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, name="Marie Curie"))
    say, dial = list(root)
    assert say.tag == "Say" and say.text == "Connecting you with Marie Curie."
    assert say.attrib == {"language": "en-GB"}
    assert dial.tag == "Dial"
    assert dial.attrib == {
        "action": DIAL_URL,
        "method": "POST",
        "timeout": "30",
        "callerId": STORE_NUMBER,
    }
    assert [(child.tag, child.text) for child in dial] == [("Number", SHOPPER_NUMBER)]


@pytest.mark.parametrize(
    ("language", "locale", "sentence"),
    [
        ("fr", "fr-FR", "Nous vous mettons en relation avec Marie Curie."),
        ("it-IT", "it-IT", "La stiamo mettendo in contatto con Marie Curie."),
        ("es", "es-ES", "Le estamos conectando con Marie Curie."),
        ("de", "de-DE", "Wir verbinden Sie mit Marie Curie."),
        ("ja", "ja-JP", "Marie Curie様におつなぎします。"),
        ("zh-Hant", "zh-TW", "正在為您接通Marie Curie。"),
        ("pt-BR", "en-GB", "Connecting you with Marie Curie."),
    ],
)
def test_bridge_speaks_the_stores_language(language: str, locale: str, sentence: str) -> None:
    root = parsed(
        twiml.bridge(SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, name="Marie Curie", language=language)
    )
    assert root[0].text == sentence and root[0].get("language") == locale


@pytest.mark.parametrize("name", [None, "", "   ", "\x00\x07\u0085"])
def test_without_a_name_the_sentence_names_nobody(name: str | None) -> None:
    root = parsed(twiml.bridge(SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, name=name))
    assert root[0].text == "Connecting you with your client."
    french = parsed(twiml.bridge(SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, name=name, language="fr"))
    assert french[0].text == "Nous vous mettons en relation avec votre client."


def test_a_hostile_name_is_spoken_never_obeyed_nor_read_as_a_template() -> None:
    name = 'Eve {store} {name} {0} <Hangup/> & "Co"\x00 <![CDATA[x]]>'
    xml = twiml.bridge(SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, name=name)
    root = parsed(xml)
    assert "<Hangup/>" not in xml and "&lt;Hangup/&gt;" in xml
    assert (
        root[0].text == 'Connecting you with Eve {store} {name} {0} <Hangup/> & "Co" <![CDATA[x]]>.'
    )
    assert [child.tag for child in root] == ["Say", "Dial"]
    assert list(root.iter("Hangup")) == []


def test_a_long_name_is_capped() -> None:
    root = parsed(twiml.bridge(SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, name="M" * 5000))
    assert root[0].text == f"Connecting you with {'M' * twiml.STORE_NAME_LIMIT}."


def test_a_provider_voice_and_ring_time_can_be_chosen() -> None:
    root = parsed(
        twiml.bridge(
            SHOPPER_NUMBER,
            STORE_NUMBER,
            DIAL_URL,
            language="fr",
            voice="Polly.Celine",
            timeout_seconds=45,
        )
    )
    assert root[0].get("voice") == "Polly.Celine"
    assert root[1].get("timeout") == "45"


@pytest.mark.parametrize(
    ("customer", "caller_id", "action", "timeout"),
    [
        ("0612345678", STORE_NUMBER, DIAL_URL, 30),  # a national number: not E.164
        ("client:ambassador_42", STORE_NUMBER, DIAL_URL, 30),  # a client, never a number
        (SHOPPER_NUMBER, "anonymous", DIAL_URL, 30),
        (SHOPPER_NUMBER, STORE_NUMBER, "/voice/twilio/dial", 30),  # not absolute
        (SHOPPER_NUMBER, STORE_NUMBER, "javascript:alert(1)", 30),
        (SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, 4),
        (SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, 601),
    ],
)
def test_bridge_refuses_arguments_twilio_could_not_use(
    customer: str, caller_id: str, action: str, timeout: int
) -> None:
    with pytest.raises(ConfigError):
        twiml.bridge(customer, caller_id, action, timeout_seconds=timeout)


def test_a_malformed_voice_name_is_refused() -> None:
    with pytest.raises(ConfigError):
        twiml.bridge(SHOPPER_NUMBER, STORE_NUMBER, DIAL_URL, voice='x" y')
