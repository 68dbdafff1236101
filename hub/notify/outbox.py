"""The notices outbox: a table in the hub's own database (SQLite or PostgreSQL), beside the incidents.

A notice is written by `add` inside the transaction of its cause (an incident step, a timer's check, a
device's state): it commits or rolls back with it, so a crash never leaves a step without its notices
nor a notice without its step. Each notice has a unique `key` (trigger key / recipient / channel): a
cause seen twice — a replayed batch, two hub workers, a restarted hub — adds it once.

Senders take due notices with a lease (`claim`): one statement marks them leased by this sender until
`lease_until`, so two senders never hold the same notice; a sender that dies leaves its lease to run out
and another sender takes the notice again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.store.database import Database

TABLES = """
CREATE TABLE IF NOT EXISTS notices (
  id {id_column}, key TEXT NOT NULL UNIQUE, trigger TEXT NOT NULL, channel TEXT NOT NULL,
  recipient TEXT NOT NULL, address TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
  incident_id BIGINT, state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
  next_at {real} NOT NULL, lease_until {real} NOT NULL DEFAULT 0, leased_by TEXT, last_error TEXT,
  created_at {real} NOT NULL, sent_at {real});
CREATE INDEX IF NOT EXISTS notices_due ON notices (state, next_at);
CREATE INDEX IF NOT EXISTS notices_created ON notices (created_at, id);
CREATE INDEX IF NOT EXISTS notices_incident ON notices (incident_id, trigger);
CREATE TABLE IF NOT EXISTS notice_channels (
  channel TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0, last_error TEXT, failed_at {real},
  alarmed INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS notice_preferences (
  recipient TEXT NOT NULL, channel TEXT NOT NULL, enabled INTEGER NOT NULL, address TEXT,
  changed_at {real} NOT NULL, PRIMARY KEY (recipient, channel));
CREATE TABLE IF NOT EXISTS notice_people (
  recipient TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, department TEXT, district TEXT, town TEXT);
"""
STATES = ("pending", "sent", "failed")
COLUMNS = ("id", "key", "trigger", "channel", "recipient", "address", "subject", "body", "incident_id", "state",
           "attempts", "next_at", "created_at", "sent_at", "last_error")


@dataclass(slots=True)
class Notice:
    key: str
    trigger: str
    channel: str
    recipient: str
    address: str
    subject: str
    body: str
    incident_id: int | None = None
    id: int | None = None
    attempts: int = 0


def create_tables(db: Database) -> None:
    db.create(TABLES)


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db
        create_tables(db)

    # ── inside the cause's transaction ──
    def add(self, notices: list[Notice], now: float) -> int:
        """Queue these notices (inside the cause's transaction); how many were new."""
        return self.db.executemany(
            "INSERT INTO notices (key, trigger, channel, recipient, address, subject, body, incident_id, next_at,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING",
            [(n.key, n.trigger, n.channel, n.recipient, n.address, n.subject, n.body, n.incident_id, now, now)
             for n in notices])

    # ── the sender's ──
    def claim(self, sender: str, now: float, lease_s: float, limit: int = 50) -> list[Notice]:
        """Lease up to `limit` due notices to `sender` until now + lease_s, oldest first."""
        skip = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgres" else ""
        rows = self.db.execute(
            "UPDATE notices SET lease_until = ?, leased_by = ? WHERE id IN (SELECT id FROM notices"
            f" WHERE state = 'pending' AND next_at <= ? AND lease_until < ? ORDER BY id LIMIT ?{skip})"
            " RETURNING id, key, trigger, channel, recipient, address, subject, body, incident_id, attempts",
            (now + lease_s, sender, now, now, limit))
        return sorted((Notice(r["key"], r["trigger"], r["channel"], r["recipient"], r["address"], r["subject"],
                              r["body"], r["incident_id"], r["id"], r["attempts"]) for r in rows),
                      key=lambda n: n.id or 0)

    def sent(self, notice: Notice, sender: str, now: float) -> bool:
        """Record a delivery; False if the lease was lost (another sender holds the notice now)."""
        rows = self.db.execute("UPDATE notices SET state = 'sent', sent_at = ?, attempts = attempts + 1,"
                               " last_error = NULL, leased_by = NULL WHERE id = ? AND leased_by = ? RETURNING id",
                               (now, notice.id, sender))
        return bool(rows)

    def failed(self, notice: Notice, sender: str, now: float, error: str, retry_at: float | None) -> None:
        """Record a failed attempt: due again at `retry_at`, or given up (state failed) when it is None."""
        state = "pending" if retry_at is not None else "failed"
        self.db.execute("UPDATE notices SET state = ?, attempts = attempts + 1, next_at = ?, lease_until = 0,"
                        " leased_by = NULL, last_error = ? WHERE id = ? AND leased_by = ?",
                        (state, retry_at if retry_at is not None else now, error[:500], notice.id, sender))

    def channel_result(self, channel: str, ok: bool, now: float, error: str = "") -> int:
        """Count a channel's consecutive failures (0 after a success); the count now."""
        if ok:
            rows = self.db.execute(
                "INSERT INTO notice_channels (channel, failures, sent) VALUES (?, 0, 1) ON CONFLICT (channel)"
                " DO UPDATE SET failures = 0, alarmed = 0, sent = notice_channels.sent + 1 RETURNING failures",
                (channel,))
        else:
            rows = self.db.execute(
                "INSERT INTO notice_channels (channel, failures, last_error, failed_at) VALUES (?, 1, ?, ?)"
                " ON CONFLICT (channel) DO UPDATE SET failures = notice_channels.failures + 1,"
                " last_error = excluded.last_error, failed_at = excluded.failed_at RETURNING failures",
                (channel, error[:500], now))
        return int(rows[0]["failures"]) if rows else 0

    def take_alarm(self, channel: str) -> bool:
        """True once per run of failures: the caller raises the alarm."""
        return bool(self.db.execute("UPDATE notice_channels SET alarmed = 1 WHERE channel = ? AND alarmed = 0"
                                    " RETURNING channel", (channel,)))

    # ── reads ──
    def search(self, state: str | None = None, channel: str | None = None, since: float | None = None,
               incident_id: int | None = None, limit: int = 100, before: int | None = None) -> list[dict[str, Any]]:
        where, args = ["1=1"], []  # type: list[str], list[Any]
        for column, value in (("state", state), ("channel", channel), ("incident_id", incident_id)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if since is not None:
            where.append("created_at >= ?")
            args.append(since)
        if before is not None:
            where.append("id < ?")
            args.append(before)
        return self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM notices WHERE {' AND '.join(where)}"
                               " ORDER BY id DESC LIMIT ?", [*args, limit])

    def channels(self) -> list[dict[str, Any]]:
        return self.db.execute("SELECT channel, failures, last_error, failed_at, alarmed, sent FROM notice_channels"
                               " ORDER BY channel")

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, count(*) AS n FROM notices GROUP BY state")
        return {r["state"]: int(r["n"]) for r in rows}
