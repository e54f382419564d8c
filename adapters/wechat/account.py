"""One Official Account's credentials, as the adapter's parts need them.

Loaded from the ``wechat_accounts`` table; the secrets never appear in a repr, a log
line or an error message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WechatAccount:
    """``name`` is the path segment of the callback URL (``/wechat/{name}``)."""

    id: str
    name: str
    app_id: str
    app_secret: str = field(repr=False)
    token: str = field(repr=False)
    aes_key: str = field(repr=False)  # EncodingAESKey: 43 characters of base64
    store_code: str | None = None
    mode: str = "safe"  # safe | compatible | plain: safe refuses plaintext callbacks
    welcome_text: str | None = None
    # Template messages by purpose (see ``adapters.wechat.accounts.PURPOSES``).
    templates: dict[str, Any] = field(default_factory=dict, compare=False)
