"""Step one of connecting a WeChat user to a profile: the round trip through WeChat's
authorize page.

Our own start page sets a nonce in a cookie of the browser, then sends it to WeChat with
a ``state`` that is an HMAC of the account, the time and that nonce; so an OAuth code can
come back only to the browser that asked for it. (A state not bound to the browser would
let anyone hand a victim a link that finishes *their own* OAuth, and have the victim's
e-mail connect the attacker's WeChat.)
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from adapters.wechat.account import WechatAccount
from hub.errors import InvalidInput

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
STATE_TTL = timedelta(minutes=10)
STATE_SKEW = timedelta(minutes=1)  # another web process' clock may run a little ahead
_STATE = re.compile(r"^([0-9]{1,12})x([0-9a-f]{64})$", re.ASCII)


def link_path(account_name: str) -> str:
    """Where WeChat sends the browser back with the code (the OAuth ``redirect_uri``)."""
    return f"/wechat/{account_name}/link"


def start_url(public_url: str, account_name: str) -> str:
    """The link an ambassador sends: our page that sets the nonce, then goes to WeChat."""
    return f"{public_url.rstrip('/')}{link_path(account_name)}/start"


def authorize_url(account: WechatAccount, public_url: str, state: str) -> str:
    """WeChat's web authorize page (snsapi_base: silent, openid only). WeChat reads the
    parameters in this order, and the fragment must be there."""
    redirect = f"{public_url.rstrip('/')}{link_path(account.name)}"
    query = urlencode(
        {
            "appid": account.app_id,
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        },
        quote_via=quote,
    )
    return f"{AUTHORIZE_URL}?{query}#wechat_redirect"


def _state_mac(secret: str, account_name: str, nonce: str, issued: int) -> str:
    key = hmac.new(secret.encode(), b"concierge/wechat-link-state", "sha256").digest()
    message = f"{account_name}\n{issued}\n{nonce}".encode()
    return hmac.new(key, message, "sha256").hexdigest()


def new_state(secret: str, account_name: str, nonce: str, now: datetime) -> str:
    """``state`` for the authorize URL, bound to the account, the time and the browser."""
    issued = int(now.timestamp())
    return f"{issued}x{_state_mac(secret, account_name, nonce, issued)}"


def check_state(
    secret: str, account_name: str, nonce: str | None, state: object, now: datetime
) -> None:
    """Refuse a forged state, one from another browser (no or another nonce) or an old one."""
    found = _STATE.match(state) if isinstance(state, str) else None
    if found is None or not nonce:
        raise _bad_state()
    issued = int(found.group(1))
    expected = _state_mac(secret, account_name, nonce, issued)
    if not hmac.compare_digest(found.group(2).encode(), expected.encode()):
        raise _bad_state()
    age = now.timestamp() - issued
    if age > STATE_TTL.total_seconds() or age < -STATE_SKEW.total_seconds():
        raise InvalidInput(
            "state",
            "This sign-in took too long. Open the link again from the WeChat chat.",
            code="state_expired",
        )


def _bad_state() -> InvalidInput:
    return InvalidInput(
        "state",
        "This sign-in did not start here. Open the link again from the WeChat chat, in WeChat.",
        code="invalid_state",
    )
