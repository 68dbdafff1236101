"""The bench's figure of the PostgreSQL server's CPU, against the machine's real server."""

from __future__ import annotations

import time

import psycopg
import pytest

from bench.dbserver import postmaster, server_cpu_seconds

pytestmark = pytest.mark.postgres

WORK = "SELECT count(*) FROM generate_series(1, 3000000) AS g WHERE g % 7 = 3"  # ≈ 0.3–1 s of one backend's CPU


def test_the_server_is_found_and_a_closed_connections_work_still_counts(pg_database: str) -> None:
    server = postmaster(pg_database)
    assert server is not None and server.name().startswith("postgres")
    before = server_cpu_seconds(server)
    with psycopg.connect(pg_database) as conn:  # a backend that starts and ends inside the window
        pid = conn.info.backend_pid
        conn.execute(WORK).fetchone()
        backend = next(c for c in server.children() if c.pid == pid)
        spent = sum(backend.cpu_times()[:2])
    assert spent > 0.1
    # the postmaster collects the ended backend's times when it reaps it; give it a moment
    for _ in range(50):
        after = server_cpu_seconds(server)
        if after - before >= spent * 0.9:
            break
        time.sleep(0.1)
    assert after - before >= spent * 0.9


def test_a_server_on_another_machine_is_not_measured() -> None:
    assert postmaster("postgresql://postgres@db.example.invalid:5432/postgres") is None
