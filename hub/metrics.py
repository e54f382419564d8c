"""A few Prometheus counters and gauges, rendered as text at /metrics.

Kept dependency-free: the hub exports a handful of series, not a metrics framework.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable


class Metrics:
    def __init__(self) -> None:
        self._counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(float)
        self._help: dict[str, tuple[str, str]] = {}
        self._gauges: dict[str, Callable[[], float]] = {}

    def describe(self, name: str, kind: str, text: str) -> None:
        self._help[name] = (kind, text)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self._counters[(name, tuple(sorted(labels.items())))] += amount

    def gauge(self, name: str, text: str, read: Callable[[], float]) -> None:
        self.describe(name, "gauge", text)
        self._gauges[name] = read

    def render(self) -> str:
        lines: list[str] = []
        names = sorted({n for n, _ in self._counters} | set(self._gauges))
        for name in names:
            kind, text = self._help.get(name, ("counter", name))
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            if name in self._gauges:
                lines.append(f"{name} {self._gauges[name]()}")
                continue
            for (series, labels), value in sorted(self._counters.items()):
                if series == name:
                    rendered = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
                    lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
