"""Persistence: models, engine and migrations runner.

Both model modules are imported here so every mapper is registered, whichever one a
caller imports first.
"""

from hub.db import models, profile_models

__all__ = ["models", "profile_models"]
