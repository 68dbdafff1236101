"""A hub.sqlite written by an earlier SQLite store opens and answers in full: the first one (no counters, a
2-D R*Tree) and the second (a space-time R*Tree, replaced by the tile index)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.store import EventQuery
from hub.store.sql import EVENT_COLUMNS, event_row
from hub.store.sqlite import SqliteStore
from tests.store.cases import NOW_HOUR, PENGJIANG, make_dead, sample

FIRST_SCHEMA = """
CREATE TABLE events (
  seq INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, source TEXT NOT NULL, id TEXT NOT NULL,
  type TEXT NOT NULL, domain TEXT NOT NULL, time REAL NOT NULL, received_at REAL NOT NULL,
  lon REAL, lat REAL, grid_code TEXT, town_code TEXT, district_code TEXT,
  severity INTEGER NOT NULL DEFAULT 0, department TEXT, body BLOB NOT NULL, raw BLOB NOT NULL,
  UNIQUE (source, id));
CREATE INDEX events_time ON events (time);
CREATE VIRTUAL TABLE events_rtree USING rtree (seq, min_lon, max_lon, min_lat, max_lat);
CREATE TABLE deadletters (
  seq INTEGER PRIMARY KEY, received_at REAL NOT NULL, reason TEXT NOT NULL, transport TEXT NOT NULL,
  topic TEXT NOT NULL, partition INTEGER, "offset" INTEGER, raw BLOB NOT NULL);
"""


def test_a_database_of_the_first_store_is_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    events = sample()
    conn = sqlite3.connect(path)
    conn.executescript(FIRST_SCHEMA)
    marks = ",".join("?" * len(EVENT_COLUMNS))
    conn.executemany(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})",
                     [event_row(e) for e in events])
    conn.execute("INSERT INTO events_rtree SELECT seq, lon, lon, lat, lat FROM events")
    dead = make_dead(1, NOW_HOUR - 100)
    conn.execute('INSERT INTO deadletters (received_at, reason, transport, topic, partition, "offset", raw)'
                 " VALUES (?,?,?,?,?,?,?)", (dead.received_at, dead.reason, dead.transport, dead.topic, None, None,
                                             dead.raw))
    conn.commit()
    conn.close()

    store = SqliteStore(str(path))
    try:
        assert store.counts() == {"events": len(events), "deadletters": 1}
        assert sum(r["count"] for r in store.stats("district")) == len(events)
        box = (PENGJIANG[0] - 0.01, PENGJIANG[1] - 0.01, PENGJIANG[0] + 0.01, PENGJIANG[1] + 0.01)
        found = store.events(EventQuery(bbox=box, limit=100)).items
        assert len(found) == sum(1 for e in events if e.hub is not None and (e.hub.lon, e.hub.lat) == PENGJIANG)
        assert store.write(events[:3], []) == []  # still deduplicated against the old rows
    finally:
        store.close()
    names = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "events_tile_time" in names and "tallies" in names
    assert not {"events_rtree", "events_space", "events_space_node"} & names


SPACE_TIME_RTREE = "CREATE VIRTUAL TABLE events_space USING rtree_i32 (seq, min_x, max_x, min_y, max_y, min_t, max_t)"


def test_a_database_with_the_space_time_rtree_gets_the_tile_index(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    events = sample()
    store = SqliteStore(str(path))  # today's tables, then made to look like the second store's
    store.write(events, [])
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX events_tile_time")
    conn.execute(SPACE_TIME_RTREE)
    conn.execute("INSERT INTO events_space SELECT seq, CAST(round(lon * 1e6) AS INTEGER), CAST(round(lon * 1e6)"
                 " AS INTEGER), CAST(round(lat * 1e6) AS INTEGER), CAST(round(lat * 1e6) AS INTEGER),"
                 " CAST(time - 1500000000 AS INTEGER), CAST(time - 1500000000 AS INTEGER) FROM events")
    conn.commit()
    conn.close()

    store = SqliteStore(str(path))
    try:
        box = (PENGJIANG[0] - 0.01, PENGJIANG[1] - 0.01, PENGJIANG[0] + 0.01, PENGJIANG[1] + 0.01)
        found = store.events(EventQuery(bbox=box, limit=1000)).items
        assert sorted(e["hub"]["uid"] for e in found) == sorted(
            e.hub.uid for e in events if e.hub is not None and (e.hub.lon, e.hub.lat) == PENGJIANG)
        assert store.counts()["events"] == len(events)
    finally:
        store.close()
    names = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "events_tile_time" in names and not {"events_space", "events_space_node"} & names
