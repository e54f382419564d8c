"""Prometheus counters, gauges and histograms, rendered as text at /metrics.

Kept dependency-free: the hub exports a handful of series, not a metrics framework.
Every sample carries a ``process`` label (``HUB_PROCESS_NAME``, else ``host:pid``), so
several web processes scraped through one load balancer, or one by one, stay apart.
"""

from __future__ import annotations

import os
import socket
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable

Labels = tuple[tuple[str, str], ...]
PROCESS_LABEL = "process"


def process_name(configured: str | None = None) -> str:
    """What tells this process apart from its siblings: the configured name, else
    ``hostname:pid`` (unique on a host, and a restart shows as a new series)."""
    return configured or f"{socket.gethostname()}:{os.getpid()}"


DEFAULT_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class Metrics:
    def __init__(self) -> None:
        self._help: dict[str, tuple[str, str]] = {}
        self._values: dict[tuple[str, Labels], float] = defaultdict(float)
        self._callbacks: dict[str, Callable[[], float]] = {}
        self._buckets: dict[str, tuple[float, ...]] = {}
        self._histograms: dict[tuple[str, Labels], list[float]] = {}

    def describe(self, name: str, kind: str, text: str) -> None:
        self._help[name] = (kind, text)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self._values[(name, tuple(sorted(labels.items())))] += amount

    def set(self, name: str, value: float, **labels: str) -> None:
        self._values[(name, tuple(sorted(labels.items())))] = value

    def gauge(self, name: str, text: str, read: Callable[[], float]) -> None:
        self.describe(name, "gauge", text)
        self._callbacks[name] = read

    def histogram(self, name: str, text: str, buckets: tuple[float, ...] = DEFAULT_BUCKETS) -> None:
        self.describe(name, "histogram", text)
        self._buckets[name] = buckets

    def observe(self, name: str, value: float, **labels: str) -> None:
        buckets = self._buckets.setdefault(name, DEFAULT_BUCKETS)
        key = (name, tuple(sorted(labels.items())))
        # counts per bucket, then +Inf count, then sum
        state = self._histograms.setdefault(key, [0.0] * (len(buckets) + 2))
        state[bisect_left(buckets, value)] += 1
        state[-1] += value

    def value(self, name: str, **labels: str) -> float:
        return self._values.get((name, tuple(sorted(labels.items()))), 0.0)

    def render(self, *, process: str | None = None) -> str:
        """The exposition text; ``process`` labels every sample (the series' own labels
        keep their names, and a series' own ``process`` label wins)."""
        extra: Labels = ((PROCESS_LABEL, process),) if process else ()
        names = (
            {n for n, _ in self._values} | set(self._callbacks) | {n for n, _ in self._histograms}
        )
        lines: list[str] = []
        for name in sorted(names):
            kind, text = self._help.get(name, ("counter", name))
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            if name in self._callbacks:
                lines.append(f"{name}{_labels((), extra)} {self._callbacks[name]()}")
            for (series, labels), value in sorted(self._values.items()):
                if series == name:
                    lines.append(f"{name}{_labels(labels, extra)} {value}")
            for (series, labels), state in sorted(self._histograms.items()):
                if series == name:
                    lines += self._render_histogram(name, labels, state, extra)
        return "\n".join(lines) + "\n"

    def _render_histogram(
        self, name: str, labels: Labels, state: list[float], extra: Labels = ()
    ) -> list[str]:
        lines, running = [], 0.0
        for bound, count in zip(self._buckets[name], state, strict=False):
            running += count
            lines.append(f"{name}_bucket{_labels((*labels, ('le', str(bound))), extra)} {running}")
        total = running + state[-2]
        lines.append(f"{name}_bucket{_labels((*labels, ('le', '+Inf')), extra)} {total}")
        lines.append(f"{name}_sum{_labels(labels, extra)} {state[-1]}")
        lines.append(f"{name}_count{_labels(labels, extra)} {total}")
        return lines


def _labels(labels: Labels, extra: Labels = ()) -> str:
    own = {key for key, _ in labels}
    merged = (*labels, *((k, v) for k, v in extra if k not in own))
    if not merged:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in merged) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
