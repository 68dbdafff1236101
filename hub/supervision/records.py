"""Case records (案卷考核记录): what evaluation needs of each case, kept as the case flow moves.

Two tables beside the incident tables, on SQLite and PostgreSQL through the incident `Db`:
`case_records`, one row a case — class, place, department, the times of its steps, its deadline,
approved extension, reworks, returns and who took the centre's steps — and `case_steps`, one
row a flow step with who, post, when, why and the attachments (photo ids) by reference. Both are
written inside the transition's `exclusive()` transaction, so they never disagree with the case.
Each grouping of the evaluation has a covering index led by its key: a ranking reads the index in
group order, with no table lookups and no sort.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:  # hub.incidents imports this module: nothing of it at run time
    from hub.incidents.db import Db

TABLES = """
CREATE TABLE IF NOT EXISTS case_records (
  incident_id BIGINT PRIMARY KEY, category TEXT, department TEXT, district_code TEXT, town_code TEXT,
  source TEXT NOT NULL DEFAULT 'sensor', limit_text TEXT, state TEXT NOT NULL, reported_at {real} NOT NULL,
  registered_at {real}, verify_sent_at {real}, verified_at {real}, dispatched_at {real}, handled_at {real},
  closed_at {real}, deadline {real}, extension_wh {real} NOT NULL DEFAULT 0, requested_wh {real} NOT NULL DEFAULT 0,
  reworks INTEGER NOT NULL DEFAULT 0, returns INTEGER NOT NULL DEFAULT 0, parked INTEGER NOT NULL DEFAULT 0,
  intake TEXT, dispatcher TEXT, inspector TEXT, reporter TEXT, grid_code TEXT);
CREATE INDEX IF NOT EXISTS case_records_dispatched ON case_records (dispatched_at);
CREATE INDEX IF NOT EXISTS case_records_by_department ON case_records
  (department, dispatched_at, parked, deadline, handled_at, closed_at, reworks);
CREATE INDEX IF NOT EXISTS case_records_by_district_code ON case_records
  (district_code, dispatched_at, parked, deadline, handled_at, closed_at, reworks);
CREATE INDEX IF NOT EXISTS case_records_by_town_code ON case_records
  (town_code, dispatched_at, parked, deadline, handled_at, closed_at, reworks);
CREATE TABLE IF NOT EXISTS case_steps (
  seq {id_column}, incident_id BIGINT NOT NULL, step TEXT NOT NULL, from_state TEXT NOT NULL,
  to_state TEXT NOT NULL, post TEXT NOT NULL, who TEXT NOT NULL, at {real} NOT NULL,
  reason TEXT NOT NULL DEFAULT '', attachments TEXT NOT NULL DEFAULT '[]', extension_wh {real});
CREATE INDEX IF NOT EXISTS case_steps_incident ON case_steps (incident_id, seq);
"""
# columns added after the first release of the table: a database made before gets them at start-up
ADDED = ("reporter", "grid_code")


@dataclass(slots=True)
class CaseRecord:
    incident_id: int
    category: str | None
    department: str | None
    district_code: str | None
    town_code: str | None
    source: str
    limit_text: str | None
    state: str
    reported_at: float
    registered_at: float | None = None
    verify_sent_at: float | None = None
    verified_at: float | None = None
    dispatched_at: float | None = None
    handled_at: float | None = None
    closed_at: float | None = None
    deadline: float | None = None
    extension_wh: float = 0.0
    requested_wh: float = 0.0
    reworks: int = 0
    returns: int = 0
    parked: bool = False
    intake: str | None = None
    dispatcher: str | None = None
    inspector: str | None = None
    reporter: str | None = None  # the grid inspector whose report opened the case (their patrol app's id)
    grid_code: str | None = None  # the unit-grid cell of the case


COLUMNS = tuple(f.name for f in fields(CaseRecord))


def create_tables(db: Db) -> None:
    db.create(TABLES)
    with db.exclusive():
        if db.dialect == "postgres":
            for column in ADDED:
                db.execute(f"ALTER TABLE case_records ADD COLUMN IF NOT EXISTS {column} TEXT")
        else:
            present = {r["name"] for r in db.execute("PRAGMA table_info(case_records)")}
            for column in ADDED:
                if column not in present:
                    db.execute(f"ALTER TABLE case_records ADD COLUMN {column} TEXT")


class CaseRecords:
    def __init__(self, db: Db) -> None:
        self.db = db
        create_tables(db)

    def get(self, incident_id: int) -> CaseRecord | None:
        row = self.db.one(f"SELECT {', '.join(COLUMNS)} FROM case_records WHERE incident_id = ?", (incident_id,))
        if row is None:
            return None
        row["parked"] = bool(row["parked"])
        return CaseRecord(**row)

    def put(self, record: CaseRecord) -> None:
        """Insert or replace the record (inside the transition's exclusive())."""
        values = [getattr(record, c) for c in COLUMNS]
        values[COLUMNS.index("parked")] = int(record.parked)
        sets = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
        self.db.execute(f"INSERT INTO case_records ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
                        f" ON CONFLICT (incident_id) DO UPDATE SET {sets}", values)

    def add_step(self, incident_id: int, step: str, from_state: str, to_state: str, post: str, who: str,
                 at: float, reason: str, attachments: list[str], extension_wh: float | None) -> None:
        self.db.execute("INSERT INTO case_steps (incident_id, step, from_state, to_state, post, who, at, reason,"
                        " attachments, extension_wh) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (incident_id, step, from_state, to_state, post, who, at, reason,
                         orjson.dumps(attachments).decode(), extension_wh))

    def steps(self, incident_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT step, from_state, to_state, post, who, at, reason, attachments, extension_wh"
                               " FROM case_steps WHERE incident_id = ? ORDER BY seq", (incident_id,))
        for row in rows:
            row["attachments"] = orjson.loads(row["attachments"])
        return rows

    def between(self, start: float = -math.inf, end: float = math.inf) -> list[CaseRecord]:
        """The records of cases dispatched in [start, end)."""
        rows = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM case_records WHERE dispatched_at >= ? AND"
                               " dispatched_at < ? ORDER BY incident_id",
                               (max(start, -1e18), min(end, 1e18)))
        out = []
        for row in rows:
            row["parked"] = bool(row["parked"])
            out.append(CaseRecord(**row))
        return out
