"""The exchange's outbox: reports to the province, in the hub's own database, numbered in the order they
were written (`seq`), each written in the transaction of its cause (an incident step) or once per key (a
day's indicators). One sender at a time holds the exchange (a lease on the `exchange_state` row) and
sends the lowest undelivered report first: the province receives them in order, and a report it could
not take holds back the ones after it."""

from __future__ import annotations

from typing import Any

import orjson

from hub.store.database import Database

TABLES = """
CREATE TABLE IF NOT EXISTS exchange_reports (
  seq {id_column}, key TEXT UNIQUE, kind TEXT NOT NULL, incident_id BIGINT, body TEXT NOT NULL,
  created_at {real} NOT NULL, delivered_at {real}, attempts INTEGER NOT NULL DEFAULT 0,
  replay INTEGER NOT NULL DEFAULT 0, last_error TEXT);
CREATE INDEX IF NOT EXISTS exchange_reports_due ON exchange_reports (delivered_at, seq);
CREATE INDEX IF NOT EXISTS exchange_reports_created ON exchange_reports (created_at);
CREATE TABLE IF NOT EXISTS exchange_state (
  id INTEGER PRIMARY KEY, leased_by TEXT, lease_until {real} NOT NULL DEFAULT 0, next_at {real} NOT NULL DEFAULT 0,
  last_seq BIGINT, last_delivered_at {real}, failures INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  last_error_at {real});
INSERT INTO exchange_state (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS exchange_orders (
  order_id TEXT PRIMARY KEY, incident_id BIGINT NOT NULL, body TEXT NOT NULL, received_at {real} NOT NULL);
"""


def create_tables(db: Database) -> None:
    db.create(TABLES)


class ReportOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db
        create_tables(db)

    def add(self, kind: str, body: dict[str, Any], now: float, incident_id: int | None = None,
            key: str | None = None) -> bool:
        """Queue a report (inside the cause's transaction); False when its key was queued already."""
        return bool(self.db.execute(
            "INSERT INTO exchange_reports (key, kind, incident_id, body, created_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT (key) DO NOTHING RETURNING seq",
            (key, kind, incident_id, orjson.dumps(body).decode(), now)))

    def hold(self, sender: str, now: float, lease_s: float) -> bool:
        """Take or keep the exchange for `sender` until now + lease_s, when it is due; False when another
        sender holds it or a backoff runs."""
        return bool(self.db.execute(
            "UPDATE exchange_state SET leased_by = ?, lease_until = ? WHERE id = 1 AND next_at <= ?"
            " AND (lease_until < ? OR leased_by = ?) RETURNING id", (sender, now + lease_s, now, now, sender)))

    def next_due(self) -> dict[str, Any] | None:
        row = self.db.one("SELECT seq, kind, body, created_at, replay, attempts FROM exchange_reports"
                          " WHERE delivered_at IS NULL ORDER BY seq LIMIT 1")
        return None if row is None else row | {"body": orjson.loads(row["body"])}

    def delivered(self, seq: int, sender: str, now: float) -> None:
        with self.db.exclusive():
            self.db.execute("UPDATE exchange_reports SET delivered_at = ?, attempts = attempts + 1, last_error = NULL"
                            " WHERE seq = ?", (now, seq))
            self.db.execute("UPDATE exchange_state SET last_seq = ?, last_delivered_at = ?, failures = 0"
                            " WHERE id = 1 AND leased_by = ?", (seq, now, sender))

    def failed(self, seq: int, sender: str, now: float, error: str, retry_at: float) -> int:
        """Record a failed attempt; the exchange waits until `retry_at`. The failures in a row so far."""
        with self.db.exclusive():
            self.db.execute("UPDATE exchange_reports SET attempts = attempts + 1, last_error = ? WHERE seq = ?",
                            (error[:500], seq))
            row = self.db.one("UPDATE exchange_state SET failures = failures + 1, last_error = ?, last_error_at = ?,"
                              " next_at = ? WHERE id = 1 AND leased_by = ? RETURNING failures",
                              (error[:500], now, retry_at, sender))
        return int(row["failures"]) if row else 0

    def replay(self, since: float) -> int:
        """Send again, in order, every report written at or after `since`; how many."""
        with self.db.exclusive():
            rows = self.db.execute("UPDATE exchange_reports SET delivered_at = NULL, replay = 1 WHERE created_at >= ?"
                                   " RETURNING seq", (since,))
            self.db.execute("UPDATE exchange_state SET next_at = 0 WHERE id = 1")
        return len(rows)

    def state(self) -> dict[str, Any]:
        row = self.db.one("SELECT leased_by, last_seq, last_delivered_at, failures, last_error, last_error_at, next_at"
                          " FROM exchange_state WHERE id = 1") or {}
        backlog = self.db.one("SELECT count(*) AS n, min(created_at) AS oldest FROM exchange_reports"
                              " WHERE delivered_at IS NULL") or {}
        total = self.db.one("SELECT count(*) AS n FROM exchange_reports") or {}
        return row | {"backlog": int(backlog.get("n") or 0), "oldest_waiting": backlog.get("oldest"),
                      "reports": int(total.get("n") or 0)}

    def search(self, limit: int = 100, since: float | None = None) -> list[dict[str, Any]]:
        where, args = ("created_at >= ?", [since]) if since is not None else ("1=1", [])
        rows = self.db.execute(f"SELECT seq, key, kind, incident_id, body, created_at, delivered_at, attempts, replay,"
                               f" last_error FROM exchange_reports WHERE {where} ORDER BY seq DESC LIMIT ?",
                               [*args, limit])
        return [r | {"body": orjson.loads(r["body"])} for r in rows]
