"""Identity normal forms: one spelling per identity, so one customer per person."""

from __future__ import annotations

import pytest

from hub.profiles.identity import (
    EMAIL,
    EXTERNAL,
    KINDS,
    PHONE,
    POS_CUSTOMER_NO,
    VISITOR,
    WECHAT_OPENID,
    WECHAT_UNIONID,
    Identity,
    InvalidIdentity,
    identity,
    normalise,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada@Example.COM \n", "ada@example.com"),
        ("ADA.LOVELACE+shop@Mail.Example.co.uk", "ada.lovelace+shop@mail.example.co.uk"),
        ("\tli.wei@example.cn", "li.wei@example.cn"),
    ],
)
def test_email_is_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert normalise(EMAIL, raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("01 42 96 50 00", "FR", "+33142965000"),
        ("01.42.96.50.00", "FR", "+33142965000"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06 12 34 56 78", "fr", "+33612345678"),
        ("0033 1 42 96 50 00", "FR", "+33142965000"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("(020) 7946-0018", "GB", "+442079460018"),
        ("07911 123456", "GB", "+447911123456"),
        ("010 6552 9988", "CN", "+861065529988"),
        ("138 0013 8000", "CN", "+8613800138000"),
    ],
)
def test_national_phone_numbers_read_with_the_store_country(
    raw: str, region: str, expected: str
) -> None:
    assert normalise(PHONE, raw, default_region=region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+44 20 7946 0018", "FR", "+442079460018"),
        ("+44 20 7946 0018", "CN", "+442079460018"),
        ("+44 20 7946 0018", None, "+442079460018"),
        ("+33 1 42 96 50 00", "GB", "+33142965000"),
        ("+86 138 0013 8000", "FR", "+8613800138000"),
        ("+1 202 456 1111", "CN", "+12024561111"),
        ("  +33142965000  ", None, "+33142965000"),
    ],
)
def test_international_phone_numbers_ignore_the_region(
    raw: str, region: str | None, expected: str
) -> None:
    assert normalise(PHONE, raw, default_region=region) == expected


def test_one_number_written_three_ways_is_one_identity() -> None:
    spellings = [("01 42 96 50 00", "FR"), ("+33 1 42 96 50 00", "GB"), ("0033142965000", "FR")]
    assert {normalise(PHONE, raw, default_region=region) for raw, region in spellings} == {
        "+33142965000"
    }


@pytest.mark.parametrize(
    ("kind", "raw", "region", "message"),
    [
        (PHONE, "01 42 96 50 00", None, "is not a phone number"),
        (PHONE, "12", "FR", "is not a valid phone number"),
        (PHONE, "+33 1", "FR", "is not a phone number"),
        (PHONE, "call me", "FR", "is not a phone number"),
        (PHONE, "06 12 34 56 78", "GB", "is not a valid phone number"),
        (PHONE, "+33 1 42 96 50 00 00 00", None, "is not a valid phone number"),
        (EMAIL, "ada@example", None, "is not an e-mail address"),
        (EMAIL, "ada example.com", None, "is not an e-mail address"),
        (EMAIL, "ada@@example.com", None, "is not an e-mail address"),
        (EMAIL, "@example.com", None, "is not an e-mail address"),
        (EMAIL, "a da@example.com", None, "is not an e-mail address"),
        (EMAIL, "a" * 65 + "@example.com", None, "is not an e-mail address"),
        (EMAIL, "ada@" + "x" * 250 + ".com", None, "is not an e-mail address"),
        (EMAIL, "", None, "email is empty"),
        (EMAIL, "   ", None, "email is empty"),
        (PHONE, "", "FR", "phone is empty"),
        (VISITOR, " \t", None, "visitor is empty"),
        (VISITOR, "v 1", None, "has characters an id cannot have"),
        (WECHAT_OPENID, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M;", None, "has characters an id cannot have"),
        (WECHAT_UNIONID, "ü", None, "has characters an id cannot have"),
        (POS_CUSTOMER_NO, "C-001/2", None, "has characters an id cannot have"),
        ("sms", "+33142965000", None, "unknown identity kind 'sms'"),
        ("Email", "ada@example.com", None, "unknown identity kind 'Email'"),
    ],
)
def test_invalid_values_say_why(kind: str, raw: str, region: str | None, message: str) -> None:
    with pytest.raises(InvalidIdentity, match=message) as caught:
        normalise(kind, raw, default_region=region)
    assert caught.value.kind == kind
    assert isinstance(caught.value, ValueError)


def test_an_overlong_id_is_refused() -> None:
    with pytest.raises(InvalidIdentity):
        normalise(EXTERNAL, "x" * 129)
    assert normalise(EXTERNAL, "x" * 128) == "x" * 128


def test_the_message_quotes_the_value_without_its_padding() -> None:
    with pytest.raises(InvalidIdentity) as caught:
        normalise(EMAIL, "  not-an-address  ")
    assert str(caught.value) == "'not-an-address' is not an e-mail address"


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (WECHAT_OPENID, " o6_bmjrPTlm6_2sgVt7hMZOPfL2M ", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"),
        (WECHAT_UNIONID, "oZ-kR1sA", "oZ-kR1sA"),
        (VISITOR, "v:1f2e.3d", "v:1f2e.3d"),
        (POS_CUSTOMER_NO, "PAR01-000123", "PAR01-000123"),
        (EXTERNAL, "crm:Ada@Example", "crm:Ada@Example"),
    ],
)
def test_channel_ids_are_kept_as_given_but_trimmed(kind: str, raw: str, expected: str) -> None:
    assert normalise(kind, raw) == expected


def test_identity_builds_a_normalised_value_with_its_verification() -> None:
    assert identity(EMAIL, " Ada@X.com", verified=True) == Identity(EMAIL, "ada@x.com", True)
    assert identity(PHONE, "01 42 96 50 00", verified=False, default_region="FR") == Identity(
        PHONE, "+33142965000", False
    )


def test_every_kind_is_known() -> None:
    assert set(KINDS) == {
        EMAIL,
        PHONE,
        WECHAT_OPENID,
        WECHAT_UNIONID,
        VISITOR,
        POS_CUSTOMER_NO,
        EXTERNAL,
    }
