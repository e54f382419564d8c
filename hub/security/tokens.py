"""Bearer tokens for staff sessions and signed tokens for anonymous web visitors.

Session tokens are 256 random bits; only their SHA-256 is stored, so a database leak
does not hand out live sessions. Visitor tokens carry a random 128-bit visitor id and
an HMAC, so they need no table and cannot be forged or guessed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from hub.errors import Unauthorized

VISITOR_PREFIX = "v1"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


class VisitorTokens:
    """Issues and checks ``v1.<visitor id>.<mac>`` tokens signed with the hub's secret."""

    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(secret_key.encode(), b"concierge/visitor-token", "sha256").digest()

    def _mac(self, visitor_id: str) -> str:
        mac = hmac.new(self._key, f"{VISITOR_PREFIX}.{visitor_id}".encode(), "sha256").digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def issue(self) -> tuple[str, str]:
        visitor_id = secrets.token_hex(16)
        return visitor_id, f"{VISITOR_PREFIX}.{visitor_id}.{self._mac(visitor_id)}"

    def verify(self, token: object) -> str:
        """The visitor id inside a valid token; Unauthorized for anything else."""
        if not isinstance(token, str) or len(token) > 200:
            raise Unauthorized("invalid visitor token")
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != VISITOR_PREFIX or len(parts[1]) != 32:
            raise Unauthorized("invalid visitor token")
        if not hmac.compare_digest(parts[2], self._mac(parts[1])):
            raise Unauthorized("invalid visitor token")
        return parts[1]


PROOF_PREFIX = "c1"


class ConversationProofs:
    """``c1.<expiry>.<mac>``: proof that whoever holds it was sent a link in one conversation.

    A web shopper proves their conversation with the visitor token in their browser; a
    WeChat or e-mail client opens the booking page from a link instead, in a browser that
    holds nothing. The link carries this proof (in its fragment, so no server logs it).
    """

    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(
            secret_key.encode(), b"concierge/conversation-proof", "sha256"
        ).digest()

    def _mac(self, conversation_id: str, expires: int) -> str:
        message = f"{PROOF_PREFIX}.{conversation_id}.{expires}".encode()
        mac = hmac.new(self._key, message, "sha256").digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def issue(self, conversation_id: str, expires: datetime) -> str:
        seconds = int(expires.timestamp())
        return f"{PROOF_PREFIX}.{seconds}.{self._mac(conversation_id, seconds)}"

    def proves(self, conversation_id: str, proof: object, now: datetime) -> bool:
        if not isinstance(proof, str) or len(proof) > 120:
            return False
        parts = proof.split(".")
        if len(parts) != 3 or parts[0] != PROOF_PREFIX or not parts[1].isdigit():
            return False
        if datetime.fromtimestamp(int(parts[1]), UTC) <= now:
            return False
        return hmac.compare_digest(parts[2], self._mac(conversation_id, int(parts[1])))
