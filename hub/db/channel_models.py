"""Channel tables: accounts of external channels, what arrived before it was processed,
what is to be sent, and files that came with messages.

The inbound spool and the outbox make the channel edges durable: a callback is answered
only once its payload is a row (so a crash after the answer loses nothing), and a reply
is a row before it is a job (so a lost queue loses nothing either).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.jobs_models import DeliveryState
from hub.db.models import Base, new_id
from hub.db.types import JSONType, UTCDateTime


class WechatAccountRow(Base):
    """One Official Account (one per market); ``name`` is its callback path segment."""

    __tablename__ = "wechat_accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    app_id: Mapped[str] = mapped_column(String(64), unique=True)
    app_secret: Mapped[str] = mapped_column(String(128))
    token: Mapped[str] = mapped_column(String(64))
    aes_key: Mapped[str] = mapped_column(String(43))
    # The server configuration's message encryption: safe (encrypted only: a plaintext
    # callback, whose signature does not cover the body, is refused), compatible, plain.
    mode: Mapped[str] = mapped_column(String(16), default="safe")
    # Conversations that name no store (no scene) open in this store.
    store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id", ondelete="SET NULL"))
    # Sent on ``subscribe`` when set.
    welcome_text: Mapped[str | None] = mapped_column(Text)
    # Template messages per purpose: {"appointment_booked": {"template_id": "...",
    # "fields": {"first": "{title}", "keyword1": "{start}"}, "url": "{manage_url}"}}.
    templates: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # the secrets never reach a log through a repr
        return f"WechatAccountRow(name={self.name!r}, app_id={self.app_id!r})"


class WechatUser(Base):
    """A follower of one account: the 48-hour window, subscription, nickname, scene."""

    __tablename__ = "wechat_users"
    # An openid is issued per account already; unique on its own.

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("wechat_accounts.id", ondelete="CASCADE"))
    openid: Mapped[str] = mapped_column(String(128), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(128), index=True)
    nickname: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # WeChat accepts customer-service messages until 48 hours after this.
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The store a scanned QR code named: new conversations open there.
    store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id", ondelete="SET NULL"))
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The follower's WeChat language as WeChat gives it ("zh_CN", "zh_TW", "en"): the
    # hint after their profile's language, before the store's (hub.shopper_texts).
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundSpool(DeliveryState, Base):
    """A channel callback as it arrived (normalised), stored before the channel is answered.

    ``dedupe_key`` is unique: a channel's retry of the same message finds the row and is
    answered without storing anything. ``status`` sent means processed into the inbox.
    """

    __tablename__ = "inbound_spool"
    __table_args__ = (
        Index("ix_inbound_spool_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str | None] = mapped_column(String(36))
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The channel's bytes as received, when they are not JSON (a whole e-mail).
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelOutbox(DeliveryState, Base):
    """One outbound message for a channel other than e-mail, stored before it is sent.

    ``message_id`` is the timeline message it delivers (its delivery status follows this
    row); notices with no timeline message (a template reminder) carry a ``ref`` instead.
    """

    __tablename__ = "channel_outbox"
    __table_args__ = (
        Index("ix_channel_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_channel_outbox_ref_kind_ref_id", "ref_kind", "ref_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str | None] = mapped_column(String(36))
    recipient: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(16))  # text | template
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    message_id: Mapped[str | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    ref_kind: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(64))


class Attachment(DeliveryState, Base):
    """A file that came with a message: an image, a voice note, a mail attachment.

    Channels that hand over only a media id (WeChat) store the row first and fetch the
    bytes in a job: ``status`` queued until ``data`` is there (sent) or given up (failed).
    The bytes are served only as downloads, never rendered as the page's own content.

    A web chat upload (hub.attachment_uploads) is a file on disk under ``storage_key``
    instead of ``data``; it is *pending* (no ``message_id``) until its uploader sends the
    message that carries it, and belongs to that uploader (and, for staff, conversation).
    """

    __tablename__ = "attachments"
    # An uploader's pending files are counted before each upload (hub.attachment_uploads).
    __table_args__ = (
        Index("ix_attachments_uploader_kind_uploader_id", "uploader_kind", "uploader_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    message_id: Mapped[str | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # image | voice | video | file
    content_type: Mapped[str | None] = mapped_column(String(127))
    filename: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Where to fetch it from: {"account_id": ..., "media_id": ...} for WeChat.
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # The file's key in the attachment store (hub.attachment_store); None: bytes in ``data``.
    storage_key: Mapped[str | None] = mapped_column(String(64))
    # Who uploaded it: ``visitor`` (a visitor id) or ``staff`` (a staff id).
    uploader_kind: Mapped[str | None] = mapped_column(String(16))
    uploader_id: Mapped[str | None] = mapped_column(String(64))
    # A staff upload's conversation, fixed at upload time.
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )


class DiscardedFile(Base):
    """A stored file whose attachment row is gone (swept, erased with its customer, its
    message deleted): a database trigger records the key in the deleting transaction, so no
    way of deleting rows leaves a shopper's file on disk; ``attachment_file`` deletes it."""

    __tablename__ = "discarded_files"

    storage_key: Mapped[str] = mapped_column(String(64), primary_key=True)


class WechatLink(Base):
    """A WeChat user connecting their WeChat to an existing profile.

    Started by the OAuth (``snsapi_base``) redirect, which proves the openid; finished
    when they also prove an e-mail address with a one-time code. Only hashes of the
    browser's token and of the code are stored.
    """

    __tablename__ = "wechat_links"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("wechat_accounts.id", ondelete="CASCADE"))
    openid: Mapped[str] = mapped_column(String(128), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Mailbox(Base):
    """An address the hub receives mail for (``paris@…``, ``concierge@…``), and answers from."""

    __tablename__ = "mailboxes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    display_name: Mapped[str | None] = mapped_column(String(200))
    # Appended to every reply sent from this address.
    signature: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmailThread(Base):
    """The e-mail side of a conversation: which mailbox it is on, and the token of its
    reply address (``concierge+<token>@…``), so a reply finds it even without headers."""

    __tablename__ = "email_threads"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    # None: the hub's own sender (HUB_MAIL_FROM), for a store with no mailbox yet.
    mailbox_id: Mapped[str | None] = mapped_column(ForeignKey("mailboxes.id", ondelete="SET NULL"))
    token: Mapped[str] = mapped_column(String(32), unique=True)
    subject: Mapped[str | None] = mapped_column(String(998))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmailMessageId(Base):
    """Every Message-ID the hub received or sent, and its conversation: ``In-Reply-To`` and
    ``References`` of a new mail are looked up here."""

    __tablename__ = "email_message_ids"

    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    hub_message_id: Mapped[str | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VoiceAccount(Base):
    """A phone number of a store at a voice provider (Twilio-compatible): its webhooks are
    checked with this account's auth token."""

    __tablename__ = "voice_accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(16))  # twilio
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    account_sid: Mapped[str] = mapped_column(String(34))
    auth_token: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # the token never reaches a log through a repr
        return f"VoiceAccount(number={self.number!r}, account_sid={self.account_sid!r})"
