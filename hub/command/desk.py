"""The command desk: the registry, road graph, plans and unit board of one hub, and what operators do with them."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from hub.command.dispatch import DispatchBook, NotRecallable, recall_refusal
from hub.command.journeys import ON_THE_WAY, journey
from hub.command.plans import Plan, load_plans
from hub.command.recommend import Scene, recommend
from hub.command.resources import Registry, city_registry
from hub.command.roads import RoadGraph, city_roads
from hub.command.tracking import unit_reports
from hub.command.units import UnitBoard, UnitBusy
from hub.events import DeadLetter, Event
from hub.incidents import IncidentService, UnknownIncident
from hub.incidents.model import Incident, Step


class NoPlace(ValueError):
    """The incident has no position to route to."""


class UnknownDispatch(LookupError):
    """No such dispatch of this incident."""


class CommandDesk:
    def __init__(self, incidents: IncidentService, registry: Registry | None = None,
                 clock: Callable[[], float] = time.time, silent_after_s: float = 120.0) -> None:
        self.incidents = incidents
        self.registry = registry or city_registry()
        self.clock = clock
        self.plans: dict[str, Plan] = load_plans(capabilities=self.registry.capabilities,
                                                 site_kinds=self.registry.site_kinds)
        self.board = UnitBoard(self.registry, silent_after_s, clock())
        self.book = DispatchBook(incidents.store.db)
        for row in self.book.all_open():  # committed before a restart: not offered again
            if row["unit_id"] in self.board.states:
                self.board.commit(row["unit_id"], int(row["incident_id"]), None)
                self.board.states[row["unit_id"]].status = row["status"]
        for row in self.book.feed():  # recalls the unit had not taken up before a restart
            if row["status"] == "recalling" and row["unit_id"] in self.board.states:
                self.board.states[row["unit_id"]].recalled_from = int(row["incident_id"])

    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        unit_reports(self, fresh, dead)

    def open_dispatches(self) -> list[dict[str, Any]]:
        """Every dispatch still open and every recall not yet taken up, with the unit's terminal, the
        incident's place and the unit's journey: what units act on and what every map draws."""
        now = self.clock()
        out = []
        for row in self.book.feed():
            unit = self.registry.units.get(row["unit_id"])
            incident = self.incidents.store.get(int(row["incident_id"]))
            if unit is None or incident is None:
                continue
            home = self.registry.home_of(unit)
            out.append(row | {"terminal": unit.terminal, "call_sign": unit.call_sign, "lon": incident.lon,
                              "lat": incident.lat, "home": [home.lon, home.lat],
                              "route": self._journey(row, incident, now)})
        return out

    def _journey(self, row: dict[str, Any], incident: Incident, now: float) -> dict[str, Any] | None:
        state = self.board.states.get(row["unit_id"])
        if (state is None or state.incident_id != int(row["incident_id"]) or row["status"] not in ON_THE_WAY
                or incident.lon is None or incident.lat is None):
            return None
        return journey(self.roads, state, (incident.lon, incident.lat), now)

    def resource_features(self, bbox: tuple[float, float, float, float] | None) -> list[dict[str, Any]]:
        """The sites as GeoJSON features (OGC collection ``resources``), each with its units' status."""
        now = self.clock()
        out = []
        for site in self.registry.sites.values():
            if bbox is not None and not (bbox[0] <= site.lon <= bbox[2] and bbox[1] <= site.lat <= bbox[3]):
                continue
            units = [{"id": u.id, "call_sign": u.call_sign, "capability": u.capability}
                     | self.board.get(u.id).view(now, self.board.silent_after_s)
                     for u in self.registry.units_of.get(site.id, [])]
            point = {"type": "Point", "coordinates": [site.lon, site.lat]}
            out.append({"type": "Feature", "id": site.id, "geometry": point,
                        "properties": site.view() | {"units": units}})
        return out

    @functools.cached_property
    def roads(self) -> RoadGraph:
        return city_roads()

    def scene(self, incident_id: int) -> tuple[Incident, Scene]:
        incident = self.incidents.store.get(incident_id)
        if incident is None:
            raise UnknownIncident(incident_id)
        if incident.lon is None or incident.lat is None:
            raise NoPlace(f"incident {incident_id} has no position")
        return incident, Scene(incident_id, incident.kind, incident.severity, incident.lon, incident.lat)

    def recommendations(self, incident_id: int) -> dict[str, Any]:
        incident, scene = self.scene(incident_id)
        out = recommend(scene, self.plans.get(incident.kind), self.registry, self.board, self.roads)
        out["committed"] = self.committed(incident_id)
        return out

    def committed(self, incident_id: int) -> list[dict[str, Any]]:
        now = self.clock()
        incident = self.incidents.store.get(incident_id)
        rows = []
        for d in self.book.of_incident(incident_id):
            unit = self.registry.units.get(d["unit_id"])
            state = self.board.states.get(d["unit_id"])
            rows.append(d | {"call_sign": unit.call_sign if unit else d["unit_id"],
                             "now": state.view(now, self.board.silent_after_s) if state else None,
                             "route": self._journey(d, incident, now) if incident is not None else None})
        return rows

    def dispatch(self, incident_id: int, unit_id: str, who: str, note: str = "") -> dict[str, Any]:
        """Commit the unit to the incident; UnitBusy when it is committed elsewhere or not in service."""
        unit = self.registry.units.get(unit_id)
        if unit is None:
            raise KeyError(unit_id)
        incident, scene = self.scene(incident_id)
        state = self.board.get(unit_id)
        route = self.roads.route((state.lon, state.lat), (scene.lon, scene.lat))
        now = self.clock()
        eta_s = route.seconds if route else None
        self.board.commit(unit_id, incident_id, now + eta_s if eta_s is not None else None)
        try:
            with self.incidents.store.db.exclusive():
                dispatch_id = self.book.add(incident_id, unit_id, unit.capability, eta_s,
                                            route.metres if route else None, now, who)
                minutes = f"，预计{eta_s / 60:.0f}分钟到达" if eta_s is not None else ""
                text = f"派出{unit.call_sign}（{unit.kind}）{minutes}" + (f"：{note}" if note else "")
                self.incidents.store.add_step(Step(incident_id, "dispatch", incident.state, incident.state, who, now,
                                                   text))
        except BaseException:
            self.board.release(unit_id)
            raise
        return {"id": dispatch_id, "incident_id": incident_id, "unit": unit_id, "call_sign": unit.call_sign,
                "capability": unit.capability, "status": "dispatched", "eta_s": round(eta_s, 1) if eta_s else None,
                "eta_at": now + eta_s if eta_s is not None else None,
                "route": route.geojson() if route else None, "who": who}

    def recall(self, incident_id: int, dispatch_id: int, who: str, reason: str) -> dict[str, Any]:
        """Call a committed unit back before it arrives: a ``recall`` step in the incident's history, the
        order on the units' feed, the unit free again. UnknownDispatch, or NotRecallable with the reason."""
        incident = self.incidents.store.get(incident_id)
        if incident is None:
            raise UnknownIncident(incident_id)
        now = self.clock()
        with self.incidents.store.db.exclusive():
            row = self.book.get(dispatch_id)
            if row is None or int(row["incident_id"]) != incident_id:
                raise UnknownDispatch(f"incident {incident_id} has no dispatch {dispatch_id}")
            refusal = recall_refusal(row)
            if refusal is not None:
                raise NotRecallable(refusal)
            unit = self.registry.units.get(row["unit_id"])
            state = self.board.states.get(row["unit_id"])
            listening = state is not None and state.reported  # a terminal that never reported cannot take it up
            status = "recalling" if listening else "recalled"
            self.book.set_status(dispatch_id, status, now)
            call_sign = unit.call_sign if unit else row["unit_id"]
            self.incidents.store.add_step(Step(incident_id, "recall", incident.state, incident.state, who, now,
                                               f"召回{call_sign}：{reason}"))
        if state is not None and state.incident_id == incident_id:
            self.board.recall(row["unit_id"], now)
        return {"id": dispatch_id, "incident_id": incident_id, "unit": row["unit_id"], "call_sign": call_sign,
                "status": status, "recalled_at": now, "who": who, "reason": reason,
                "unit_status": state.status if state is not None else None}


__all__ = ["CommandDesk", "NoPlace", "NotRecallable", "UnitBusy", "UnknownDispatch"]
