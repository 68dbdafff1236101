"""The shared store: PostgreSQL with PostGIS (a geometry(Point, 4326) column under a GiST index).

Same tables and behaviour as the SQLite store: one transaction per batch, dedup on (source, id) by
`INSERT … ON CONFLICT DO NOTHING RETURNING`, so several hub workers may write the same events at once.
Rows go in uid order and counters in key order: concurrent writers lock in the same order and never
deadlock one another; sequence numbers still follow the order of the batch.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import pq

from hub.events import DeadLetter, Event
from hub.store.analysis import rebuild_statements
from hub.store.sql import SqlStore, dead_row, event_row, tally_rows, unique_events

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, uid text NOT NULL UNIQUE, source text NOT NULL,
  id text NOT NULL, type text NOT NULL, domain text NOT NULL, time double precision NOT NULL,
  received_at double precision NOT NULL, lon double precision, lat double precision, geom geometry(Point, 4326),
  grid_code text COLLATE "C", town_code text, district_code text, severity smallint NOT NULL DEFAULT 0,
  department text, body bytea NOT NULL, raw bytea NOT NULL, UNIQUE (id, source));
CREATE INDEX IF NOT EXISTS events_time ON events (time, grid_code);
CREATE INDEX IF NOT EXISTS events_type_time ON events (type, time);
CREATE INDEX IF NOT EXISTS events_district_time ON events (district_code, time);
CREATE INDEX IF NOT EXISTS events_grid_time ON events (grid_code, time);
CREATE INDEX IF NOT EXISTS events_geom ON events USING gist (geom);
CREATE TABLE IF NOT EXISTS deadletters (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, received_at double precision NOT NULL, reason text NOT NULL,
  transport text NOT NULL, topic text NOT NULL, partition integer, "offset" bigint, raw bytea NOT NULL);
CREATE TABLE IF NOT EXISTS tallies (
  dim text NOT NULL, hour bigint NOT NULL, domain text NOT NULL, key text NOT NULL, count bigint NOT NULL,
  PRIMARY KEY (dim, hour, domain, key));
"""
INSERT_EVENTS = """
INSERT INTO events (seq, uid, source, id, type, domain, time, received_at, lon, lat, geom, grid_code, town_code,
  district_code, severity, department, body, raw)
OVERRIDING SYSTEM VALUE
SELECT u.seq, u.uid, u.source, u.id, u.type, u.domain, u.time, u.received_at, u.lon, u.lat,
  ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), u.grid_code, u.town_code, u.district_code, u.severity,
  u.department, u.body, u.raw
FROM unnest(%s::int8[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::float8[], %s::float8[],
  %s::float8[], %s::float8[], %s::text[], %s::text[], %s::text[], %s::int2[], %s::text[], %s::bytea[], %s::bytea[])
  AS u(seq, uid, source, id, type, domain, time, received_at, lon, lat, grid_code, town_code, district_code,
  severity, department, body, raw)
ORDER BY u.uid
ON CONFLICT DO NOTHING RETURNING uid
"""
# Sequence numbers in batch order (newest stored first means last of the batch first), drawn before the
# insert so that the rows themselves can go in in uid order.
NEXT_SEQS = "SELECT nextval(pg_get_serial_sequence('events', 'seq')) FROM generate_series(1, %s) ORDER BY 1"
INSERT_DEAD = """
INSERT INTO deadletters (received_at, reason, transport, topic, partition, "offset", raw)
SELECT * FROM unnest(%s::float8[], %s::text[], %s::text[], %s::text[], %s::int4[], %s::int8[], %s::bytea[])
"""
UPSERT_TALLIES = """
INSERT INTO tallies (dim, hour, domain, key, count)
SELECT * FROM unnest(%s::text[], %s::int8[], %s::text[], %s::text[], %s::int8[])
ON CONFLICT (dim, hour, domain, key) DO UPDATE SET count = tallies.count + excluded.count
"""
HOURLY = "floor(time / 3600)::bigint"
REBUILD_TALLIES = rebuild_statements("floor({} / 3600)::bigint", "TEMP TABLE")
SCHEMA_LOCK = 440700_0001  # advisory lock: hub workers starting together create the schema once


def text(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL; a source may still send one (a CE id, a topic). Keep it visible."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


class Pool:
    """A few connections shared by the ingest thread and the API's threads (autocommit; writes open a transaction)."""

    def __init__(self, url: str, size: int = 4) -> None:
        self.url = url
        self.idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        self.slots = threading.BoundedSemaphore(size)
        self.closed = False

    def open(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.url, autocommit=True, application_name="cityhub")
        conn.execute("SET jit = off")  # short queries: compiling them costs more than it saves
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self.closed:
            raise RuntimeError("the PostgreSQL store is closed")
        if not self.slots.acquire(timeout=60):
            raise TimeoutError("no PostgreSQL connection free within 60 s")
        try:
            try:
                conn = self.idle.get_nowait()
            except queue.Empty:
                conn = self.open()
            try:
                yield conn
            finally:
                if conn.closed or conn.info.transaction_status != pq.TransactionStatus.IDLE or self.closed:
                    conn.close()
                else:
                    self.idle.put(conn)
        finally:
            self.slots.release()

    def close(self) -> None:
        self.closed = True
        while not self.idle.empty():
            self.idle.get_nowait().close()


class PostgresStore(SqlStore):
    walk_bbox = False  # PostGIS keeps statistics of the points: the planner picks GiST or time order per box
    hour_sql = HOURLY
    day_sql = "floor((time + 28800) / 86400)::bigint"

    def __init__(self, url: str, pool_size: int = 4) -> None:
        self.url = url
        self.pool = Pool(url, pool_size)
        with self.pool.connection() as conn:
            self._create_schema(conn)
        if self._rows("SELECT NOT EXISTS (SELECT 1 FROM tallies) AND (EXISTS (SELECT 1 FROM events)"
                      " OR EXISTS (SELECT 1 FROM deadletters))")[0][0]:
            self.rebuild_tallies()

    @staticmethod
    def _create_schema(conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
            if not conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
                try:
                    with conn.transaction():
                        conn.execute("CREATE EXTENSION postgis")
                except psycopg.Error as err:
                    raise RuntimeError(
                        f"PostGIS is not enabled in this database and cannot be ({err.diag.message_primary});"
                        " install postgresql-15-postgis-3 and run CREATE EXTENSION postgis as a superuser") from None
            conn.execute(SCHEMA)

    def _rows(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.pool.connection() as conn:
            return conn.execute(sql.replace("?", "%s"), args).fetchall()

    def _bbox_sql(self, bbox: tuple[float, float, float, float], low: float, high: float) -> tuple[str, list[Any]]:
        return "geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)", [float(v) for v in bbox]

    def write(self, events: list[Event], dead: list[DeadLetter]) -> list[Event]:
        unique = unique_events(events)
        rows = [tuple(text(v) for v in event_row(e)) for e in unique.values()]
        dead_rows = [tuple(text(v) for v in dead_row(d)) for d in dead]
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(binary=True) as cur:
            stored: set[str] = set()
            if rows:
                seqs = [seq for (seq,) in cur.execute(NEXT_SEQS, [len(rows)]).fetchall()]
                cur.execute(INSERT_EVENTS, [seqs, *(list(column) for column in zip(*rows, strict=True))])
                stored = {uid for (uid,) in cur.fetchall()}
            if dead_rows:
                cur.execute(INSERT_DEAD, [list(column) for column in zip(*dead_rows, strict=True)])
            fresh_rows = [r for r in rows if r[0] in stored]
            tallies = tally_rows(fresh_rows, dead)
            if tallies:
                cur.execute(UPSERT_TALLIES, [list(column) for column in zip(*tallies, strict=True)])
        return [e for uid, e in unique.items() if uid in stored]

    def rebuild_tallies(self) -> None:
        """Recount the hourly counters from the stored rows (after a bulk load or an upgrade)."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE tallies IN EXCLUSIVE MODE")
            for statement in REBUILD_TALLIES:
                conn.execute(statement)

    def close(self) -> None:
        self.pool.close()
