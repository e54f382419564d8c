"""A redis-server of a test's own, on a free port, that keeps nothing on disk (like the one
of these machines): tests may flush it, kill it and start it again without touching the
shared Redis other tests use."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

REDIS_SERVER = "/usr/bin/redis-server"
NO_DISK = ("--save", "", "--appendonly", "no", "--daemonize", "no")


@dataclass
class PrivateRedis:
    """A redis-server on a port of its own, killed and started again by the test."""

    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [REDIS_SERVER, *("--port", str(self.port), "--bind", "127.0.0.1"), *NO_DISK],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        try:
            while True:  # readiness: it answers PING
                try:
                    if client.ping():
                        return
                except redis.ConnectionError as exc:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        log = self.log.read_text()
                        raise RuntimeError(f"redis-server did not start:\n{log}") from exc
                    time.sleep(0.02)
        finally:
            client.close()

    def flush_and_kill(self) -> None:
        """FLUSHALL, then SIGKILL: it comes back with nothing (it never writes to disk)."""
        client = redis.Redis.from_url(self.url)
        try:
            client.flushall()
        finally:
            client.close()
        self.kill()

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing answers (a hung Redis)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT: back, with everything it held."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
