"""Settings read once from the environment into a frozen object.

A missing or malformed value fails at start with its variable name, so an operator
learns about a typo before the first shopper does.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from hub.errors import ConfigError
from hub.security.forwarded import BadProxyList, Network, parse_networks

# Waiting thresholds an operator may tune, each read from HUB_<NAME>_SECONDS.
ROUTING_THRESHOLDS = (
    "preferred_wait",
    "relax_skills_after",
    "relax_language_after",
    "overflow_region_after",
    "overflow_service_centre_after",
)
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///concierge.db"
DEFAULT_MAIL_FROM = "Concierge <concierge@localhost>"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Secret:
    """Holds a string value that should not be revealed in tracebacks, reprs or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)


def split_host_port(raw: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:25`` for IPv6) into its parts; ValueError when malformed."""
    host, sep, port = raw.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not host:port: {raw!r}")
    return host, int(port)


def origin_of(url: str) -> str:
    """The scheme://host[:port] a browser sends in its Origin header for this URL."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an absolute URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _event_loop(value: str) -> str:
    loop = value.strip().lower() or "uvloop"
    if loop not in ("uvloop", "asyncio"):
        raise ConfigError(f"HUB_EVENT_LOOP must be 'uvloop' or 'asyncio', not {value!r}")
    return loop


def _video_template(value: str) -> str:
    if "{room}" not in value or not value.startswith(("https://", "http://")):
        raise ConfigError(
            "HUB_VIDEO_URL_TEMPLATE must be an http(s) URL containing {room}, "
            "e.g. https://meet.example.com/{room}"
        )
    return value


def _minutes_list(value: str) -> tuple[int, ...]:
    try:
        minutes = tuple(
            sorted({int(item) for item in value.split(",") if item.strip()}, reverse=True)
        )
    except ValueError:
        raise ConfigError(
            f"HUB_REMINDER_MINUTES must be whole minutes separated by commas, not {value!r}"
        ) from None
    if any(m <= 0 for m in minutes):
        raise ConfigError("HUB_REMINDER_MINUTES must be positive minutes before the start")
    return minutes


WEIGHTED_CHANNELS = ("webchat", "wechat", "email", "voice")


def _channel_weights(raw: str) -> tuple[tuple[str, float | None], ...]:
    """``voice=full,email=0.5``: a channel's share of an ambassador's capacity."""
    found: list[tuple[str, float | None]] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        channel, _sep, value = (piece.strip() for piece in item.partition("="))
        if channel not in WEIGHTED_CHANNELS:
            raise ConfigError(
                f"HUB_CHANNEL_WEIGHTS: {channel!r} is not one of {', '.join(WEIGHTED_CHANNELS)}"
            )
        if value == "full":
            found.append((channel, None))
            continue
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not 0 < weight <= 100:
            raise ConfigError(
                f"HUB_CHANNEL_WEIGHTS: {channel} takes a positive number or 'full', not {value!r}"
            )
        found.append((channel, weight))
    return tuple(found)


@dataclass(frozen=True)
class Settings:
    """Everything the hub reads from its environment, cast and validated."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    secret_key: Secret = field(default_factory=lambda: Secret(secrets.token_urlsafe(32)))
    public_url: str = "http://127.0.0.1:8080"
    smtp_port: int | None = None  # the inbound mail listener; unset: off
    smtp_host: str = "127.0.0.1"  # the address it listens on
    email_max_bytes: int = 25 * 1024 * 1024  # a larger mail is refused at SMTP time
    # Shared secret of POST /email/inbound (HMAC-SHA256 of timestamp and body); unset: off.
    email_webhook_secret: Secret | None = None
    # authserv-ids whose Authentication-Results (dmarc=pass) prove a sender's address: the
    # hub's own receiving servers, never a header anyone could add.
    email_trusted_authserv: tuple[str, ...] = ()
    smtp_relay: str | None = None  # host:port of the outbound relay; unset: mails wait
    smtp_username: str | None = None
    smtp_password: Secret | None = None
    smtp_starttls: bool | None = None  # None: upgrade when the relay offers STARTTLS
    mail_from: str = DEFAULT_MAIL_FROM
    wechat_api_base: str = "https://api.weixin.qq.com"
    # The voice provider's REST API (Twilio's); tests point it at a local fake.
    voice_api_base: str = "https://api.twilio.com"
    # How long an ambassador's phone rings for an incoming call before voicemail.
    voice_ring_seconds: int = 20
    # Callbacks: tries before giving up, the wait after an unanswered try, and their
    # routing priority (a chat of a standard client is 1, a VIP's 2).
    callback_max_attempts: int = 3
    callback_retry_minutes: float = 30.0
    callback_priority: int = 2
    log_format: str = "console"
    log_level: str = "INFO"
    allowed_origins: tuple[str, ...] = ()
    offer_timeout_seconds: float = 30.0
    disconnect_grace_seconds: float = 30.0
    # Routing thresholds (seconds of waiting); see routing.config.RoutingConfig.
    routing_seconds: tuple[tuple[str, float], ...] = ()
    # How much of an ambassador's capacity one conversation of a channel takes; None: all
    # of it (a call). Only the channels named in HUB_CHANNEL_WEIGHTS; the rest keep the
    # routing defaults.
    channel_weights: tuple[tuple[str, float | None], ...] = ()
    redis_prefix: str = "concierge:"
    # Routing's reconciliation, in every web process (so that one killed outright leaves
    # nothing stuck): how often it beats and expires offers whose maker died; how long
    # without a beat until a process's consoles count as disconnected (at least two
    # beats); how often it queues conversations waiting in the database that routing
    # never heard of.
    routing_reconcile_seconds: float = 1.0
    routing_process_timeout_seconds: float = 10.0
    routing_unrouted_check_seconds: float = 3.0
    # How often each web process reads the change feed (changes made by other processes).
    change_poll_seconds: float = 1.0
    # The privacy notice in force, recorded with every consent a shopper gives.
    privacy_policy_version: str = "2026-01"
    # Booking: where a virtual appointment's video room lives ({room}: an unguessable
    # name), how long a slot is held while the shopper fills in the form, and when
    # reminders go out (minutes before the start).
    video_url_template: str = "https://meet.jit.si/concierge-{room}"
    hold_minutes: float = 10.0
    reminder_minutes: tuple[int, ...] = (24 * 60, 60)
    # Anonymous endpoints (visitors, booking), per client address.
    anonymous_per_minute: float = 30.0
    anonymous_burst: int = 20
    # Sign-ins per client address, and a web shopper's messages per visitor.
    login_per_minute: float = 10.0
    login_burst: int = 10
    visitor_messages_per_minute: float = 60.0
    visitor_messages_burst: int = 30
    # Load balancers whose X-Forwarded-For is believed (addresses or networks); without
    # them every request behind a proxy has the proxy's address.
    trusted_proxies: tuple[Network, ...] = ()
    max_body_bytes: int = 64 * 1024
    # Web chat uploads (hub.attachment_store): where the files live (every web process
    # must see the same directory) and the largest file accepted.
    attachments_dir: Path = Path("attachments")
    attachment_max_bytes: int = 10 * 1024 * 1024
    session_ttl_seconds: int = 12 * 3600
    # How long a staff invitation's link works (hub.invitations).
    invitation_hours: float = 72.0
    vendor_dir: Path = PROJECT_ROOT / "node_modules"
    secret_key_is_ephemeral: bool = False
    # The ``process`` label on /metrics; unset: ``hostname:pid``.
    process_name: str | None = None
    # ``hub serve``'s event loop: ``asyncio`` (the default) or ``uvloop`` (see docs/deploy.md).
    event_loop: str = "uvloop"
    # SIGTERM: how long draining may take (acks, hang-up, in-flight writes, runners).
    shutdown_grace_seconds: float = 10.0
    # Insights: a conversation no ambassador answered counts as abandoned once its last
    # message is this old (or it was closed); see docs/insights.md.
    abandon_minutes: float = 30.0

    @property
    def own_origin(self) -> str:
        return origin_of(self.public_url)

    @property
    def redis_enabled(self) -> bool:
        return self.redis_url is not None

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        reader = _Reader(env)
        secret = env.get("HUB_SECRET_KEY")
        if secret is not None and len(secret) < 32:
            raise ConfigError("HUB_SECRET_KEY must be at least 32 characters")
        log_format = env.get("HUB_LOG_FORMAT", "console")
        if log_format not in ("json", "console"):
            raise ConfigError(f"HUB_LOG_FORMAT must be 'json' or 'console', not {log_format!r}")
        public_url = reader.url("HUB_PUBLIC_URL", "http://127.0.0.1:8080")
        reconcile = reader.positive_float("HUB_ROUTING_RECONCILE_SECONDS", 1.0)
        process_timeout = reader.positive_float("HUB_ROUTING_PROCESS_TIMEOUT_SECONDS", 10.0)
        if process_timeout < 2 * reconcile:
            raise ConfigError(
                "HUB_ROUTING_PROCESS_TIMEOUT_SECONDS must be at least twice "
                "HUB_ROUTING_RECONCILE_SECONDS (one late beat must not look like a dead process)"
            )
        origins = tuple(
            reader.origin("HUB_ALLOWED_ORIGINS", item)
            for item in env.get("HUB_ALLOWED_ORIGINS", "").split(",")
            if item.strip()
        )
        return cls(
            database_url=env.get("HUB_DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=env.get("HUB_REDIS_URL") or None,
            secret_key=Secret(secret) if secret else Secret(secrets.token_urlsafe(32)),
            secret_key_is_ephemeral=secret is None,
            public_url=public_url.rstrip("/"),
            smtp_port=reader.optional_int("HUB_SMTP_PORT"),
            smtp_host=env.get("HUB_SMTP_HOST", "127.0.0.1").strip() or "127.0.0.1",
            email_max_bytes=reader.optional_int("HUB_EMAIL_MAX_BYTES") or 25 * 1024 * 1024,
            email_webhook_secret=reader.secret("HUB_EMAIL_WEBHOOK_SECRET"),
            email_trusted_authserv=tuple(
                item.strip().lower()
                for item in env.get("HUB_EMAIL_TRUSTED_AUTHSERV", "").split(",")
                if item.strip()
            ),
            smtp_relay=reader.host_port("HUB_SMTP_RELAY"),
            smtp_username=env.get("HUB_SMTP_USERNAME") or None,
            smtp_password=reader.secret("HUB_SMTP_PASSWORD"),
            smtp_starttls=reader.optional_bool("HUB_SMTP_STARTTLS"),
            mail_from=reader.mailbox("HUB_MAIL_FROM", DEFAULT_MAIL_FROM),
            wechat_api_base=reader.url("HUB_WECHAT_API_BASE", "https://api.weixin.qq.com"),
            voice_api_base=reader.url("HUB_VOICE_API_BASE", "https://api.twilio.com").rstrip("/"),
            voice_ring_seconds=reader.optional_int("HUB_VOICE_RING_SECONDS") or 20,
            callback_max_attempts=reader.optional_int("HUB_CALLBACK_MAX_ATTEMPTS") or 3,
            callback_retry_minutes=reader.positive_float("HUB_CALLBACK_RETRY_MINUTES", 30.0),
            callback_priority=reader.optional_int("HUB_CALLBACK_PRIORITY") or 2,
            log_format=log_format,
            log_level=env.get("HUB_LOG_LEVEL", "INFO").upper(),
            allowed_origins=origins,
            offer_timeout_seconds=reader.positive_float("HUB_OFFER_TIMEOUT_SECONDS", 30.0),
            disconnect_grace_seconds=reader.positive_float("HUB_DISCONNECT_GRACE_SECONDS", 30.0),
            channel_weights=_channel_weights(env.get("HUB_CHANNEL_WEIGHTS", "")),
            routing_seconds=tuple(
                (field, reader.positive_float(f"HUB_{field.upper()}_SECONDS", 0.0))
                for field in ROUTING_THRESHOLDS
                if env.get(f"HUB_{field.upper()}_SECONDS")
            ),
            redis_prefix=env.get("HUB_REDIS_PREFIX", "concierge:"),
            routing_reconcile_seconds=reconcile,
            routing_process_timeout_seconds=process_timeout,
            routing_unrouted_check_seconds=reader.positive_float(
                "HUB_ROUTING_UNROUTED_CHECK_SECONDS", 3.0
            ),
            change_poll_seconds=reader.positive_float("HUB_CHANGE_POLL_SECONDS", 1.0),
            privacy_policy_version=env.get("HUB_PRIVACY_POLICY_VERSION", "2026-01")[:32],
            video_url_template=_video_template(
                env.get("HUB_VIDEO_URL_TEMPLATE", "https://meet.jit.si/concierge-{room}")
            ),
            hold_minutes=reader.positive_float("HUB_HOLD_MINUTES", 10.0),
            reminder_minutes=_minutes_list(env.get("HUB_REMINDER_MINUTES", "1440,60")),
            anonymous_per_minute=reader.positive_float("HUB_ANONYMOUS_PER_MINUTE", 30.0),
            anonymous_burst=reader.optional_int("HUB_ANONYMOUS_BURST") or 20,
            login_per_minute=reader.positive_float("HUB_LOGIN_PER_MINUTE", 10.0),
            login_burst=reader.optional_int("HUB_LOGIN_BURST") or 10,
            visitor_messages_per_minute=reader.positive_float(
                "HUB_VISITOR_MESSAGES_PER_MINUTE", 60.0
            ),
            visitor_messages_burst=reader.optional_int("HUB_VISITOR_MESSAGES_BURST") or 30,
            trusted_proxies=_trusted_proxies(env.get("HUB_TRUSTED_PROXIES", "")),
            max_body_bytes=reader.optional_int("HUB_MAX_BODY_BYTES") or 64 * 1024,
            attachments_dir=Path(env.get("HUB_ATTACHMENTS_DIR") or "attachments"),
            attachment_max_bytes=reader.optional_int("HUB_ATTACHMENT_MAX_BYTES")
            or 10 * 1024 * 1024,
            invitation_hours=reader.positive_float("HUB_INVITATION_HOURS", 72.0),
            vendor_dir=Path(env.get("HUB_VENDOR_DIR", str(PROJECT_ROOT / "node_modules"))),
            process_name=(env.get("HUB_PROCESS_NAME") or "").strip()[:128] or None,
            event_loop=_event_loop(env.get("HUB_EVENT_LOOP", "uvloop")),
            shutdown_grace_seconds=reader.positive_float("HUB_SHUTDOWN_GRACE_SECONDS", 10.0),
            abandon_minutes=reader.positive_float("HUB_ABANDON_MINUTES", 30.0),
        )


def _trusted_proxies(raw: str) -> tuple[Network, ...]:
    try:
        return parse_networks(raw.split(","))
    except BadProxyList as exc:
        raise ConfigError(f"HUB_TRUSTED_PROXIES: {exc}") from None


class _Reader:
    """Casts environment values, naming the variable in every failure."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def optional_int(self, name: str) -> int | None:
        raw = self.env.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be an integer, not {raw!r}") from None
        if value <= 0:
            raise ConfigError(f"{name} must be positive")
        return value

    def positive_float(self, name: str, default: float) -> float:
        raw = self.env.get(name)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {raw!r}") from None
        if value <= 0:
            raise ConfigError(f"{name} must be positive")
        return value

    def host_port(self, name: str) -> str | None:
        raw = (self.env.get(name) or "").strip()
        if not raw:
            return None
        try:
            split_host_port(raw)
        except ValueError:
            raise ConfigError(f"{name} must be host:port, like smtp.example.com:587") from None
        return raw

    def optional_bool(self, name: str) -> bool | None:
        raw = (self.env.get(name) or "").strip().lower()
        if raw in ("", "auto"):
            return None
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true, false or auto, not {raw!r}")

    def secret(self, name: str) -> Secret | None:
        raw = self.env.get(name)
        return Secret(raw) if raw else None

    def mailbox(self, name: str, default: str) -> str:
        raw = (self.env.get(name) or default).strip()
        _display, address = parseaddr(raw)
        if "@" not in address or any(c in raw for c in "\r\n"):
            raise ConfigError(f"{name} must be an address like 'Concierge <hub@example.com>'")
        return raw

    def url(self, name: str, default: str) -> str:
        raw = self.env.get(name) or default
        try:
            origin_of(raw)
        except ValueError:
            raise ConfigError(f"{name} must be an absolute http(s) URL, not {raw!r}") from None
        return raw

    def origin(self, name: str, raw: str) -> str:
        try:
            return origin_of(raw.strip())
        except ValueError:
            raise ConfigError(
                f"{name}: {raw.strip()!r} is not an origin like https://shop.example"
            ) from None
