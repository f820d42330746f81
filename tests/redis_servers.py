"""Redis servers of a test's own, on free ports: never the shared one on 6379, whose
configuration other tests and other people rely on."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    """A port nothing listens on (the kernel just handed it out and it was closed again)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    url: str

    @property
    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def evicted_keys(self) -> int:
        return self.client.info("stats")["evicted_keys"]


@contextlib.contextmanager
def redis_server(*, maxmemory: str, policy: str, appendonly: bool = False) -> Iterator[RedisServer]:
    """A redis-server subprocess capped at `maxmemory`, evicting by `policy`, kept in memory
    only (or, with `appendonly`, with an append-only file in its own temporary folder);
    stopped when the block ends."""
    if REDIS_SERVER is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI (apt-get install redis-server)")
        pytest.skip("redis-server not found (apt-get install redis-server)")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="redis-")
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--maxmemory",
            maxmemory,
            "--maxmemory-policy",
            policy,
            "--save",
            "",
            "--appendonly",
            "yes" if appendonly else "no",
            "--dir",
            folder,
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(f"redis://127.0.0.1:{port}/0")
    try:
        deadline = time.monotonic() + 10
        while True:  # it listens within milliseconds; wait for that, not a fixed time
            try:
                server.client.ping()
                break
            except redis.exceptions.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
