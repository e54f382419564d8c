"""``X-Twilio-Signature`` on voice webhooks, checked against the URL Twilio was given.

Twilio signs base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value,
sorted by name)). The URL is the one configured at Twilio, so the public one:
``HUB_PUBLIC_URL`` + the request's path and query. Behind a TLS-terminating proxy the hub
sees ``http://10.0.0.5:8080/...``, which Twilio never signed; the handler must pass
``request.raw_path`` (path and query as sent, percent-encoding intact), never a URL
rebuilt from the request.

twilio's ``RequestValidator`` computes the signature; the comparison is ours. Its
``validate`` compares with ``twilio.request_validator.compare``: a Python loop over
characters without an early exit, after a length check. That is not a vetted
constant-time primitive, so ``compute_signature`` is used with ``hmac.compare_digest``.
As ``validate`` does, a URL is also accepted signed with its default port spelt out
(``https://host:443/...``) or left out: twilio-python notes that Twilio's own signing
has not been consistent about it.

Only the legacy auth-token scheme (HMAC-SHA1) is supported; a webhook signed with a
SharedKey (``X-Twilio-Webhooks-Signature-Settings``) is refused like any other mismatch.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator

from hub.errors import ConfigError, Forbidden, PayloadTooLarge

SIGNATURE_HEADER = "X-Twilio-Signature"

# Twilio's voice webhooks carry about 30 parameters, a few hundred bytes of values.
MAX_PARAMS = 100
MAX_PARAMS_CHARS = 64 * 1024
MAX_JSON_BODY = 64 * 1024
# base64 of an HMAC-SHA1 is 28 characters, of an HMAC-SHA256 44.
MAX_SIGNATURE = 128

_BODY_SHA256 = re.compile(r"[0-9a-f]{64}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SignatureRefused(Forbidden):
    """A webhook not provably from the provider; the message is fixed, never the request's."""

    code = "bad_signature"


def signed_url(public_url: str, path_and_query: str) -> str:
    """The URL Twilio signed: the public base (with any path prefix) and the raw path.

    ``public_url`` is our configuration: a malformed one is a ``ConfigError`` (500), not
    the caller's fault.
    """
    base = public_url.rstrip("/")
    parts = urlsplit(base)
    if (
        parts.scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or "?" in base
        or "#" in base
    ):
        raise ConfigError("HUB_PUBLIC_URL must be an http(s) URL without query or fragment")
    try:
        parts.port  # noqa: B018  raises on a port that is not a number
    except ValueError:
        raise ConfigError("HUB_PUBLIC_URL has a malformed port") from None
    if not path_and_query.startswith("/"):
        raise SignatureRefused("the request path cannot have been signed")
    return base + path_and_query


def verify(
    auth_token: str,
    public_url: str,
    path_and_query: str,
    params: Mapping[str, str],
    signature: str | None,
) -> None:
    """Return if ``signature`` is Twilio's for this URL and form; else ``SignatureRefused``.

    ``params`` is the whole form post (a ``MultiDict`` keeps repeated names, which Twilio
    signs too). Sizes are checked before any HMAC is computed over them.
    """
    _check_size(params)
    _check(auth_token, signed_url(public_url, path_and_query), params, signature)


def verify_json(
    auth_token: str,
    public_url: str,
    path_and_query: str,
    body: bytes,
    signature: str | None,
) -> None:
    """The JSON variant: Twilio signs the URL alone, whose ``bodySHA256`` covers the body."""
    if len(body) > MAX_JSON_BODY:
        raise PayloadTooLarge("the webhook body is too large")
    url = signed_url(public_url, path_and_query)
    query = urlsplit(url).query
    given = parse_qs(query, keep_blank_values=True).get("bodySHA256", [])
    _check(auth_token, url, {}, signature)
    if len(given) != 1 or not _BODY_SHA256.fullmatch(given[0]):
        raise SignatureRefused("bodySHA256 is missing from the signed URL")
    actual = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(actual.encode(), given[0].encode()):
        raise SignatureRefused("the body does not match bodySHA256")


def _check_size(params: Mapping[str, str]) -> None:
    pairs = list(params.items())
    if len(pairs) > MAX_PARAMS:
        raise PayloadTooLarge("the webhook has too many parameters")
    total = 0
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            # A file upload, or something no form post could carry: Twilio never signs one.
            raise SignatureRefused("the webhook carries a field Twilio does not send")
        total += len(name) + len(value)
    if total > MAX_PARAMS_CHARS:
        raise PayloadTooLarge("the webhook parameters are too large")


def _check(auth_token: str, url: str, params: Mapping[str, str], signature: str | None) -> None:
    if not signature:
        raise SignatureRefused(f"{SIGNATURE_HEADER} is missing")
    if not auth_token:
        # An empty HMAC key is one anybody can sign with.
        raise ConfigError("the voice account has no auth token")
    if len(signature) > MAX_SIGNATURE:
        raise SignatureRefused(f"{SIGNATURE_HEADER} does not match")
    given = signature.encode("utf-8", "surrogatepass")
    validator = RequestValidator(auth_token)
    matched = False
    for candidate in _port_variants(url):
        try:
            expected = str(validator.compute_signature(candidate, params)).encode()
        except (UnicodeError, TypeError):
            raise SignatureRefused(f"{SIGNATURE_HEADER} does not match") from None
        # Every variant is compared, so the time taken says nothing about which matched.
        matched |= hmac.compare_digest(expected, given)
    if not matched:
        raise SignatureRefused(f"{SIGNATURE_HEADER} does not match")


def _port_variants(url: str) -> tuple[str, ...]:
    """``url`` and, for a default port, the same with the port added or removed.

    The netloc is rewritten as text: re-serialising the whole URL could change the path
    or query (a trailing ``?`` disappears) and so the signed string.
    """
    parts = urlsplit(url)
    default = _DEFAULT_PORTS[parts.scheme]
    prefix = f"{parts.scheme}://{parts.netloc}"
    rest = url[len(prefix) :]
    port = parts.port  # checked by signed_url
    if port is None:
        return (url, f"{prefix}:{default}{rest}")
    if port == default:
        return (url, f"{prefix.rsplit(':', 1)[0]}{rest}")
    return (url,)
