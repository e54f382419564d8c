"""Where a server spends its CPU: py-spy attached during a run, summarised by area.

``py-spy record --format raw`` writes collapsed stacks (``frame;frame;... count``);
``summarise`` turns them into the share of samples by leaf function (self time) and by
area (the library that owns the innermost frame that is not the standard library's
asyncio/selectors plumbing), which is what the report prints.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]*)(?::(?P<line>\d+))?\)$")
AREAS: tuple[tuple[str, str], ...] = (
    ("sqlalchemy/", "sqlalchemy"),
    ("greenlet", "sqlalchemy"),
    ("asyncpg/", "asyncpg"),
    ("aiosqlite/", "aiosqlite"),
    ("sqlite3/", "sqlite3"),
    ("socketio/", "socket.io"),
    ("engineio/", "engine.io"),
    ("aiohttp/", "aiohttp"),
    ("json/", "json"),
    ("logging/", "logging"),
    ("hub/logs", "logging"),
    ("routing/", "routing"),
    ("hub/", "hub"),
    ("adapters/", "hub"),
    ("uuid", "uuid"),
    ("datetime", "datetime"),
    ("asyncio/", "asyncio"),
    ("selectors", "asyncio"),
    ("uvloop/", "asyncio"),
)


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return found if Path(found).exists() else None


async def record(pid: int, seconds: float, out: Path, rate: int = 200) -> Path | None:
    """Sample ``pid`` for ``seconds``; None when py-spy is not installed or cannot attach."""
    binary = py_spy()
    if binary is None:
        return None
    process = await asyncio.create_subprocess_exec(
        binary,
        *("record", "--pid", str(pid), "--duration", str(max(1, round(seconds)))),
        *("--rate", str(rate), "--format", "raw", "--output", str(out), "--nonblocking"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await process.communicate()
    if process.returncode != 0 or not _written(out):
        print(f"py-spy failed: {err.decode(errors='replace')[-500:]}", file=sys.stderr)
        return None
    return out


def _written(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def area_of(file: str) -> str:
    """py-spy names files relative to their sys.path entry: ``hub/inbox.py``."""
    for prefix, area in AREAS:
        if file.startswith(prefix) or f"/{prefix}" in file:
            return area
    return "other"


def is_hub(file: str) -> bool:
    return area_of(file) in ("hub", "routing")


def _frames(stack: str) -> list[tuple[str, str]]:
    frames = []
    for raw in stack.split(";"):
        match = FRAME.match(raw)
        if match:
            frames.append((match["function"], match["file"]))
        else:
            frames.append((raw, ""))
    return frames


def summarise(path: Path, top: int = 15) -> str:
    """Self time by function, and by area of the innermost interesting frame."""
    by_leaf: Counter[str] = Counter()
    by_area: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _sep, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = _frames(stack)
        function, file = frames[-1]
        by_leaf[f"{function} ({_short(file)})"] += count
        by_area[_area(frames)] += count
        for name in {f"{f} ({_short(p)})" for f, p in frames if is_hub(p)}:
            inclusive[name] += count
    if total == 0:
        return "no samples"
    lines = [f"{total} samples"]
    lines.append("by area (innermost frame outside asyncio plumbing):")
    lines += [f"  {100 * n / total:5.1f}%  {area}" for area, n in by_area.most_common()]
    lines.append("self time, top functions:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in by_leaf.most_common(top)]
    lines.append("inclusive time, hub functions:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)


def _area(frames: list[tuple[str, str]]) -> str:
    for _function, file in reversed(frames):
        area = area_of(file)
        if area not in ("asyncio", "other"):
            return area
    return area_of(frames[-1][1]) if frames else "other"


def _short(file: str) -> str:
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file
