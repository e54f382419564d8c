"""Languages of the hub's faces: which language a shopper or ambassador gets, the gettext
catalogues of the server's texts (e-mails, WeChat and SMS texts, system messages), and
locale-aware dates, numbers and prices.

The pages have their own JSON catalogues (``hub/web/static/i18n``) and format with
``Intl``; both sides agree on the language tags listed in ``hub.i18n.languages``.
"""

from hub.i18n.catalogues import N_, Texts, texts
from hub.i18n.languages import (
    CONSOLE_LANGUAGES,
    DEFAULT_LANGUAGE,
    SHOPPER_LANGUAGES,
    choose,
    direction,
    supported,
)

__all__ = [
    "CONSOLE_LANGUAGES",
    "DEFAULT_LANGUAGE",
    "N_",
    "SHOPPER_LANGUAGES",
    "Texts",
    "choose",
    "direction",
    "supported",
    "texts",
]
