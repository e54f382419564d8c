"""The hub's OpenAPI document: declarations beside the handlers (``declare``), schemas
(``schemas``, ``booking_schemas``), the document built from the router (``document``),
its agreement with the router (``coverage``) and the route that serves it (``routes``).
See docs/api.md."""

from hub.openapi.declare import Body, Param, operation
from hub.openapi.schemas import errors, ref

__all__ = ["Body", "Param", "errors", "operation", "ref"]
