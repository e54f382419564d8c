"""The rating page's API: a link's token is the only credential.

``POST /api/feedback/lookup {token}`` → ``{kind, scale, store, language, answered, answer}``;
``POST /api/feedback {token, score, comment?}`` → ``{kind, score, comment, answered_at}``.
An unknown token answers ``404``, a second answer ``409 already_answered``, an answer more
than 30 days after the question ``410 feedback_expired``. Both are public: rate-limited per
client address, with a small body. The token travels in the body, never in a URL.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.requests import client_address, json_body
from hub.feedback_answers import Answers
from hub.messages import iso
from hub.openapi import errors, operation, ref
from hub.openapi.schemas import BOOLEAN, DATE_TIME, INTEGER, STRING, enum, nullable, obj
from hub.services import services

FEEDBACK = web.AppKey("feedback", Answers)
# A token, a score and a comment of at most 1000 characters (4 bytes each in UTF-8).
BODY_LIMIT = 6 * 1024


KIND = enum("csat", "nps")
FAILURES = errors(404, 409, 410)


async def _body(request: web.Request) -> dict[str, Any]:
    services(request).limits.anonymous.hit(f"feedback:{client_address(request)}")
    return await json_body(request, limit=BODY_LIMIT)


@operation(
    summary="What a rating link asks (the rating page, before the shopper chooses)",
    tag="feedback",
    limited=True,
    request=obj({"token": STRING}),
    responses={
        200: obj(
            {
                "kind": KIND,
                "scale": {"type": "array", "items": INTEGER, "minItems": 2, "maxItems": 2},
                "store": nullable(STRING),
                "language": nullable(STRING),
                "answered": BOOLEAN,
                "answer": nullable(ref("FeedbackAnswer")),
            }
        ),
        **FAILURES,
    },
    operation_id="look_up_feedback",
)
async def lookup(request: web.Request) -> web.Response:
    body = await _body(request)
    return web.json_response(await request.app[FEEDBACK].lookup(body.get("token")))


@operation(
    summary="Answer a rating link: a score and maybe a comment",
    tag="feedback",
    limited=True,
    request=obj({"token": STRING, "score": INTEGER}, {"comment": nullable(STRING)}),
    responses={
        200: obj(
            {"kind": KIND, "score": INTEGER, "comment": nullable(STRING), "answered_at": DATE_TIME}
        ),
        **FAILURES,
    },
    operation_id="answer_feedback",
)
async def answer(request: web.Request) -> web.Response:
    body = await _body(request)
    row = await request.app[FEEDBACK].from_link(
        body.get("token"), body.get("score"), body.get("comment")
    )
    return web.json_response(
        {
            "kind": row.kind,
            "score": row.score,
            "comment": row.comment,
            "answered_at": iso(row.answered_at),
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/feedback/lookup", lookup)
    app.router.add_post("/api/feedback", answer)
