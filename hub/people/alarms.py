"""The shared alarm desk: an alarm acknowledged on one screen is acknowledged on every screen in its area.

An acknowledgement is stored once per event (the first one stands; who and when are kept) with the
event's place, so each screen can ask for the acknowledgements in its own area.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hub.people.scopes import Area
from hub.store.database import Database


class AlarmDesk:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db, self.clock = db, clock

    def ack(self, event: dict[str, Any], by: str, note: str) -> tuple[dict[str, Any], bool]:
        """Acknowledge the alarm of a stored event; the acknowledgement, and whether it is new."""
        hub = event.get("hub") or {}
        uid = str(hub.get("uid"))
        with self.db.exclusive():
            found = self.db.one("SELECT * FROM alarm_acks WHERE event_uid = ?", (uid,))
            if found is None:
                self.db.execute("INSERT INTO alarm_acks (event_uid, by_user, at, note, district_code, town_code,"
                                " department) VALUES (?,?,?,?,?,?,?)",
                                (uid, by, self.clock(), note, hub.get("district_code"), hub.get("town_code"),
                                 hub.get("department")))
                found = self.db.one("SELECT * FROM alarm_acks WHERE event_uid = ?", (uid,))
                assert found is not None
                return item(found), True
        return item(found), False

    def acks(self, area: Area, since: float | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        where: list[str] = ["1=1"]
        args: list[object] = []
        for column, value in area.columns().items():
            where.append(f"{column} = ?")
            args.append(value)
        if since is not None:
            where.append("at >= ?")
            args.append(since)
        rows = self.db.execute(f"SELECT * FROM alarm_acks WHERE {' AND '.join(where)} ORDER BY at DESC LIMIT ?",
                               [*args, limit])
        return [item(r) for r in rows]


def item(row: dict[str, Any]) -> dict[str, Any]:
    """An acknowledgement as the API and the live stream (kind "ack") carry it."""
    return {"uid": row["event_uid"], "by": row["by_user"], "at": row["at"], "note": row["note"],
            "district_code": row["district_code"], "town_code": row["town_code"], "department": row["department"]}
