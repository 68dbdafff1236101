"""The unit board: where each mobile unit is and what it is doing, as its reports and dispatches say.

A unit starts available at its home site. A dispatch commits it (``dispatched``) to one incident;
its JT/T 808 reports move it and carry its status (en route, on scene, returning); back home and
available, it may be offered again. A committed unit is never offered for another incident. A unit
whose last report is older than ``silent_after_s`` is flagged ``silent`` (it keeps its status).

A recall frees the unit at once: one not yet under way (``dispatched``) is available again where it
is; one driving (``en-route``) is ``returning`` until it reports itself available. Until the unit
shows it took the recall up (a report that is not the recalled task), reports of the recalled task
move it on the map but cannot commit it again; a report stamped before the recall shows nothing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from hub.command.resources import Registry

STATUSES = ("available", "dispatched", "en-route", "on-scene", "returning", "out-of-service")
STATUS_NAMES = {"available": "待命", "dispatched": "已派遣", "en-route": "途中", "on-scene": "到场处置",
                "returning": "返回", "out-of-service": "停用"}
COMMITTED = frozenset({"dispatched", "en-route", "on-scene"})


class UnitBusy(RuntimeError):
    """The unit cannot be committed: it is committed elsewhere or out of service."""


@dataclass(slots=True)
class UnitState:
    unit_id: str
    status: str
    lon: float
    lat: float
    at: float  # time of the last report (or of the board's start, for a unit never heard)
    incident_id: int | None = None
    eta_at: float | None = None  # when it is due on scene, while it is on its way
    reported: bool = False  # a position came from the unit itself
    origin: tuple[float, float] | None = None  # where it was when dispatched, while committed
    recalled_from: int | None = None  # the incident it was recalled from, until it shows it turned back
    recalled_at: float = 0.0

    def view(self, now: float, silent_after_s: float) -> dict[str, object]:
        return {"unit": self.unit_id, "status": self.status, "lon": self.lon, "lat": self.lat, "at": self.at,
                "incident_id": self.incident_id, "eta_at": self.eta_at,
                "silent": self.reported and now - self.at > silent_after_s}


class UnitBoard:
    def __init__(self, registry: Registry, silent_after_s: float = 120.0, now: float | None = None) -> None:
        self.registry = registry
        self.silent_after_s = silent_after_s
        start = time.time() if now is None else now
        self._lock = threading.Lock()
        self.states = {u.id: UnitState(u.id, "available", registry.home_of(u).lon, registry.home_of(u).lat, start)
                       for u in registry.units.values()}

    def get(self, unit_id: str) -> UnitState:
        return self.states[unit_id]

    def available(self, capability: str) -> list[UnitState]:
        units = self.registry.units
        return [s for s in self.states.values()
                if s.status == "available" and units[s.unit_id].capability == capability]

    def commit(self, unit_id: str, incident_id: int, eta_at: float | None) -> UnitState:
        with self._lock:
            state = self.states[unit_id]
            if state.status != "available":
                where = f" to incident {state.incident_id}" if state.incident_id is not None else ""
                raise UnitBusy(f"unit {unit_id} is {state.status}{where}")
            state.status, state.incident_id, state.eta_at = "dispatched", incident_id, eta_at
            state.origin = (state.lon, state.lat)
            return state

    def release(self, unit_id: str) -> None:
        with self._lock:
            state = self.states[unit_id]
            state.status, state.incident_id, state.eta_at, state.origin = "available", None, None, None

    def recall(self, unit_id: str, at: float) -> UnitState:
        """Free the unit from its incident (the caller checked it has not arrived)."""
        with self._lock:
            state = self.states[unit_id]
            state.recalled_from, state.recalled_at = state.incident_id, at
            state.status = "available" if state.status == "dispatched" else "returning"
            state.incident_id, state.eta_at, state.origin = None, None, None
            return state

    def report(self, unit_id: str, lon: float, lat: float, at: float, status: str | None = None,
               incident_id: int | None = None) -> UnitState:
        """A position (and status) the unit sent; older reports than the last one are ignored.

        A dispatched unit's status moves only when the unit takes the task up (en route, on scene,
        returning) for the incident it was sent to: a report sent before the order reached it
        cannot release it."""
        with self._lock:
            state = self.states[unit_id]
            if at < state.at and state.reported:
                return state
            state.lon, state.lat, state.at, state.reported = lon, lat, at, True
            if state.recalled_from is not None:
                if status in COMMITTED and incident_id == state.recalled_from:
                    return state  # the terminal has not taken the recall up yet
                if at >= state.recalled_at:
                    state.recalled_from = None
            if state.status in COMMITTED and (status in ("available", "dispatched", "out-of-service")
                                              or incident_id != state.incident_id):
                return state
            if status in STATUSES:
                state.status = status
                if status in ("available", "out-of-service"):
                    state.incident_id, state.eta_at, state.origin = None, None, None
                if status in ("on-scene", "returning"):
                    state.eta_at = None
            return state

    def committed_to(self, incident_id: int) -> list[UnitState]:
        return [s for s in self.states.values() if s.incident_id == incident_id]
