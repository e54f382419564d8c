"""Whether the document and the router agree: every /api route declared, every
declaration routed, each operation named once. The tests hold the hub to it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from hub.openapi.declare import declared
from hub.openapi.document import api_routes


def problems(app: web.Application) -> list[str]:
    """What keeps the document from being true to the router, one line each."""
    found: list[str] = []
    ids: Counter[str] = Counter()
    for route in api_routes(app):
        op = declared(route.handler)
        name = f"{route.handler.__module__}.{route.handler.__qualname__}"
        if op is None:
            found.append(f"{route.method} {route.path}: {name} has no @operation")
        elif route.method == "*":
            found.append(f"* {route.path}: {name} must name its methods (methods=...)")
        else:
            ids[op.operation_id or ""] += 1
    found += [f"operationId {i!r} is used {n} times" for i, n in ids.items() if n > 1]
    return found


def declared_handlers(package_names: Iterable[str]) -> list[Callable[..., Any]]:
    """Every function with an ``@operation`` in these packages (imported to find them)."""
    handlers: dict[int, Callable[..., Any]] = {}
    for package_name in package_names:
        package = importlib.import_module(package_name)
        modules = [package]
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            modules.append(importlib.import_module(info.name))
        for module in modules:
            for _name, value in inspect.getmembers(module, inspect.isfunction):
                if declared(value) is not None and value.__module__ == module.__name__:
                    handlers[id(value)] = value
    return list(handlers.values())


def unrouted(app: web.Application, package_names: Iterable[str]) -> list[str]:
    """Declarations whose handler serves no /api route: documentation of nothing."""
    routed = {id(route.handler) for route in api_routes(app)}
    return [
        f"{handler.__module__}.{handler.__qualname__}"
        for handler in declared_handlers(package_names)
        if id(handler) not in routed
    ]
