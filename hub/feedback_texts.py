"""What the shopper reads when asked for feedback, in their language, on each channel.

The widget draws its own buttons from the pages' catalogue; these are the texts the hub
writes itself: the chat message (which channels without buttons receive), the e-mail, the
text message, and the thanks for a WeChat reply. Message ids are the English texts
(``hub.i18n``); ``link`` is the rating page, with the token in its fragment when it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.feedback_records import CSAT, SCALES
from hub.i18n import texts


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str


def question(kind: str, channel: str, language: str, *, store: str, link: str) -> str:
    """The question as a chat message: with the reply keyword on WeChat, the link elsewhere."""
    _ = texts(language).gettext
    if kind == CSAT:
        if channel == "webchat":
            return _("How would you rate your conversation with {store}?", store=store)
        if channel == "wechat":
            return _(
                "How would you rate your conversation with {store}? Reply with a number "
                "from 1 (poor) to 5 (excellent), or rate it here: {link}",
                store=store,
                link=link,
            )
        return _(
            "How would you rate your conversation with {store}? Rate it here: {link}",
            store=store,
            link=link,
        )
    if channel == "webchat":
        return _("How likely are you to recommend {store} to a friend or colleague?", store=store)
    if channel == "wechat":
        return _(
            "How likely are you to recommend {store} to a friend or colleague? Reply with a "
            "number from 0 (not at all likely) to 10 (extremely likely), or answer here: {link}",
            store=store,
            link=link,
        )
    return _(
        "How likely are you to recommend {store} to a friend or colleague? Answer here: {link}",
        store=store,
        link=link,
    )


def mail(kind: str, language: str, *, store: str, link: str) -> Mail:
    """The e-mail that asks: one link, the page shows the choices."""
    _ = texts(language).gettext
    if kind == CSAT:
        subject = _("How was your conversation with {store}?", store=store)
        lead = _(
            "Thank you for contacting {store}. How would you rate your conversation with us? "
            "It takes only a moment:",
            store=store,
        )
    else:
        subject = _("Your appointment at {store}: how did we do?", store=store)
        lead = _(
            "Thank you for your visit to {store}. How likely are you to recommend us to a "
            "friend or colleague? It takes only a moment:",
            store=store,
        )
    closing = _("Your opinion helps us serve you better.")
    body = "\n\n".join([_("Hello,"), lead, link, closing, store]) + "\n"
    return Mail(subject=subject, body=body)


def thanks(language: str) -> str:
    """The answer to a rating sent as a WeChat reply."""
    _ = texts(language).gettext
    return _("Thank you for your rating. We look forward to welcoming you again.")


def note(kind: str, score: int, comment: str | None) -> str:
    """The console's line for an answer; consoles draw it from the message's data in their
    own language, so this English text is only what plain-text readers (exports) see."""
    label = "Rated" if kind == CSAT else "Recommendation score"
    line = f"{label} {score}/{SCALES[kind][1]}"
    return f"{line} \u2014 \u201c{comment}\u201d" if comment else line
