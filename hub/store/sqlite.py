"""The embedded store: SQLite in WAL mode, an R*Tree index for bounding-box queries."""

from __future__ import annotations

import base64
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from hub.events import DeadLetter, Event
from hub.store.base import STATS_BY, EventQuery, Page

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, source TEXT NOT NULL, id TEXT NOT NULL,
  type TEXT NOT NULL, domain TEXT NOT NULL, time REAL NOT NULL, received_at REAL NOT NULL,
  lon REAL, lat REAL, grid_code TEXT, town_code TEXT, district_code TEXT,
  severity INTEGER NOT NULL DEFAULT 0, department TEXT, body BLOB NOT NULL, raw BLOB NOT NULL,
  UNIQUE (source, id));
CREATE INDEX IF NOT EXISTS events_time ON events (time);
CREATE INDEX IF NOT EXISTS events_type_time ON events (type, time);
CREATE INDEX IF NOT EXISTS events_district_time ON events (district_code, time);
CREATE INDEX IF NOT EXISTS events_grid_time ON events (grid_code, time);
CREATE VIRTUAL TABLE IF NOT EXISTS events_rtree USING rtree (seq, min_lon, max_lon, min_lat, max_lat);
CREATE TABLE IF NOT EXISTS deadletters (
  seq INTEGER PRIMARY KEY, received_at REAL NOT NULL, reason TEXT NOT NULL, transport TEXT NOT NULL,
  topic TEXT NOT NULL, partition INTEGER, "offset" INTEGER, raw BLOB NOT NULL);
"""
INSERT = (
    "INSERT INTO events (uid, source, id, type, domain, time, received_at, lon, lat, grid_code,"
    " town_code, district_code, severity, department, body, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
GROUP_SQL = {
    "district": "district_code", "domain": "domain", "type": "type", "grid": "grid_code",
    "town": "town_code", "department": "department", "severity": "severity",
    "hour": "strftime('%Y-%m-%dT%H:00:00Z', time, 'unixepoch')",
}


def epoch(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def event_row(event: Event) -> tuple[Any, ...]:
    hub = event.hub
    assert hub is not None
    ce = event.ce
    return (
        hub.uid, ce["source"], ce["id"], ce["type"], event.domain, epoch(ce["time"]), hub.received_at,
        hub.lon, hub.lat, hub.grid_code, hub.town_code, hub.district_code, hub.severity,
        hub.department, orjson.dumps(event.normalized()), event.message.payload,
    )


class SqliteStore:
    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._conn().executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def write(self, events: list[Event], dead: list[DeadLetter]) -> list[Event]:
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                fresh = self._fresh(conn, events)
                last = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
                conn.executemany(INSERT, [event_row(e) for e in fresh])
                conn.execute(
                    "INSERT INTO events_rtree SELECT seq, lon, lon, lat, lat FROM events"
                    " WHERE seq > ? AND lon IS NOT NULL", (last,))
                conn.executemany(
                    'INSERT INTO deadletters (received_at, reason, transport, topic, partition, "offset", raw)'
                    " VALUES (?,?,?,?,?,?,?)",
                    [(d.received_at, d.reason, d.transport, d.topic, d.partition, d.offset, d.raw) for d in dead])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return fresh

    @staticmethod
    def _fresh(conn: sqlite3.Connection, events: list[Event]) -> list[Event]:
        """Drop events already stored, and repeats within the batch: dedup by (source, id)."""
        unique: dict[str, Event] = {}
        for event in events:
            assert event.hub is not None
            unique.setdefault(event.hub.uid, event)
        if not unique:
            return []
        uids = list(unique)
        seen: set[str] = set()
        for start in range(0, len(uids), 500):
            chunk = uids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            seen.update(r[0] for r in conn.execute(f"SELECT uid FROM events WHERE uid IN ({marks})", chunk))
        return [e for uid, e in unique.items() if uid not in seen]

    def events(self, query: EventQuery) -> Page:
        where, args = ["1=1"], []
        for column, value in (("type", query.type), ("domain", query.domain), ("district_code", query.district)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if query.grid:
            where.append("grid_code LIKE ?")
            args.append(query.grid + "%")
        if query.since is not None:
            where.append("time >= ?")
            args.append(query.since)
        if query.until is not None:
            where.append("time < ?")
            args.append(query.until)
        if query.before is not None:
            where.append("seq < ?")
            args.append(query.before)
        if query.bbox:
            where.append("seq IN (SELECT seq FROM events_rtree WHERE min_lon >= ? AND max_lon <= ?"
                         " AND min_lat >= ? AND max_lat <= ?)")
            x0, y0, x1, y1 = query.bbox
            args += [x0, x1, y0, y1]
        sql = f"SELECT seq, body FROM events WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?"
        rows = self._conn().execute(sql, [*args, query.limit + 1]).fetchall()
        items = [orjson.loads(body) for _, body in rows[: query.limit]]
        return Page(items, rows[query.limit - 1][0] if len(rows) > query.limit else None)

    def event(self, uid: str) -> dict[str, Any] | None:
        row = self._conn().execute(
            "SELECT body, raw FROM events WHERE uid = ? UNION ALL SELECT body, raw FROM events WHERE id = ? LIMIT 1",
            (uid, uid)).fetchone()
        if row is None:
            return None
        return orjson.loads(row[0]) | {"raw": base64.b64encode(row[1]).decode()}

    def deadletters(self, limit: int = 100, before: int | None = None) -> Page:
        rows = self._conn().execute(
            'SELECT seq, received_at, reason, transport, topic, partition, "offset", raw FROM deadletters'
            " WHERE seq < ? ORDER BY seq DESC LIMIT ?", (before or 2**62, limit + 1)).fetchall()
        items = [
            {"seq": r[0], "received_at": r[1], "reason": r[2], "transport": r[3], "topic": r[4],
             "partition": r[5], "offset": r[6], "raw": base64.b64encode(r[7]).decode()}
            for r in rows[:limit]
        ]
        return Page(items, rows[limit - 1][0] if len(rows) > limit else None)

    def stats(self, by: str, since: float | None = None) -> list[dict[str, Any]]:
        if by not in STATS_BY:
            raise ValueError(f"by must be one of {', '.join(STATS_BY)}")
        key = GROUP_SQL[by]
        rows = self._conn().execute(
            f"SELECT {key} AS k, count(*) FROM events WHERE time >= ? GROUP BY k ORDER BY count(*) DESC, k",
            (since if since is not None else -1e18,)).fetchall()
        return [{"key": k, "count": n} for k, n in rows]

    def counts(self) -> dict[str, int]:
        conn = self._conn()
        return {
            "events": conn.execute("SELECT count(*) FROM events").fetchone()[0],
            "deadletters": conn.execute("SELECT count(*) FROM deadletters").fetchone()[0],
        }

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
