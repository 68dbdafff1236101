"""The embedded store: SQLite in WAL mode, an R*Tree space-time index for bounding boxes, hourly counters."""

from __future__ import annotations

import contextlib
import math
import sqlite3
import threading
from pathlib import Path
from typing import Any

from hub.events import DeadLetter, Event
from hub.store.analysis import rebuild_statements
from hub.store.sql import DEAD_COLUMNS, EVENT_COLUMNS, SqlStore, dead_row, event_row, tally_rows, unique_events

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, source TEXT NOT NULL, id TEXT NOT NULL,
  type TEXT NOT NULL, domain TEXT NOT NULL, time REAL NOT NULL, received_at REAL NOT NULL,
  lon REAL, lat REAL, grid_code TEXT, town_code TEXT, district_code TEXT,
  severity INTEGER NOT NULL DEFAULT 0, department TEXT, body BLOB NOT NULL, raw BLOB NOT NULL,
  UNIQUE (id, source));
CREATE INDEX IF NOT EXISTS events_time ON events (time, grid_code);
CREATE INDEX IF NOT EXISTS events_type_time ON events (type, time);
CREATE INDEX IF NOT EXISTS events_district_time ON events (district_code, time);
CREATE INDEX IF NOT EXISTS events_grid_time ON events (grid_code, time);
CREATE TABLE IF NOT EXISTS deadletters (
  seq INTEGER PRIMARY KEY, received_at REAL NOT NULL, reason TEXT NOT NULL, transport TEXT NOT NULL,
  topic TEXT NOT NULL, partition INTEGER, "offset" INTEGER, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tallies (
  dim TEXT NOT NULL, hour INTEGER NOT NULL, domain TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (dim, hour, domain, key)) WITHOUT ROWID;
"""
INSERT_EVENTS = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({','.join('?' * len(EVENT_COLUMNS))})"
INSERT_DEAD = f"INSERT INTO deadletters ({', '.join(DEAD_COLUMNS)}) VALUES ({','.join('?' * len(DEAD_COLUMNS))})"
UPSERT_TALLY = ("INSERT INTO tallies (dim, hour, domain, key, count) VALUES (?,?,?,?,?)"
                " ON CONFLICT (dim, hour, domain, key) DO UPDATE SET count = count + excluded.count")
REBUILD_TALLIES = rebuild_statements("CAST({} / 3600 AS INTEGER)", "TEMP TABLE")
# The space-time index: an integer R*Tree over longitude and latitude (microdegrees) and event time
# (seconds since T0), so a bounding box within a time window costs what the window holds, not what
# the box has gathered over the months (see SqlStore._walk_back).
T0 = 1_500_000_000
SPACE = ("CREATE VIRTUAL TABLE IF NOT EXISTS events_space USING rtree_i32"
         " (seq, min_x, max_x, min_y, max_y, min_t, max_t)")
FILL_SPACE = f"""
INSERT INTO events_space SELECT seq, x, x, y, y, t, t FROM (
  SELECT seq, CAST(round(lon * 1e6) AS INTEGER) AS x, CAST(round(lat * 1e6) AS INTEGER) AS y,
    CAST(max(min(time - {T0}, 2147483647), -2147483648) AS INTEGER) AS t
  FROM events WHERE seq > ? AND lon IS NOT NULL AND lat IS NOT NULL)
"""


def seconds(moment: float) -> int:
    """An event time as the space-time index keeps it (whole seconds since T0, clamped to 32 bits)."""
    return max(min(math.floor(moment) - T0, 2**31 - 1), -(2**31))


class SqliteStore(SqlStore):
    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []
        conn = self._conn()
        conn.executescript(SCHEMA)
        self._upgrade(conn)
        if conn.execute("SELECT NOT EXISTS (SELECT 1 FROM tallies) AND (EXISTS (SELECT 1 FROM events)"
                        " OR EXISTS (SELECT 1 FROM deadletters))").fetchone()[0]:
            self.rebuild_tallies()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MiB per connection
            conn.execute("PRAGMA mmap_size=1073741824")
            self._local.conn = conn
            with self._write_lock:
                self._opened.append(conn)
        return conn

    def _rows(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._conn().execute(sql, args).fetchall()

    def _bbox_sql(self, bbox: tuple[float, float, float, float], low: float, high: float) -> tuple[str, list[Any]]:
        x0, y0, x1, y1 = bbox
        return ("lon >= ? AND lon <= ? AND lat >= ? AND lat <= ? AND seq IN (SELECT seq FROM events_space"
                " WHERE min_x >= ? AND max_x <= ? AND min_y >= ? AND max_y <= ? AND min_t >= ? AND max_t <= ?)",
                [x0, x1, y0, y1, math.floor(x0 * 1e6), math.ceil(x1 * 1e6), math.floor(y0 * 1e6),
                 math.ceil(y1 * 1e6), seconds(low) - 1, seconds(high) + 1])  # a second's slack: CAST truncates

    def _upgrade(self, conn: sqlite3.Connection) -> None:
        """A database from before the space-time index: build it once from the stored rows."""
        conn.execute(SPACE)
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("SELECT NOT EXISTS (SELECT 1 FROM events_space) AND EXISTS (SELECT 1 FROM events)"
                                ).fetchone()[0]:
                    conn.execute(FILL_SPACE, (0,))
                conn.execute("DROP TABLE IF EXISTS events_rtree")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def write(self, events: list[Event], dead: list[DeadLetter]) -> list[Event]:
        unique = unique_events(events)
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                fresh = self._fresh(conn, unique)
                if fresh:
                    rows = [event_row(e) for e in fresh]
                    last = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
                    conn.executemany(INSERT_EVENTS, rows)
                    conn.execute(FILL_SPACE, (last,))
                else:
                    rows = []
                if dead:
                    conn.executemany(INSERT_DEAD, [dead_row(d) for d in dead])
                if rows or dead:
                    conn.executemany(UPSERT_TALLY, tally_rows(rows, dead))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return fresh

    @staticmethod
    def _fresh(conn: sqlite3.Connection, unique: dict[str, Event]) -> list[Event]:
        """Drop events already stored (the batch is already without repeats): dedup by (source, id).

        Runs under the write lock (BEGIN IMMEDIATE), so no other writer can slip in between."""
        if not unique:
            return []
        uids = list(unique)
        seen: set[str] = set()
        for start in range(0, len(uids), 500):
            chunk = uids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            seen.update(r[0] for r in conn.execute(f"SELECT uid FROM events WHERE uid IN ({marks})", chunk))
        if not seen:
            return list(unique.values())
        return [e for uid, e in unique.items() if uid not in seen]

    def rebuild_tallies(self) -> None:
        """Recount the hourly counters from the stored rows (after a bulk load or an upgrade)."""
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in REBUILD_TALLIES:
                    conn.execute(statement)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close every thread's connection; the store reopens one on next use."""
        with self._write_lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA optimize")
            conn.close()
        self._local = threading.local()
