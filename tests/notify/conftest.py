"""The notice tests' databases (SQLite in tmp_path; a throwaway PostgreSQL) and an SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.incidents.pg import sqlite_or_postgres, throwaway_database
from tests.notify.sinks import SmtpSink

TABLES = ("incidents", "incident_members", "incident_steps", "incident_timers", "incident_generation", "notices",
          "notice_channels", "notice_preferences", "exchange_reports", "exchange_state")


@pytest.fixture(scope="session")
def pg_notify_db() -> Iterator[str]:
    yield from throwaway_database("cityhub_notify")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return sqlite_or_postgres(request, tmp_path, "pg_notify_db", TABLES)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def sms_gateway() -> Iterator[str]:
    """The simulated SMS gateway as its own process; its base URL."""
    import subprocess
    import sys

    from tests.support import HTTP, free_port, wait_for

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "simulators.sms_gateway", "--port", str(port)])
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return HTTP.get(base + "/sms/messages").status_code == 200
        except Exception:
            return False

    wait_for(up, what="the SMS gateway")
    yield base
    process.terminate()
    process.wait(10)
