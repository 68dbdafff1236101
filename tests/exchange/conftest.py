"""The exchange tests' databases (as the notice tests') and the simulated province as its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.notify.conftest import db_url, pg_notify_db, smtp_sink  # noqa: F401  (the same databases, SMTP server)
from tests.support import HTTP, free_port, wait_for

SECRET = "shared-secret-粤治慧"


@pytest.fixture
def province() -> Iterator[Callable[..., str]]:
    """Start the simulated province (`simulators/province.py`); its base URL."""
    started: list[subprocess.Popen[bytes]] = []

    def start(hub_url: str | None = None, supervise_severity: int | None = None) -> str:
        port = free_port()
        args = [sys.executable, "-m", "simulators.province", "--port", str(port), "--secret", SECRET]
        if hub_url:
            args += ["--hub-url", hub_url]
        if supervise_severity is not None:
            args += ["--supervise-severity", str(supervise_severity)]
        started.append(subprocess.Popen(args, env=os.environ | {"PYTHONPATH": os.getcwd()}))
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return HTTP.get(base + "/reports").status_code == 200
            except Exception:
                return False

        wait_for(up, what="the simulated province")
        return base

    yield start
    for process in started:
        process.terminate()
        process.wait(10)
