"""Outbound e-mail through a durable outbox.

``compose`` builds the message (hub Message-ID, Date, Auto-Submitted); ``enqueue`` stores it
in the caller's transaction; after the commit, ``schedule`` hands its id to the job runner,
which delivers it through ``HUB_SMTP_RELAY`` with retries (``hub.mail.delivery``). Without a
relay, mails stay queued until one is configured.
"""

from hub.mail.message import compose
from hub.mail.outbox import enqueue, schedule, send

__all__ = ["compose", "enqueue", "schedule", "send"]
