"""Dispatches: a unit committed to an incident, kept in the hub's database beside the incident tables.

``command_dispatches`` lives in the incident engine's database (SQLite or PostgreSQL, same ``Db``).
A dispatch is written, with a ``dispatch`` step in the incident's history, in one ``exclusive()``
transaction, so a unit is committed once and the case history says so. On start the board takes
back every dispatch still open, so a restarted hub does not offer a committed unit.

A dispatch moves dispatched → en-route → on-scene → returning → done as the unit reports. An
operator may recall it while the unit has not arrived (dispatched, en-route): it is ``recalling``
(the order on the units' feed, ``feed()``) until the unit reports that it turned back, then
``recalled``; a unit that never reported has no terminal listening and its dispatch is ``recalled``
at once. Recalled and done are final.
"""

from __future__ import annotations

from typing import Any

from hub.incidents.db import Db

TABLE = """
CREATE TABLE IF NOT EXISTS command_dispatches (
  id {id_column}, incident_id BIGINT NOT NULL, unit_id TEXT NOT NULL, capability TEXT NOT NULL,
  status TEXT NOT NULL, eta_s {real}, metres {real}, dispatched_at {real} NOT NULL, updated_at {real} NOT NULL,
  arrived_at {real}, who TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS command_dispatches_incident ON command_dispatches (incident_id, id);
CREATE INDEX IF NOT EXISTS command_dispatches_open ON command_dispatches (status, unit_id)
"""
OPEN = ("dispatched", "en-route", "on-scene")
RECALLABLE = ("dispatched", "en-route")
FINAL = ("done", "recalled")
ORDERS = (*OPEN, "recalling")  # what the units' terminals act on
STATUS_NAMES = {"dispatched": "已派遣", "en-route": "途中", "on-scene": "到场处置", "returning": "返回",
                "done": "已完成", "recalling": "召回中", "recalled": "已召回"}


class NotRecallable(ValueError):
    """The dispatch has arrived, is over or was recalled already; the reason says which."""


def recall_refusal(row: dict[str, Any]) -> str | None:
    """Why the dispatch cannot be recalled, or None when it can (the unit has not arrived yet)."""
    status = row["status"]
    if status in RECALLABLE:
        return None
    if status == "on-scene":
        return f"dispatch {row['id']}: unit {row['unit_id']} is on scene; it returns when the work is done"
    if status in ("recalling", "recalled"):
        return f"dispatch {row['id']} is recalled already"
    return f"dispatch {row['id']} is over ({status}): unit {row['unit_id']} is not on its way"


class DispatchBook:
    def __init__(self, db: Db) -> None:
        self.db = db
        db.create(TABLE)

    def add(self, incident_id: int, unit_id: str, capability: str, eta_s: float | None, metres: float | None,
            at: float, who: str) -> int:
        """Inside the caller's ``exclusive()``."""
        row = self.db.one("INSERT INTO command_dispatches (incident_id, unit_id, capability, status, eta_s, metres,"
                          " dispatched_at, updated_at, who) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                          (incident_id, unit_id, capability, "dispatched", eta_s, metres, at, at, who))
        assert row is not None
        return int(row["id"])

    def current_for_unit(self, unit_id: str) -> dict[str, Any] | None:
        """The unit's latest dispatch its reports move along (open, or the unit on its way home)."""
        return self.db.one("SELECT * FROM command_dispatches WHERE unit_id = ? AND status IN (?,?,?,?)"
                           " ORDER BY id DESC LIMIT 1", (unit_id, *OPEN, "returning"))

    def get(self, dispatch_id: int) -> dict[str, Any] | None:
        return self.db.one("SELECT * FROM command_dispatches WHERE id = ?", (dispatch_id,))

    def recalling_of(self, unit_id: str) -> list[dict[str, Any]]:
        return self.db.execute("SELECT * FROM command_dispatches WHERE unit_id = ? AND status = 'recalling'"
                               " ORDER BY id", (unit_id,))

    def set_status(self, dispatch_id: int, status: str, at: float) -> None:
        arrived = ", arrived_at = ?" if status == "on-scene" else ""
        args: tuple[Any, ...] = (status, at, at, dispatch_id) if arrived else (status, at, dispatch_id)
        self.db.execute(f"UPDATE command_dispatches SET status = ?, updated_at = ?{arrived} WHERE id = ?", args)

    def of_incident(self, incident_id: int) -> list[dict[str, Any]]:
        return self.db.execute("SELECT * FROM command_dispatches WHERE incident_id = ? ORDER BY id", (incident_id,))

    def all_open(self) -> list[dict[str, Any]]:
        return self.db.execute("SELECT * FROM command_dispatches WHERE status IN (?,?,?) ORDER BY id", OPEN)

    def feed(self) -> list[dict[str, Any]]:
        """The open dispatches and the recalls not yet taken up: the orders on the units' terminals."""
        return self.db.execute("SELECT * FROM command_dispatches WHERE status IN (?,?,?,?) ORDER BY id", ORDERS)
