"""The embedded store: SQLite in WAL mode, a tile and time index for bounding boxes, hourly counters."""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from hub.events import DeadLetter, Event
from hub.store.analysis import rebuild_statements
from hub.store.base import EVENT_COLUMNS, ID, SOURCE, UID
from hub.store.database import SqliteDatabase
from hub.store.sql import DEAD_COLUMNS, SqlStore, dead_row, event_rows, tally_rows

# Bounding boxes: an index over a coarse tile of the point (0.05° × 0.05°, about 5 km; an expression of
# lon and lat, so the table keeps its columns) and time, covering lon and lat. A box lists its tiles and
# reads each tile's time window newest first, checking lon and lat in the index before it reads a row, so
# a box within a time window costs what its tiles hold in that window, not what they gathered over the
# months (see SqlStore._walk_back). It replaced an R*Tree over lon, lat and time, whose upkeep cost about
# three times as much per stored event as this index.
TILES_PER_DEGREE = 20
TILE = (f"CAST(lon * {TILES_PER_DEGREE} AS INTEGER) * 10000 + CAST(lat * {TILES_PER_DEGREE} AS INTEGER)")
TILE_INDEX = f"CREATE INDEX IF NOT EXISTS events_tile_time ON events ({TILE}, time, lon, lat)"
SCHEMA = f"""
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
{TILE_INDEX};
CREATE TABLE IF NOT EXISTS deadletters (
  seq INTEGER PRIMARY KEY, received_at REAL NOT NULL, reason TEXT NOT NULL, transport TEXT NOT NULL,
  topic TEXT NOT NULL, partition INTEGER, "offset" INTEGER, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tallies (
  dim TEXT NOT NULL, hour INTEGER NOT NULL, domain TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (dim, hour, domain, key)) WITHOUT ROWID;
"""
INSERT_EVENTS = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({','.join('?' * len(EVENT_COLUMNS))})"
INSERT_NEW_EVENTS = INSERT_EVENTS.replace("INSERT INTO", "INSERT OR IGNORE INTO")  # a stored (source, id) is skipped
INSERT_DEAD = f"INSERT INTO deadletters ({', '.join(DEAD_COLUMNS)}) VALUES ({','.join('?' * len(DEAD_COLUMNS))})"
UPSERT_TALLY = ("INSERT INTO tallies (dim, hour, domain, key, count) VALUES (?,?,?,?,?)"
                " ON CONFLICT (dim, hour, domain, key) DO UPDATE SET count = count + excluded.count")
REBUILD_TALLIES = rebuild_statements("CAST({} / 3600 AS INTEGER)", "TEMP TABLE")
MAX_TILES = 1024  # a larger box (over ~1.6° a side, more than the whole city) reads in time order instead
OLD_SPATIAL = ("events_space", "events_rtree")  # the R*Trees of earlier versions, dropped on open


def tiles(bbox: tuple[float, float, float, float]) -> list[int] | None:
    """The tile numbers (as TILE computes them) of every point inside `bbox`; None if there are too many.

    Truncation by CAST (as int() does) is monotonic, so the tiles of the corners bound those of the box.
    Stored points are real coordinates: the box is clipped to them (a NaN edge holds no point)."""
    if any(math.isnan(v) for v in bbox):
        return []
    x0, x1 = (max(-180.0, min(180.0, v)) for v in (bbox[0], bbox[2]))
    y0, y1 = (max(-90.0, min(90.0, v)) for v in (bbox[1], bbox[3]))
    xs = range(int(x0 * TILES_PER_DEGREE), int(x1 * TILES_PER_DEGREE) + 1)
    ys = range(int(y0 * TILES_PER_DEGREE), int(y1 * TILES_PER_DEGREE) + 1)
    if len(xs) * len(ys) > MAX_TILES:
        return None
    return [x * 10000 + y for x in xs for y in ys]


class SqliteStore(SqlStore):
    walk_prefix = True  # SQLite's planner takes the (grid_code, time) index and sorts a whole busy town

    def __init__(self, path: str) -> None:
        self.path = path
        self.db = SqliteDatabase(path)  # the file's connections, shared with the other tables in it
        self._write_lock = self.db.lock  # `write` holds it over its BEGIN IMMEDIATE … COMMIT, as `exclusive()` does
        conn = self._conn()
        conn.executescript(SCHEMA)
        self._upgrade(conn)
        if conn.execute("SELECT NOT EXISTS (SELECT 1 FROM tallies) AND (EXISTS (SELECT 1 FROM events)"
                        " OR EXISTS (SELECT 1 FROM deadletters))").fetchone()[0]:
            self.rebuild_tallies()

    def _conn(self) -> sqlite3.Connection:
        return self.db.connection()

    def _rows(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._conn().execute(sql, args).fetchall()

    def _bbox_sql(self, bbox: tuple[float, float, float, float], low: float, high: float) -> tuple[str, list[Any]]:
        """The caller bounds time ([low, high) in its own clause): the tile index serves both."""
        x0, y0, x1, y1 = bbox
        box = "lon >= ? AND lon <= ? AND lat >= ? AND lat <= ?"
        listed = tiles(bbox)
        if listed is None:
            return box, [x0, x1, y0, y1]
        return f"{TILE} IN ({','.join('?' * len(listed))}) AND {box}", [*listed, x0, x1, y0, y1]

    def _upgrade(self, conn: sqlite3.Connection) -> None:
        """A database from before the tile index: SCHEMA has built it from the stored rows (CREATE INDEX IF
        NOT EXISTS); drop the R*Tree it replaces."""
        with self.db.exclusive():
            for table in OLD_SPATIAL:
                conn.execute(f"DROP TABLE IF EXISTS {table}")

    def write(self, events: list[Event], dead: list[DeadLetter]) -> list[Event]:
        unique, rows = event_rows(events)
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                fresh, rows = self._insert_new(conn, unique, rows)
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
    def _insert_new(conn: sqlite3.Connection, unique: list[Event],
                    rows: list[tuple[Any, ...]]) -> tuple[list[Event], list[tuple[Any, ...]]]:
        """Insert the events not stored yet, given with their rows (the batch is already without repeats; dedup
        by (source, id), whose unique index skips a stored one whatever its uid); the fresh ones and their rows,
        in batch order.

        The unique indexes skip what is stored (INSERT OR IGNORE): no lookup before, which at 10 M rows read
        a random index page per event. Only when some were skipped (a redelivery) are the new rows told from
        the old, by their seq, which grows. Runs under the write lock (BEGIN IMMEDIATE): no other writer can
        slip in between."""
        if not unique:
            return [], []
        top = conn.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
        before = conn.total_changes
        conn.executemany(INSERT_NEW_EVENTS, rows)
        if conn.total_changes - before == len(rows):
            return unique, rows
        stored = {r[0] for r in conn.execute("SELECT uid FROM events WHERE seq > ?", (top,))}
        skipped = [(row[SOURCE], row[ID]) for row in rows if row[UID] not in stored]
        there: set[tuple[str, str]] = set()
        for start in range(0, len(skipped), 400):
            chunk = skipped[start:start + 400]
            pairs = ",".join(["(?,?)"] * len(chunk))
            there.update(conn.execute(f"SELECT source, id FROM events WHERE (id, source) IN (VALUES {pairs})",
                                      [v for source, event_id in chunk for v in (event_id, source)]))
        if len(there) < len(skipped):  # IGNORE skips any row that breaks a constraint, not only a repeat
            missing = next(key for key in skipped if key not in there)
            raise sqlite3.IntegrityError(f"{len(skipped) - len(there)} events neither stored nor repeats ({missing} …)")
        kept = [(e, row) for e, row in zip(unique, rows, strict=True) if row[UID] in stored]
        return [e for e, _ in kept], [row for _, row in kept]

    def rebuild_tallies(self) -> None:
        """Recount the hourly counters from the stored rows (after a bulk load or an upgrade)."""
        conn = self._conn()
        with self.db.exclusive():
            for statement in REBUILD_TALLIES:
                conn.execute(statement)

    def close(self) -> None:
        """Close every thread's connection; the store reopens one on next use."""
        self.db.close(lambda conn: conn.execute("PRAGMA optimize"))
