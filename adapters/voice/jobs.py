"""The voice channel's job kinds, for ``hub.jobs.registry``."""

from __future__ import annotations

from adapters.voice.media import MEDIA_KIND

KINDS = (MEDIA_KIND,)
