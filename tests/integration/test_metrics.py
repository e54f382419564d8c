"""GET /metrics: Prometheus text where every sample names its process, so several web
processes behind one load balancer stay apart; the series keep their names."""

from __future__ import annotations

import asyncio
import os
import re
import socket
from typing import Any

from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.metrics import Metrics, process_name
from hub.services import SERVICES
from tests.conftest import FakeClock, make_settings
from tests.factories import make_store
from tests.integration.test_inbox import inbound

SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? (\S+)$")


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    found = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        name, raw_labels, value = match.groups()
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', raw_labels or ""))
        found.append((name, labels, float(value)))
    return found


async def test_every_sample_carries_the_process_label(
    aiohttp_client: Any, database_url: str, clock: FakeClock
) -> None:
    settings = make_settings(database_url, process_name="web-2")
    client: TestClient = await aiohttp_client(create_app(settings, clock=clock))
    hub = client.app[SERVICES]
    await make_store(hub.db, clock())
    await asyncio.gather(*(hub.inbox.receive(inbound(key=f"k{i}")) for i in range(3)))
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await response.text()
    found = samples(text)
    assert found and all(labels.get("process") == "web-2" for _, labels, _ in found)
    names = {name for name, _, _ in found}
    # the names dashboards already use, and the new ones about the process and its writes
    assert {"hub_messages_total", "hub_socket_connections", "hub_background_tasks"} <= names
    assert {"hub_process_start_time_seconds", "hub_draining", "hub_process_info"} <= names
    assert "hub_write_batch_size_count" in names and "hub_db_connections_in_use" in names
    (messages,) = [v for n, labels, v in found if n == "hub_messages_total"]
    assert messages == 3
    (draining,) = [v for n, _, v in found if n == "hub_draining"]
    assert draining == 0
    # one HELP and TYPE per family, names unchanged
    assert "# TYPE hub_messages_total counter" in text
    assert "# TYPE hub_write_batch_size histogram" in text


async def test_without_a_name_the_process_is_host_and_pid(
    aiohttp_client: Any, sqlite_url: str, clock: FakeClock
) -> None:
    client: TestClient = await aiohttp_client(create_app(make_settings(sqlite_url), clock=clock))
    found = samples(await (await client.get("/metrics")).text())
    expected = f"{socket.gethostname()}:{os.getpid()}"
    assert {labels["process"] for _, labels, _ in found} == {expected}


def test_a_series_own_labels_are_kept_and_escaped() -> None:
    metrics = Metrics()
    metrics.inc("hub_x_total", channel='we"ird\\')
    metrics.histogram("hub_h", "h", (1, 2))
    metrics.observe("hub_h", 1.5)
    text = metrics.render(process="a:1")
    assert 'hub_x_total{channel="we\\"ird\\\\",process="a:1"} 1.0' in text
    assert 'hub_h_bucket{le="2",process="a:1"} 1.0' in text
    assert 'hub_h_count{process="a:1"} 1.0' in text
    assert metrics.render().count("process=") == 0  # unlabelled when not asked
    assert process_name("named") == "named"
