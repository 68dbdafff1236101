"""The incident tables in the hub's own database, SQLite or PostgreSQL, beside the events store.

Only the URL is shared with `hub.store`; the tables (`incidents`, `incident_members`,
`incident_steps`, `incident_timers`) are this package's. One connection per thread; writes
run in `exclusive()`, which serializes them across threads *and processes*: SQLite's
`BEGIN IMMEDIATE` on the one file, PostgreSQL's transaction-scoped advisory lock. That is
what keeps correlation right when several hub workers share the database.

`incident_generation` holds one number, raised by every write to the incident rows (under the
same lock): an engine that finds the number it last wrote knows that its in-memory copy of the
open incidents is still the database's.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hub.store import wal

TABLES = """
CREATE TABLE IF NOT EXISTS incidents (
  id {id_column}, kind TEXT NOT NULL, type TEXT NOT NULL, title TEXT NOT NULL, state TEXT NOT NULL,
  severity INTEGER NOT NULL, lon {real}, lat {real}, grid_code TEXT, district_code TEXT, district_name TEXT,
  town_code TEXT, town_name TEXT, department TEXT, time_limit_h {real}, opened_at {real} NOT NULL,
  created_at {real} NOT NULL, updated_at {real} NOT NULL, last_event_at {real} NOT NULL,
  state_since {real} NOT NULL, dispatched_at {real}, due_at {real}, overdue INTEGER NOT NULL DEFAULT 0,
  escalations INTEGER NOT NULL DEFAULT 0, member_count INTEGER NOT NULL DEFAULT 0,
  alarms TEXT NOT NULL DEFAULT '[]', cells TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS incidents_state_last ON incidents (state, last_event_at);
CREATE INDEX IF NOT EXISTS incidents_district ON incidents (district_code, id);
CREATE INDEX IF NOT EXISTS incidents_due ON incidents (due_at);
CREATE TABLE IF NOT EXISTS incident_members (
  incident_id BIGINT NOT NULL, event_uid TEXT NOT NULL, source TEXT NOT NULL, type TEXT NOT NULL,
  time {real} NOT NULL, lon {real}, lat {real}, grid_code TEXT, severity INTEGER NOT NULL DEFAULT 0,
  alarms TEXT NOT NULL DEFAULT '[]', joined_at {real} NOT NULL, PRIMARY KEY (incident_id, event_uid));
DROP INDEX IF EXISTS incident_members_event;
CREATE TABLE IF NOT EXISTS incident_steps (
  seq {id_column}, incident_id BIGINT NOT NULL, action TEXT NOT NULL, from_state TEXT,
  to_state TEXT NOT NULL, who TEXT NOT NULL, at {real} NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS incident_steps_incident ON incident_steps (incident_id, seq);
CREATE TABLE IF NOT EXISTS incident_timers (
  rule_id TEXT NOT NULL, key TEXT NOT NULL, opened_at {real} NOT NULL, due_at {real} NOT NULL,
  sighting TEXT NOT NULL, PRIMARY KEY (rule_id, key));
CREATE TABLE IF NOT EXISTS incident_generation (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO incident_generation (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
"""
# Members are read by incident (the primary key's prefix), never by event, so they have no index by event
# uid: its keys would come at random, and at full speed each member written would cost a page of it in the
# write-ahead log. Such an index, where an older hub made one, is dropped.
LOCK_KEY = 0x4369747948756201  # pg advisory lock of the incident engine ("CityHub" 01)


class Db:
    """A thread-local connection and the few calls the incident store needs, in one dialect."""

    dialect = "?"

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def executemany(self, sql: str, rows: list[tuple[Any, ...]] | list[list[Any]]) -> int:
        """One statement over many rows (no result rows); how many rows it changed."""
        raise NotImplementedError

    def exclusive(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def one(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> dict[str, Any] | None:
        rows = self.execute(sql, args)
        return rows[0] if rows else None


class SqliteDb(Db):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        # the events store's file and its WAL settings (hub.store.wal)
        self._connections = wal.Connections.shared(path)  # the events store's, when it is open
        self._conn().executescript(TABLES.format(id_column="INTEGER PRIMARY KEY AUTOINCREMENT", real="REAL"))

    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        cursor = self._conn().execute(sql, tuple(args))
        if cursor.description is None:
            return []
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def executemany(self, sql: str, rows: list[tuple[Any, ...]] | list[list[Any]]) -> int:
        return self._conn().executemany(sql, rows).rowcount if rows else 0

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self._connections.close()


class PostgresDb(Db):
    dialect = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg  # the optional heavy client: only when PostgreSQL is asked for

        self._psycopg = psycopg
        self.url = url
        self._local = threading.local()
        self._lock = threading.RLock()
        self._all: list[Any] = []
        with self.exclusive():
            for statement in TABLES.format(id_column="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                                           real="DOUBLE PRECISION").split(";"):
                if statement.strip():
                    self._conn().execute(statement)

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            from psycopg.rows import dict_row

            conn = self._psycopg.connect(self.url, autocommit=True, row_factory=dict_row)
            self._local.conn = conn
            self._all.append(conn)
        return conn

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        cursor = self._conn().execute(sql.replace("?", "%s"), tuple(args))
        return list(cursor.fetchall()) if cursor.description else []

    def executemany(self, sql: str, rows: list[tuple[Any, ...]] | list[list[Any]]) -> int:
        if not rows:
            return 0
        with self._conn().cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)
            return int(cursor.rowcount)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._lock:
            conn = self._conn()
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                yield

    def close(self) -> None:
        for conn in self._all:
            with contextlib.suppress(Exception):
                conn.close()
        self._all.clear()
        self._local = threading.local()


def open_db(url: str) -> Db:
    """The same URLs as `hub.store.open_store`: `sqlite:///PATH` or `postgresql://…`."""
    if url.startswith("sqlite:///"):
        return SqliteDb(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDb(url)
    raise ValueError(f"unsupported incident store URL {url!r}: use sqlite:///PATH or postgresql://…")
