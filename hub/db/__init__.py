"""Persistence: models, engine and migrations runner.

Every model module is imported here so every mapper is registered, whichever one a
caller imports first.
"""

from hub.db import (
    admin_models,
    attention_models,
    booking_models,
    canned_models,
    change_models,
    channel_models,
    clienteling_models,
    feedback_models,
    jobs_models,
    models,
    profile_models,
    staff_models,
    voice_models,
)

__all__ = [
    "admin_models",
    "attention_models",
    "booking_models",
    "canned_models",
    "change_models",
    "channel_models",
    "clienteling_models",
    "feedback_models",
    "jobs_models",
    "models",
    "profile_models",
    "staff_models",
    "voice_models",
]
