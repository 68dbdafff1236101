"""Device health kept across restarts: one row per device in the hub's database (SQLite or PostgreSQL),
written in one statement per check for the devices that changed, never per event."""

from __future__ import annotations

from typing import Any

import orjson

from hub.health.devices import DeviceHealth, Seen
from hub.store.database import Database

TABLE = """CREATE TABLE IF NOT EXISTS device_health (
  device_id TEXT PRIMARY KEY, last_received {real} NOT NULL, last_event {real} NOT NULL, reports BIGINT NOT NULL,
  latest TEXT NOT NULL, offline INTEGER NOT NULL, back_at {real} NOT NULL, alarm_id BIGINT, flap_alarm_id BIGINT)"""
COLUMNS = ("device_id", "last_received", "last_event", "reports", "latest", "offline", "back_at", "alarm_id",
           "flap_alarm_id")
UPSERT = (f"INSERT INTO device_health ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          f"ON CONFLICT (device_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}")


class HealthTable:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.create(TABLE)

    def load(self, health: DeviceHealth) -> int:
        """Fill `health` with the stored rows of devices still in the registry; how many."""
        loaded = 0
        for row in self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM device_health"):
            if row["device_id"] not in health.registry.devices:
                continue
            health.seen[row["device_id"]] = Seen(
                row["last_received"], row["last_event"], int(row["reports"]),
                {t: (float(at), data) for t, (at, data) in orjson.loads(row["latest"]).items()},
                offline=bool(row["offline"]), back_at=row["back_at"], alarm_id=row["alarm_id"],
                flap_alarm_id=row["flap_alarm_id"], dirty=False)
            loaded += 1
        return loaded

    def save(self, health: DeviceHealth) -> int:
        """Write the devices changed since the last save; how many."""
        with health.lock:
            changed = [(d, e) for d, e in health.seen.items() if e.dirty]
            for _, entry in changed:
                entry.dirty = False
        rows: list[tuple[Any, ...]] = [
            (d, e.last_received, e.last_event, e.reports, orjson.dumps(e.latest).decode(), int(e.offline), e.back_at,
             e.alarm_id, e.flap_alarm_id) for d, e in changed]
        if rows:
            with self.db.exclusive():
                self.db.executemany(UPSERT, rows)
        return len(rows)
