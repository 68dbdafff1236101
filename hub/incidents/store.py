"""Reads and writes of incidents, their members, their step history and the rule timers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import orjson

from hub.incidents.flow import OPEN
from hub.incidents.model import Incident, Sighting, Step
from hub.store.database import Database

COLUMNS = [f.name for f in fields(Incident)]
JSON_COLUMNS = ("alarms", "cells")
OPEN_IN = ",".join(f"'{s}'" for s in OPEN)
GROUPABLE = {"state": "state", "department": "department", "district": "district_code", "kind": "kind",
             "type": "type", "severity": "severity", "town": "town_code"}


def to_incident(row: dict[str, Any]) -> Incident:
    values = {name: row[name] for name in COLUMNS}
    for name in JSON_COLUMNS:
        values[name] = orjson.loads(values[name] or "[]")
    values["overdue"] = bool(values["overdue"])
    return Incident(**values)


JSON_AT = tuple((COLUMNS.index(name), name) for name in JSON_COLUMNS)
OVERDUE_AT = COLUMNS.index("overdue")


def to_row(incident: Incident) -> list[Any]:
    values = [getattr(incident, name) for name in COLUMNS]  # astuple would deep-copy the lists
    for at, name in JSON_AT:
        values[at] = orjson.dumps(getattr(incident, name)).decode()
    values[OVERDUE_AT] = int(incident.overdue)
    return values


JOINED = ("severity", "last_event_at", "member_count", "alarms", "cells", "updated_at",  # what a join changes
          "lon", "lat", "grid_code", "town_code", "town_name")  # the place: set by a placeless one's first alarm
INSERT = (f"INSERT INTO incidents ({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * (len(COLUMNS) - 1))})"
          " RETURNING id")
UPDATE = f"UPDATE incidents SET {', '.join(f'{n} = ?' for n in COLUMNS[1:])} WHERE id = ?"
UPDATE_JOINED = f"UPDATE incidents SET {', '.join(f'{n} = ?' for n in JOINED)} WHERE id = ?"
MEMBER_COLUMNS = "incident_id, event_uid, source, type, time, lon, lat, grid_code, severity, alarms, joined_at"


def member_row(incident_id: int, s: Sighting, now: float) -> tuple[Any, ...]:
    return (incident_id, s.uid, s.source, s.type, s.time, s.lon, s.lat, s.grid_code, s.severity,
            orjson.dumps(s.alarms).decode() if s.alarms else "[]", now)


StepListener = Callable[["IncidentStore", list[Step]], None]


class IncidentStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # called with the steps just written, inside the same db.exclusive() transaction: what they write
        # (notices, provincial reports) commits or rolls back with the steps themselves
        self.step_listeners: list[StepListener] = []

    # ── writes (inside db.exclusive()) ──
    def insert(self, incident: Incident) -> int:
        row = self.db.one(INSERT, to_row(incident)[1:])
        assert row is not None
        incident.id = int(row["id"])
        return incident.id

    def update(self, incident: Incident) -> None:
        self.db.execute(UPDATE, [*to_row(incident)[1:], incident.id])

    def update_joined(self, incidents: list[Incident]) -> None:
        """Write what joining events change (JOINED) of these incidents, in one statement."""
        self.db.executemany(UPDATE_JOINED, [
            (i.severity, i.last_event_at, i.member_count, orjson.dumps(i.alarms).decode(),
             orjson.dumps(i.cells).decode(), i.updated_at, i.lon, i.lat, i.grid_code, i.town_code, i.town_name, i.id)
            for i in incidents])

    def add_member(self, incident_id: int, s: Sighting, now: float) -> None:
        self.db.execute(
            f"INSERT INTO incident_members ({MEMBER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (incident_id, event_uid) DO UPDATE SET alarms = excluded.alarms,"
            " severity = excluded.severity", member_row(incident_id, s, now))

    def add_members(self, rows: list[tuple[Any, ...]]) -> int:
        """Insert member rows (`member_row`); how many were new. A row whose (incident, event) is already
        there is left for `refresh_members`."""
        return self.db.executemany(f"INSERT INTO incident_members ({MEMBER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                                   " ON CONFLICT (incident_id, event_uid) DO NOTHING", rows)

    def refresh_members(self, rows: list[tuple[Any, ...]]) -> None:
        """A member seen again carries its newest alarms and severity (rows as for `add_members`)."""
        self.db.executemany("UPDATE incident_members SET alarms = ?, severity = ? WHERE incident_id = ?"
                            " AND event_uid = ?", [(r[9], r[8], r[0], r[1]) for r in rows])

    def recount(self, incident: Incident) -> None:
        row = self.db.one("SELECT count(*) AS n FROM incident_members WHERE incident_id = ?", (incident.id,))
        incident.member_count = int(row["n"]) if row else 0

    def add_step(self, step: Step) -> None:
        self.add_steps([step])

    def add_steps(self, steps: list[Step]) -> None:
        self.db.executemany("INSERT INTO incident_steps (incident_id, action, from_state, to_state, who, at, note)"
                            " VALUES (?,?,?,?,?,?,?)", [(s.incident_id, s.action, s.from_state, s.to_state, s.who,
                                                         s.at, s.note) for s in steps])
        for listener in self.step_listeners:
            listener(self, steps)

    def generation(self) -> int:
        """The number every write to the incident rows raises (see `db.py`)."""
        row = self.db.one("SELECT n FROM incident_generation WHERE id = 1")
        return int(row["n"]) if row else 0

    def bump(self) -> int:
        """Raise the generation (inside db.exclusive(), after writing incident rows); the new number."""
        row = self.db.one("UPDATE incident_generation SET n = n + 1 WHERE id = 1 RETURNING n")
        return int(row["n"]) if row else 0

    def open_timer(self, rule_id: str, key: str, opened_at: float, due_at: float, s: Sighting) -> None:
        self.db.execute("INSERT INTO incident_timers (rule_id, key, opened_at, due_at, sighting) VALUES (?,?,?,?,?)"
                        " ON CONFLICT (rule_id, key) DO NOTHING",
                        (rule_id, key, opened_at, due_at, orjson.dumps(s.to_dict()).decode()))

    def clear_timer(self, rule_id: str, key: str) -> None:
        self.db.execute("DELETE FROM incident_timers WHERE rule_id = ? AND key = ?", (rule_id, key))

    def take_due_timers(self, now: float) -> list[tuple[str, str, float, Sighting]]:
        rows = self.db.execute("SELECT rule_id, key, due_at, sighting FROM incident_timers WHERE due_at <= ?"
                               " ORDER BY due_at", (now,))
        self.db.execute("DELETE FROM incident_timers WHERE due_at <= ?", (now,))
        return [(r["rule_id"], r["key"], r["due_at"], Sighting.from_dict(orjson.loads(r["sighting"]))) for r in rows]

    def clear_timers_of(self, event_uids: set[str]) -> int:
        """Drop the timers opened by these events (their incident was closed or rejected)."""
        rows = self.db.execute("SELECT rule_id, key, sighting FROM incident_timers")
        done = [(r["rule_id"], r["key"]) for r in rows if orjson.loads(r["sighting"]).get("uid") in event_uids]
        for rule_id, key in done:
            self.clear_timer(rule_id, key)
        return len(done)

    # ── reads ──
    def open_incidents(self, active_since: float, kinds: set[str] | None = None) -> list[Incident]:
        where = f"state IN ({OPEN_IN}) AND last_event_at >= ?"
        args: list[Any] = [active_since]
        if kinds is not None:
            where += f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else " AND 1=0"
            args += sorted(kinds)
        return [to_incident(r) for r in self.db.execute(f"SELECT * FROM incidents WHERE {where} ORDER BY id", args)]

    def get(self, incident_id: int) -> Incident | None:
        row = self.db.one("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        return to_incident(row) if row else None

    def overdue_candidates(self, now: float) -> list[Incident]:
        rows = self.db.execute(f"SELECT * FROM incidents WHERE state IN ({OPEN_IN}) AND overdue = 0"
                               " AND due_at IS NOT NULL AND due_at < ? ORDER BY due_at", (now,))
        return [to_incident(r) for r in rows]

    def steps(self, incident_id: int) -> list[dict[str, Any]]:
        return self.db.execute("SELECT seq, action, from_state, to_state, who, at, note FROM incident_steps"
                               " WHERE incident_id = ? ORDER BY seq", (incident_id,))

    def members(self, incident_id: int, limit: int = 1000) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT event_uid, source, type, time, lon, lat, grid_code, severity, alarms, joined_at"
                               " FROM incident_members WHERE incident_id = ? ORDER BY time, event_uid LIMIT ?",
                               (incident_id, limit))
        return [r | {"alarms": orjson.loads(r["alarms"])} for r in rows]

    def search(self, *, state: str | None = None, district: str | None = None, department: str | None = None,
               overdue: bool | None = None, bbox: tuple[float, float, float, float] | None = None,
               since: float | None = None, until: float | None = None, open_only: bool = False,
               limit: int = 100, before: int | None = None, offset: int = 0,
               town: str | None = None) -> tuple[list[Incident], bool]:
        """A page of incidents, newest first, and whether more remain."""
        where, args = self._where(state, district, department, overdue, bbox, since, until, open_only, town)
        if before is not None:
            where.append("id < ?")
            args.append(before)
        rows = self.db.execute(f"SELECT * FROM incidents WHERE {' AND '.join(where)} ORDER BY id DESC"
                               " LIMIT ? OFFSET ?", [*args, limit + 1, offset])
        return [to_incident(r) for r in rows[:limit]], len(rows) > limit

    def count(self, **filters: Any) -> int:
        where, args = self._where(**filters)
        row = self.db.one(f"SELECT count(*) AS n FROM incidents WHERE {' AND '.join(where)}", args)
        return int(row["n"]) if row else 0

    def count_by(self, by: str, open_only: bool = False, overdue: bool | None = None, district: str | None = None,
                 town: str | None = None, department: str | None = None) -> list[dict[str, Any]]:
        if by not in GROUPABLE:
            raise ValueError(f"by must be one of {', '.join(GROUPABLE)}")
        column = GROUPABLE[by]
        where, args = self._where(overdue=overdue, open_only=open_only, district=district, town=town,
                                  department=department)
        rows = self.db.execute(f"SELECT {column} AS k, count(*) AS n FROM incidents WHERE {' AND '.join(where)}"
                               f" GROUP BY {column} ORDER BY count(*) DESC, {column}", args)
        return [{"key": r["k"], "count": int(r["n"])} for r in rows]

    @staticmethod
    def _where(state: str | None = None, district: str | None = None, department: str | None = None,
               overdue: bool | None = None, bbox: tuple[float, float, float, float] | None = None,
               since: float | None = None, until: float | None = None,
               open_only: bool = False, town: str | None = None) -> tuple[list[str], list[Any]]:
        where: list[str] = ["1=1"]
        args: list[Any] = []
        for column, value in (("state", state), ("district_code", district), ("department", department),
                              ("town_code", town)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if overdue is not None:
            where.append("overdue = ?")
            args.append(int(overdue))
        if open_only:
            where.append(f"state IN ({OPEN_IN})")
        if bbox is not None:
            where.append("lon >= ? AND lon <= ? AND lat >= ? AND lat <= ?")
            args += [bbox[0], bbox[2], bbox[1], bbox[3]]
        if since is not None:
            where.append("last_event_at >= ?")
            args.append(since)
        if until is not None:
            where.append("opened_at < ?")
            args.append(until)
        return where, args

    def close(self) -> None:
        self.db.close()
