"""Unit reports in, dispatch records and incident history out.

Units report through their JT/T 808 terminals (``city.vehicle.position`` with the extra items
``task`` and ``incident_id``, see ``adapters/vehicle_jt808.py``). A report of a registered terminal
moves the unit on the board; a change of task moves its open dispatch along (en route, on scene,
returning, done), and arriving on scene is a step in the incident's history. The first report of a
recalled unit that is not the recalled task shows the terminal took the recall up: its dispatch is
``recalled``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.events import DeadLetter, Event
from hub.incidents.model import Step

if TYPE_CHECKING:
    from hub.command.desk import CommandDesk

CLOSING = {"returning": "returning", "available": "done", "out-of-service": "done"}


def unit_reports(desk: CommandDesk, fresh: list[Event], dead: list[DeadLetter]) -> None:
    """A pipeline sink: apply every fresh position report of a registered unit terminal."""
    for event in fresh:
        if event.ce.get("type") != "city.vehicle.position":
            continue
        data: dict[str, Any] = event.ce.get("data") or {}
        unit = desk.registry.by_terminal.get(str(data.get("vehicle_id")))
        location = data.get("location") or {}
        if unit is None or location.get("crs", "wgs84") != "wgs84":
            continue
        before = desk.board.get(unit.id)
        status, recalled_from = before.status, before.recalled_from
        state = desk.board.report(unit.id, float(location["lon"]), float(location["lat"]), event.seconds,
                                  data.get("task"), data.get("incident_id"))
        if recalled_from is not None and state.recalled_from is None:
            _turned_back(desk, unit.id, event.seconds)
        if state.status != status:
            _moved(desk, unit.id, unit.call_sign, state.status, event.seconds)


def _moved(desk: CommandDesk, unit_id: str, call_sign: str, status: str, at: float) -> None:
    row = desk.book.current_for_unit(unit_id)
    if row is None:
        return
    with desk.incidents.store.db.exclusive():
        desk.book.set_status(int(row["id"]), CLOSING.get(status, status), at)
        if status == "on-scene":
            incident = desk.incidents.store.get(int(row["incident_id"]))
            if incident is not None:
                took = (at - float(row["dispatched_at"])) / 60
                desk.incidents.store.add_step(Step(incident.id or 0, "arrive", incident.state, incident.state,
                                                   f"unit:{unit_id}", at, f"{call_sign}到达现场，用时{took:.1f}分钟"))


def _turned_back(desk: CommandDesk, unit_id: str, at: float) -> None:
    with desk.incidents.store.db.exclusive():
        for row in desk.book.recalling_of(unit_id):
            desk.book.set_status(int(row["id"]), "recalled", at)
