"""Stores for the shared store suite: SQLite in tmp_path, and PostgreSQL+PostGIS in a database of its own.

The PostgreSQL server is the machine's (127.0.0.1:5432, or the local socket); the session creates
`cityhub_test_<random>` with PostGIS (a copy of the session's template, `tests/incidents/pg.py`) and drops it
at the end. CITYHUB_TEST_PG names another server's admin database as a URL
(e.g. postgresql://postgres@db.example:5432/postgres).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from hub.store import Store
from hub.store.postgres import PostgresStore
from hub.store.sqlite import SqliteStore
from tests.incidents.pg import create_database
from tests.support import need

ADMIN_URLS = [os.environ["CITYHUB_TEST_PG"]] if os.environ.get("CITYHUB_TEST_PG") else [
    "postgresql://postgres@127.0.0.1:5432/postgres",  # trust on the loopback (this machine, CI)
    "postgresql:///postgres",  # the local socket as the current user (peer auth: root after system-deps.sh)
    "postgresql://postgres@/postgres?host=/var/run/postgresql",
]


def admin_url() -> tuple[str | None, str]:
    reasons = []
    for url in ADMIN_URLS:
        try:
            with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
                found = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
                if not found:
                    return None, "PostgreSQL is up but PostGIS is not installed (postgresql-15-postgis-3)"
                return url, ""
        except psycopg.Error as err:
            reasons.append(f"{url}: {str(err).strip().splitlines()[0]}")
    return None, "no PostgreSQL server to test against: " + "; ".join(reasons)


def database_url(admin: str, name: str) -> str:
    """The admin URL with another database name: still a postgresql:// URL, as `cityhub serve --db` takes."""
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh database with PostGIS for the whole session; its conninfo."""
    admin, reason = admin_url()
    need(admin is not None, reason)
    assert admin is not None
    name = f"cityhub_test_{secrets.token_hex(4)}"
    create_database(admin, name)  # a copy of the session's template, which has PostGIS (admin_url checked)
    yield database_url(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """The session database emptied for this test: the store creates its tables again."""
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS events, deadletters, tallies")
    return pg_database


def open_kind(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if kind == "sqlite":
        return SqliteStore(str(tmp_path / "hub.sqlite"))
    return PostgresStore(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Each store in turn: every test of the suite runs against SQLite and against PostGIS."""
    opened = open_kind(store_kind, request, tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def reopen(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Open another store on the same database (a second hub worker, or the hub after a restart)."""
    opened: list[Store] = []

    def again() -> Store:
        opened.append(open_kind(store_kind, request, tmp_path) if store_kind == "sqlite"
                      else PostgresStore(request.getfixturevalue("pg_database")))
        return opened[-1]

    yield again
    for each in opened:
        each.close()
