"""The people tables in the hub's own database (SQLite or PostgreSQL), beside the incident tables.

They go through the hub's one SQL layer (`hub.store.database`: one connection per thread, `exclusive()`
writes, the dialect); only the tables are this package's.
"""

from __future__ import annotations

from hub.incidents.db import open_db
from hub.store.database import Database

TABLES = """
CREATE TABLE IF NOT EXISTS people_users (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, department TEXT, district_code TEXT, town_code TEXT,
  password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_at {real} NOT NULL,
  updated_at {real} NOT NULL);
CREATE TABLE IF NOT EXISTS people_tokens (
  token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, issued_at {real} NOT NULL, expires_at {real} NOT NULL,
  revoked_at {real}, address TEXT);
CREATE INDEX IF NOT EXISTS people_tokens_user ON people_tokens (user_name);
CREATE TABLE IF NOT EXISTS people_signin_failures (key TEXT NOT NULL, at {real} NOT NULL);
CREATE INDEX IF NOT EXISTS people_signin_failures_key ON people_signin_failures (key, at);
CREATE TABLE IF NOT EXISTS audit_log (
  seq BIGINT PRIMARY KEY, at {real} NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
  detail TEXT NOT NULL, address TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_log_who ON audit_log (who, seq);
CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alarm_acks (
  event_uid TEXT PRIMARY KEY, by_user TEXT NOT NULL, at {real} NOT NULL, note TEXT NOT NULL,
  district_code TEXT, town_code TEXT, department TEXT);
CREATE INDEX IF NOT EXISTS alarm_acks_at ON alarm_acks (at);
"""


def open_people_db(url: str) -> Database:
    """The hub's database with the people tables in place."""
    db = open_db(url)
    db.create(TABLES)
    return db
