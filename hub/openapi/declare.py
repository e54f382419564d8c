"""What a handler declares about itself for the OpenAPI document, kept beside its code.

``@operation(...)`` stores an ``Operation`` on the handler function and returns the same
function: aiohttp calls it as before. The method and path are not repeated here; they
come from the router (``hub.openapi.document``), so a declaration can never name a path
the hub does not serve.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from hub.openapi.schemas import Schema

# Who may call: a staff member (bearer token, or the console's session cookie + CSRF
# header), an appointment's or hold's manage token, the WeChat link cookie, or anyone.
Auth = Literal["staff", "manage", "wechat_link"]
ATTRIBUTE = "__openapi__"
Handler = TypeVar("Handler", bound=Callable[..., Any])


@dataclass(frozen=True)
class Body:
    """A request or response body that is not the API's usual JSON."""

    schema: Schema | None
    media_type: str = "application/json"
    description: str | None = None


@dataclass(frozen=True)
class Param:
    """A query parameter; path parameters come from the route's template."""

    schema: Schema
    description: str = ""
    required: bool = False


Response = Schema | Body | None  # None: no body (204, or a status without content)


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    responses: Mapping[int, Response]
    auth: Auth | None = None
    # Anonymous endpoints answer 429 past their per-address rate limit.
    limited: bool = False
    request: Schema | Body | None = None
    request_required: bool = True
    query: Mapping[str, Param] = field(default_factory=dict)
    path: Mapping[str, str] = field(default_factory=dict)  # descriptions of path parameters
    operation_id: str | None = None
    # For a route mounted with method "*": the methods to document.
    methods: tuple[str, ...] = ()
    description: str | None = None


def operation(
    *,
    summary: str,
    tag: str,
    responses: Mapping[int, Response],
    auth: Auth | None = None,
    limited: bool = False,
    request: Schema | Body | None = None,
    request_required: bool = True,
    query: Mapping[str, Param] | None = None,
    path: Mapping[str, str] | None = None,
    operation_id: str | None = None,
    methods: tuple[str, ...] = (),
) -> Callable[[Handler], Handler]:
    """Declare the handler's operation; its docstring becomes the description."""

    def mark(handler: Handler) -> Handler:
        setattr(
            handler,
            ATTRIBUTE,
            Operation(
                summary=summary,
                tag=tag,
                responses=dict(responses),
                auth=auth,
                limited=limited,
                request=request,
                request_required=request_required,
                query=dict(query or {}),
                path=dict(path or {}),
                operation_id=operation_id or handler.__name__.strip("_"),
                methods=tuple(m.upper() for m in methods),
                description=inspect.getdoc(handler),
            ),
        )
        return handler

    return mark


def declared(handler: object) -> Operation | None:
    """The handler's declaration, if it has one."""
    found = getattr(handler, ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None
