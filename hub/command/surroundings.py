"""On-scene support (智能辅助救援): what a crew needs to know around an incident on arrival.

Within ``radius`` metres of the incident: the hydrants with their latest pressure reading and
state, the hazmat sites with their latest reading, the cameras of the device registry with their
latest alerts, other open incidents; the weather warnings of the incident's district in the last
day; shelters and hospitals ranked by road travel time (not by distance). Latest readings come
from the events store (newest first), over the last ``LOOKBACK_S``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from hub.command.recommend import rank_sites
from hub.events import device_id_of
from hub.geo.crs import distance_m
from hub.store import EventQuery

if TYPE_CHECKING:
    from hub.runtime import Hub

LOOKBACK_S = 86400.0
NEAR_KINDS = {"hydrant": "hydrants", "hazard-source": "hazmat_sites", "camera": "cameras"}
SITES_SHOWN = 5


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance for "within reach" (what stands around the scene); travel is timed on roads instead."""
    return float(distance_m(lon1, lat1, lon2, lat2))


def _latest(hub: Hub, bbox: tuple[float, float, float, float], since: float) -> dict[str, dict[str, Any]]:
    """Newest event of each (device, type) in the box: device → type → {time, data, severity, alarms}."""
    page = hub.store.events(EventQuery(bbox=bbox, since=since, limit=5000))
    out: dict[str, dict[str, Any]] = {}
    for item in page.items:
        device = device_id_of(item.get("source", ""))
        block = item.get("hub") or {}
        out.setdefault(device, {}).setdefault(str(item.get("type")), {
            "time": item.get("time"), "data": {k: v for k, v in (item.get("data") or {}).items() if k != "location"},
            "severity": block.get("severity"), "alarms": block.get("alarms") or []})
    return out


def surroundings(hub: Hub, incident_id: int, radius_m: float) -> dict[str, Any]:
    desk = hub.command
    incident, scene = desk.scene(incident_id)
    now = time.time()
    dlon, dlat = radius_m / 102_850, radius_m / 110_750
    bbox = (scene.lon - dlon, scene.lat - dlat, scene.lon + dlon, scene.lat + dlat)
    latest = _latest(hub, bbox, now - LOOKBACK_S)
    out: dict[str, Any] = {"incident_id": incident_id, "radius_m": radius_m, "lon": scene.lon, "lat": scene.lat,
                           **{name: [] for name in NEAR_KINDS.values()}}
    for device in hub.registry.devices.values():
        name = NEAR_KINDS.get(device["kind"])
        if name is None:
            continue
        d = _metres(scene.lon, scene.lat, float(device["lon"]), float(device["lat"]))
        if d <= radius_m:
            out[name].append({"device_id": device["device_id"], "name": device["name"], "lon": device["lon"],
                              "lat": device["lat"], "address": device["address"], "distance_m": round(d, 1),
                              "department": device["department"], "latest": latest.get(device["device_id"], {})})
    for name in NEAR_KINDS.values():
        out[name].sort(key=lambda r: r["distance_m"])
    warnings = hub.store.events(EventQuery(type="city.weather.warning", district=incident.district_code,
                                           since=now - LOOKBACK_S, limit=20)).items
    out["weather_warnings"] = [{"time": w.get("time"), **{k: v for k, v in (w.get("data") or {}).items()
                                                          if k != "location"}} for w in warnings]
    node, stub = desk.roads.snap(scene.lon, scene.lat)
    tree = desk.roads.tree(node)
    for kind, name in (("shelter", "shelters"), ("hospital", "hospitals")):
        sites = [s for s in desk.registry.sites.values() if s.kind == kind]
        out[name] = rank_sites(desk.roads, tree, stub, sites, SITES_SHOWN)
    nearby = []
    for other in hub.incidents.store.open_incidents(now - 7 * 86400):
        if other.id == incident_id or other.lon is None or other.lat is None:
            continue
        d = _metres(scene.lon, scene.lat, other.lon, other.lat)
        if d <= radius_m:
            nearby.append({"id": other.id, "kind": other.kind, "title": other.title, "state": other.state,
                           "severity": other.severity, "distance_m": round(d, 1)})
    out["incidents_nearby"] = sorted(nearby, key=lambda r: r["distance_m"])
    return out
