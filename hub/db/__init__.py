"""Persistence: models, engine and migrations runner.

Every model module is imported here so every mapper is registered, whichever one a
caller imports first.
"""

from hub.db import change_models, jobs_models, models, profile_models

__all__ = ["change_models", "jobs_models", "models", "profile_models"]
