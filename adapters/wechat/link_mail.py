"""The e-mail with the one-time code that connects a WeChat user to a client profile,
written in the language of the page that asked for it (the phone's, in WeChat)."""

from __future__ import annotations

import math
from datetime import timedelta

from hub.i18n import Texts


def code_mail(t: Texts, code: str, left: timedelta) -> tuple[str, str]:
    """Subject and text; ``left`` is how long the link (and so the code) still works."""
    minutes = max(1, math.ceil(left.total_seconds() / 60))
    text = "\n\n".join(
        [
            t.gettext("Hello,"),
            t.gettext(
                "Someone, we hope you, asked to connect a WeChat account to the Concierge "
                "client profile of this e-mail address. To confirm, enter this code on the "
                "page open in WeChat:"
            ),
            f"    {code}",
            t.ngettext(
                "It works for the next {count} minute.",
                "It works for the next {count} minutes.",
                minutes,
            ),
            t.gettext("Never give this code to anyone: our ambassadors will never ask you for it."),
            t.gettext("If you did not ask for it, please ignore this e-mail: nothing will change."),
        ]
    )
    return t.gettext("Your Concierge code to connect WeChat"), text + "\n"
