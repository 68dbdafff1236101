"""Helpers every test folder shares: free ports, required services, a hub running for real."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from hub.api.app import create_app
from hub.runtime import Hub
from hub.settings import Settings
from hub.websocket import LiveWebSocketProtocol

# The helpers' HTTP calls share one client: each new one (as `httpx.get` makes) builds a TLS context,
# ≈ 50 ms of CPU on this machine, and the helpers poll the hubs under test many times a second.
# The hub sets no cookies, so nothing carries over from one test to the next.
HTTP = httpx.Client(timeout=10)

REQUIRE_ALL = os.environ.get("CITYHUB_REQUIRE_ALL") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def need(ok: bool, reason: str) -> None:
    """Skip a test whose service is missing — except in CI, where every test must run."""
    if not ok:
        if REQUIRE_ALL:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


def wait_for(check: Callable[[], bool], timeout: float = 20, every: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class RunningHub:
    hub: Hub
    url: str
    server: uvicorn.Server

    def get(self, path: str, **params: object) -> httpx.Response:
        return HTTP.get(self.url + path, params=params or None)  # type: ignore[arg-type]


@contextlib.contextmanager
def running_hub(settings: Settings) -> Iterator[RunningHub]:
    """The real hub (pipeline, store, ingest, HTTP) on a free port, in this process."""
    settings = settings.model_copy(update={"port": settings.port if settings.port != 8000 else free_port()})
    hub = Hub(settings)
    server = uvicorn.Server(uvicorn.Config(create_app(hub), host="127.0.0.1", port=settings.port, log_level="warning",
                                           ws=LiveWebSocketProtocol))  # as `cityhub serve` runs it
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started or not thread.is_alive(), what="hub HTTP server")
    assert server.started, "hub HTTP server failed to start"
    try:
        yield RunningHub(hub, f"http://127.0.0.1:{settings.port}", server)
    finally:
        server.should_exit = True
        thread.join(15)
