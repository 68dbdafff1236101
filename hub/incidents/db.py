"""The incident tables in the hub's own database (SQLite or PostgreSQL), beside the events store.

The tables (`incidents`, `incident_members`, `incident_steps`, `incident_timers`) are this package's; the
connections, the dialect and `exclusive()` are the hub's one SQL layer (`hub.store.database`). Writes run
in `exclusive()`, which serializes them across threads *and processes*: that is what keeps correlation
right when several hub workers share the database.

`incident_generation` holds one number, raised by every write to the incident rows (under the
same lock): an engine that finds the number it last wrote knows that its in-memory copy of the
open incidents is still the database's.
"""

from __future__ import annotations

from hub.store.database import Database, open_database

__all__ = ["TABLES", "Database", "Db", "open_db"]
Db = Database  # the name the packages that keep tables beside the incidents' import

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


def open_db(url: str) -> Database:
    """The hub's database at `url` (`sqlite:///PATH` or `postgresql://…`) with the incident tables in place."""
    db = open_database(url)
    db.create(TABLES)
    return db
