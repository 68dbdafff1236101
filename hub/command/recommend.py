"""Dispatch recommendation (智能调派推荐): for each capability an incident's plan needs, the available
units ranked by road travel time from where they are now; supply depots and the sites the plan
checks, ranked the same way.

Travel time is the road graph's shortest time (``hub/command/roads.py``), never a straight line.
Units committed elsewhere (dispatched, en route, on scene), returning or out of service are not
offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hub.command.plans import Plan
from hub.command.resources import Registry, Site
from hub.command.roads import RoadGraph, Tree
from hub.command.units import UnitBoard, UnitState

OFFERED = 5  # units shown per capability: the ones needed and a few spare
SITES_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Scene:
    """Where the incident is, as the ranking needs it."""

    incident_id: int
    group: str
    severity: int
    lon: float
    lat: float


def _eta(graph: RoadGraph, tree: Tree, scene_stub_m: float, lons: list[float], lats: list[float]) -> np.ndarray:
    nodes, stubs = graph.snap_many(np.array(lons, dtype=np.float64), np.array(lats, dtype=np.float64))
    return graph.seconds_to(tree, nodes, stubs) + scene_stub_m / graph.access_mps


def rank_units(graph: RoadGraph, tree: Tree, scene_stub_m: float,
               states: list[UnitState]) -> list[tuple[float, UnitState]]:
    if not states:
        return []
    eta = _eta(graph, tree, scene_stub_m, [s.lon for s in states], [s.lat for s in states])
    ranked = sorted(zip(eta.tolist(), states, strict=True), key=lambda p: (p[0], p[1].unit_id))
    return [(e, s) for e, s in ranked if np.isfinite(e)]


def rank_sites(graph: RoadGraph, tree: Tree, scene_stub_m: float, sites: list[Site], limit: int,
               with_route: Scene | None = None) -> list[dict[str, Any]]:
    if not sites:
        return []
    eta = _eta(graph, tree, scene_stub_m, [s.lon for s in sites], [s.lat for s in sites])
    order = sorted(range(len(sites)), key=lambda i: (eta[i], sites[i].id))[:limit]
    out = []
    for i in order:
        row = sites[i].view() | {"eta_s": round(float(eta[i]), 1)}
        if with_route is not None:
            route = graph.route_on(tree, sites[i].lon, sites[i].lat, dest=(with_route.lon, with_route.lat),
                                   dest_stub_m=scene_stub_m)
            row["metres"] = round(route.metres, 1) if route else None
        out.append(row)
    return out


def recommend(scene: Scene, plan: Plan | None, registry: Registry, board: UnitBoard, graph: RoadGraph,
              offered: int = OFFERED) -> dict[str, Any]:
    node, scene_stub = graph.snap(scene.lon, scene.lat)
    tree = graph.tree(node)
    out: dict[str, Any] = {"incident_id": scene.incident_id, "plan": None, "capabilities": [], "supplies": [],
                           "nearby": {}}
    depots = [s for s in registry.sites.values() if s.kind == "supply-depot"]
    out["supplies"] = rank_sites(graph, tree, scene_stub, depots, len(depots), with_route=scene)
    if plan is None:
        return out
    level = plan.level_for(scene.severity)
    out["plan"] = {"group": plan.group, "name": plan.name, "line": level.line, "severity": scene.severity,
                   "min_severity": level.min_severity}
    for capability, needed in level.send:
        everyone = rank_units(graph, tree, scene_stub, board.available(capability))
        ranked = everyone[:max(offered, needed)]
        units = []
        for rank, (eta, state) in enumerate(ranked, start=1):
            unit = registry.units[state.unit_id]
            route = graph.route_on(tree, state.lon, state.lat, dest=(scene.lon, scene.lat), dest_stub_m=scene_stub)
            units.append({"unit": unit.id, "call_sign": unit.call_sign, "kind": unit.kind, "capability": capability,
                          "home": unit.home, "department": unit.department, "status": state.status,
                          "lon": state.lon, "lat": state.lat, "rank": rank, "eta_s": round(eta, 1),
                          "metres": round(route.metres, 1) if route else None,
                          "route": route.geojson() if route else None, "recommended": rank <= needed,
                          "why": f"{level.line}（{plan.name}，{unit.kind} 第{rank}近，需{needed}）"})
        out["capabilities"].append({"capability": capability, "needed": needed, "available": len(everyone),
                                    "short": max(0, needed - len(everyone)), "units": units})
    for kind in level.check:
        sites = [s for s in registry.sites.values() if s.kind == kind]
        out["nearby"][kind] = rank_sites(graph, tree, scene_stub, sites, SITES_SHOWN, with_route=scene)
    return out
