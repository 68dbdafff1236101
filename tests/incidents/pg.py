"""A throwaway PostgreSQL database for the incident and API tests (the machine's server, trust auth).

CITYHUB_TEST_PG names another server's admin database. The database is a copy of the session's
template, which has PostGIS (the hub's events store wants it); each is dropped when its fixture ends.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support import need

ADMIN_URLS = [os.environ["CITYHUB_TEST_PG"]] if os.environ.get("CITYHUB_TEST_PG") else [
    "postgresql://postgres@127.0.0.1:5432/postgres", "postgresql:///postgres"]


def admin_url() -> tuple[str | None, str]:
    reasons = []
    for url in ADMIN_URLS:
        try:
            with psycopg.connect(url, connect_timeout=3, autocommit=True):
                return url, ""
        except psycopg.Error as err:
            reasons.append(f"{url}: {str(err).strip().splitlines()[0]}")
    return None, "no PostgreSQL server to test against: " + "; ".join(reasons)


_templates: dict[str, str] = {}  # admin URL -> this session's template database on that server


def postgis_template(admin: str) -> str:
    """This session's template database on the server: an empty database with PostGIS where the server has it.
    Every throwaway database is a copy of it (`CREATE DATABASE … TEMPLATE`), so PostGIS is installed once per
    session, not once per database. Its name is random: other test sessions on the same server have their own.
    `drop_templates` removes it at the end of the session."""
    if admin not in _templates:
        name = f"cityhub_template_{secrets.token_hex(4)}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        _templates[admin] = name
        try:
            with psycopg.connect(psycopg.conninfo.make_conninfo(admin, dbname=name), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error:
            pass  # the incident tables need no PostGIS; the events store will say if it does
    return _templates[admin]


def create_database(admin: str, name: str) -> None:
    """A new database `name`, a copy of the session's template (no connection may be open on the template)."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {postgis_template(admin)}")


def drop_templates() -> None:
    while _templates:
        admin, name = _templates.popitem()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def throwaway_database(prefix: str) -> Iterator[str]:
    admin, reason = admin_url()
    need(admin is not None, reason)
    assert admin is not None
    name = f"{prefix}_{secrets.token_hex(4)}"
    create_database(admin, name)
    info = psycopg.conninfo.conninfo_to_dict(admin) | {"dbname": name}
    # psycopg's key=value conninfo is not a URL: give the hub one it can route on
    yield f"postgresql://{info.get('user', 'postgres')}@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


INCIDENT_TABLES = ("incidents", "incident_members", "incident_steps", "incident_timers", "case_records", "case_steps",
                   "command_dispatches")


def drop_tables(url: str, tables: Iterable[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {', '.join(tables)}")


def empty_incident_tables(url: str) -> None:
    drop_tables(url, INCIDENT_TABLES)


def sqlite_or_postgres(request: pytest.FixtureRequest, tmp_path: Path, pg_database: str,
                       tables: Iterable[str]) -> str:
    """The store URL of a test parametrized over both stores (`request.param`): a fresh SQLite file, or the
    session's throwaway PostgreSQL database (the fixture named `pg_database`) with `tables` dropped."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite'}"
    url = str(request.getfixturevalue(pg_database))
    drop_tables(url, tables)
    return url
