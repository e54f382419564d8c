"""The hub's error tree; one place turns each into an HTTP response or a socket ack.

HubError
├── ConfigError            bad settings, fails the process at start
├── InvalidInput (400)     a field is missing or malformed; names the field
├── Unauthorized (401)     no or bad credentials
├── Forbidden (403)        authenticated, but not allowed (e.g. bad CSRF token)
├── NotFound (404)         does not exist, or is outside the caller's stores
├── Conflict (409)         the state moved on (offer taken, slot booked)
├── Gone (410)             no longer possible (an appointment that has passed)
├── PayloadTooLarge (413)
└── RateLimited (429)
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def as_payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        body.update(self.details)
        return {"error": body}


class ConfigError(HubError):
    code = "config_error"


class InvalidInput(HubError):
    status = 400
    code = "invalid_input"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, field=field)
        self.field = field


class Unauthorized(HubError):
    status = 401
    code = "unauthorized"


class Forbidden(HubError):
    status = 403
    code = "forbidden"


class NotFound(HubError):
    status = 404
    code = "not_found"


class Conflict(HubError):
    status = 409
    code = "conflict"


class Gone(HubError):
    status = 410
    code = "gone"


class PayloadTooLarge(HubError):
    status = 413
    code = "payload_too_large"


class RateLimited(HubError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many requests, slow down", retry_after=round(retry_after, 1))
        self.retry_after = retry_after
