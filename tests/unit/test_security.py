"""Credentials: hashes, signed visitor tokens, rate limits."""

from __future__ import annotations

import pytest

from hub.errors import RateLimited, Unauthorized
from hub.security.passwords import hash_password, verify_password
from hub.security.ratelimit import TokenBucketLimiter
from hub.security.tokens import VisitorTokens, new_session_token, token_digest


def test_password_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$") and "correct" not in stored
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("x", "not-a-hash")


def test_same_password_hashes_differently_each_time() -> None:
    assert hash_password("same password!") != hash_password("same password!")


def test_visitor_token_round_trips_and_carries_128_random_bits() -> None:
    tokens = VisitorTokens("k" * 40)
    visitor_id, token = tokens.issue()
    assert len(bytes.fromhex(visitor_id)) == 16
    assert tokens.verify(token) == visitor_id


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.replace("v1.", "v2."),
        lambda t: "v1." + "0" * 32 + "." + t.split(".")[2],
        lambda t: 42,
        lambda t: "",
    ],
)
def test_forged_or_altered_visitor_tokens_are_refused(mutate) -> None:  # type: ignore[no-untyped-def]
    tokens = VisitorTokens("k" * 40)
    _, token = tokens.issue()
    with pytest.raises(Unauthorized):
        tokens.verify(mutate(token))


def test_a_token_from_another_hub_key_is_refused() -> None:
    _, token = VisitorTokens("a" * 40).issue()
    with pytest.raises(Unauthorized):
        VisitorTokens("b" * 40).verify(token)


def test_session_tokens_are_long_and_stored_only_as_digest() -> None:
    token = new_session_token()
    assert len(token) >= 43  # 32 random bytes, base64
    assert token_digest(token) != token and len(token_digest(token)) == 64


def test_rate_limiter_allows_a_burst_then_429_then_refills() -> None:
    now = [0.0]
    limiter = TokenBucketLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.hit("ip")
    with pytest.raises(RateLimited) as caught:
        limiter.hit("ip")
    assert 0 < caught.value.retry_after <= 1
    limiter.hit("other-ip")  # keys are independent
    now[0] += 1.0
    limiter.hit("ip")
