"""The shared store: PostgreSQL with PostGIS (a geometry(Point, 4326) column under a GiST index).

Same tables and behaviour as the SQLite store: one transaction per batch. A batch of new events goes in
by one COPY; a batch that holds a stored one is deduplicated on (source, id) by `INSERT … ON CONFLICT DO
NOTHING RETURNING`, so several hub workers may write the same events at once.
Rows go in uid order and counters in key order: concurrent writers lock in the same order and never
deadlock one another; sequence numbers still follow the order of the batch.
"""

from __future__ import annotations

import struct
from typing import Any

import psycopg
from psycopg import errors, pq
from psycopg.adapt import Dumper
from psycopg.types import TypeInfo

from hub.events import DeadLetter, Event
from hub.store.analysis import rebuild_statements
from hub.store.base import ID, LAT, LON, SOURCE, TYPE, UID
from hub.store.database import Pool, placeholders
from hub.store.sql import SqlStore, dead_row, event_rows, tally_rows

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
# A batch of new events goes straight into `events` by one binary COPY: sequence numbers drawn first in
# batch order (one round trip), rows copied in uid order, the geometry sent as EWKB, the hourly counters
# computed here and upserted in key order. A COPY is a bulk insert in the server (one WAL record a heap page,
# not per row) and skips the staging table and the executor: the server spends a third less CPU per
# event than on the statement below (docs/BENCHMARKS.md, bench.pg_write). It runs in a savepoint; if the batch
# holds an event already stored, the COPY fails on the unique index, is rolled back, and the batch takes
# the staging path, which skips what is stored.
NEXT_SEQS = "SELECT nextval(pg_get_serial_sequence('events', 'seq')) FROM generate_series(1, %s) ORDER BY 1"
COPY_EVENTS = ("COPY events (seq, uid, source, id, type, domain, time, received_at, lon, lat, grid_code, town_code,"
               " district_code, severity, department, body, raw, geom) FROM STDIN (FORMAT BINARY)")
EVENT_TYPES = ["int8", "text", "text", "text", "text", "text", "float8", "float8", "float8", "float8", "text",
               "text", "text", "int2", "text", "bytea", "bytea", "geometry"]
EWKB_POINT = struct.Struct("<BIIdd")  # little-endian, Point with an SRID, the SRID, x, y
# A batch with an event already stored goes in as one binary COPY into a temporary staging table (one
# per connection, emptied at commit), then one statement: sequence numbers drawn in batch order (newest
# stored first means last of the batch first; nextval runs after the sort), rows inserted in uid order
# with the geometry built here from lon/lat, duplicates skipped (ON CONFLICT DO NOTHING), and the hourly
# counters of the rows that went in upserted per (dim, hour, domain, key) group in key order. Fixed
# orders keep concurrent writers from deadlocking one another.
STAGE = """
CREATE TEMP TABLE IF NOT EXISTS staged_events (
  ord int4, uid text, source text, id text, type text, domain text, time float8, received_at float8,
  lon float8, lat float8, grid_code text, town_code text, district_code text, severity int2, department text,
  body bytea, raw bytea) ON COMMIT DELETE ROWS
"""
STAGED_TYPES = ["int4", "text", "text", "text", "text", "text", "float8", "float8", "float8", "float8", "text",
                "text", "text", "int2", "text", "bytea", "bytea"]
COPY_STAGED = "COPY staged_events FROM STDIN (FORMAT BINARY)"
INSERT_STAGED = """
WITH numbered AS MATERIALIZED (
  SELECT nextval(pg_get_serial_sequence('events', 'seq')) AS seq, s.* FROM staged_events s ORDER BY s.ord),
stored AS (
  INSERT INTO events (seq, uid, source, id, type, domain, time, received_at, lon, lat, geom, grid_code, town_code,
    district_code, severity, department, body, raw)
  OVERRIDING SYSTEM VALUE
  SELECT seq, uid, source, id, type, domain, time, received_at, lon, lat, ST_SetSRID(ST_MakePoint(lon, lat), 4326),
    grid_code, town_code, district_code, severity, department, body, raw
  FROM numbered ORDER BY uid
  ON CONFLICT DO NOTHING
  RETURNING uid, time, domain, district_code, town_code, type, department, severity),
counted AS (
  INSERT INTO tallies (dim, hour, domain, key, count)
  SELECT k.dim, floor(s.time / 3600)::bigint, s.domain, k.key, count(*) FROM stored s
  CROSS JOIN LATERAL (VALUES ('district', coalesce(s.district_code, '')), ('town', coalesce(s.town_code, '')),
    ('type', s.type), ('department', coalesce(s.department, '')), ('severity', s.severity::text)) AS k(dim, key)
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (dim, hour, domain, key) DO UPDATE SET count = tallies.count + excluded.count)
SELECT uid FROM stored
"""
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


def staged_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """An event row for PostgreSQL: its text cannot hold NUL, which only the source's own strings (source,
    id, type) may carry; the hub's own (uid, codes, department) never do."""
    if "\x00" in row[SOURCE] or "\x00" in row[ID] or "\x00" in row[TYPE]:
        return tuple(text(v) for v in row)
    return row


def point(lon: float | None, lat: float | None) -> bytes | None:
    """The geometry column's binary value (EWKB, SRID 4326); NULL without coordinates, as ST_MakePoint gives."""
    return None if lon is None or lat is None else EWKB_POINT.pack(1, 0x20000001, 4326, lon, lat)


def geometry_dumper(oid: int) -> type[Dumper]:
    """Bytes already in the geometry type's binary form, for the COPY: PostGIS gives each database its own oid."""
    class GeometryDumper(Dumper):
        format = pq.Format.BINARY

        def dump(self, obj: Any) -> bytes:
            return obj  # `point` made it

    GeometryDumper.oid = oid
    return GeometryDumper


def know_geometry(conn: psycopg.Connection[Any]) -> None:
    """Teach a connection the geometry type, once PostGIS is in its database (a connection that knows it
    already is not asked again: the store's first one learns it when opened or after creating the schema)."""
    if conn.adapters.types.get("geometry") is not None:
        return
    info = TypeInfo.fetch(conn, "geometry")
    if info is not None:
        info.register(conn)
        conn.adapters.register_dumper(None, geometry_dumper(info.oid))  # by oid only: the COPY's set_types


def add_tallies(cur: psycopg.Cursor[Any], tallies: list[tuple[str, int, str, str, int]]) -> None:
    cur.execute(UPSERT_TALLIES, [list(column) for column in zip(*tallies, strict=True)])


def copy_new(cur: psycopg.Cursor[Any], rows: list[tuple[Any, ...]]) -> None:
    """All the rows are new: COPY them into `events` and count them (NEXT_SEQS, COPY_EVENTS)."""
    seqs = [seq for (seq,) in cur.execute(NEXT_SEQS, [len(rows)])]
    with cur.copy(COPY_EVENTS) as copy:
        copy.set_types(EVENT_TYPES)
        write_row = copy.write_row
        for i in sorted(range(len(rows)), key=lambda i: rows[i][UID]):
            row = rows[i]
            write_row((seqs[i], *row, point(row[LON], row[LAT])))
    add_tallies(cur, tally_rows(rows, []))


def insert_staged(cur: psycopg.Cursor[Any], rows: list[tuple[Any, ...]]) -> set[str]:
    """Some rows may be stored already: stage them, insert the others; the uids that went in (INSERT_STAGED)."""
    with cur.copy(COPY_STAGED) as copy:
        copy.set_types(STAGED_TYPES)
        write_row = copy.write_row
        for ord_, row in enumerate(rows):
            write_row((ord_, *row))
    return {uid for (uid,) in cur.execute(INSERT_STAGED).fetchall()}


def prepare(conn: psycopg.Connection[Any]) -> None:
    """What each of the store's connections needs beyond `pg_connect`: the staging table, the geometry type."""
    conn.execute(STAGE)
    know_geometry(conn)  # a new database has no PostGIS yet: the store's first connection learns it later


class PostgresStore(SqlStore):
    walk_bbox = False  # PostGIS keeps statistics of the points: the planner picks GiST or time order per box
    hour_sql = HOURLY
    day_sql = "floor((time + 28800) / 86400)::bigint"

    def __init__(self, url: str, pool_size: int = 4) -> None:
        self.url = url
        self.pool = Pool(url, pool_size, prepare)  # shared by the ingest thread and the API's threads
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
        know_geometry(conn)

    def _rows(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Reads are never prepared on the server: psycopg would after a statement's 5th run, and PostgreSQL may
        then keep one generic plan for every value. For a box that was the GiST index and a sort of all the box
        holds, whatever its size (the whole city at 10 M events: 40 s). Planned with its values each time, a
        big box reads back through the time index (1 ms) and a small one takes GiST."""
        with self.pool.connection() as conn:
            return conn.execute(placeholders(sql), args, prepare=False).fetchall()

    def _bbox_sql(self, bbox: tuple[float, float, float, float], low: float, high: float) -> tuple[str, list[Any]]:
        return "geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)", [float(v) for v in bbox]

    def write(self, events: list[Event], dead: list[DeadLetter]) -> list[Event]:
        unique, rows = event_rows(events)
        rows = [staged_row(row) for row in rows]
        dead_rows = [tuple(text(v) for v in dead_row(d)) for d in dead]
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            stored: set[str] | None = None  # None: all of them
            if rows:
                try:
                    with conn.transaction():  # a savepoint: an event already stored rolls the COPY back to here
                        copy_new(cur, rows)
                except errors.UniqueViolation:
                    stored = insert_staged(cur, rows)
            if dead_rows:
                cur.execute(INSERT_DEAD, [list(column) for column in zip(*dead_rows, strict=True)])
                add_tallies(cur, tally_rows([], dead))
        if stored is None or len(stored) == len(unique):
            return unique
        return [e for e, row in zip(unique, rows, strict=True) if row[UID] in stored]

    def rebuild_tallies(self) -> None:
        """Recount the hourly counters from the stored rows (after a bulk load or an upgrade)."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE tallies IN EXCLUSIVE MODE")
            for statement in REBUILD_TALLIES:
                conn.execute(statement)

    def close(self) -> None:
        self.pool.close()
