"""Device health over HTTP (一机一档 在线率): one device's record, state and latest values; online rates by
group with the registry's completeness; the devices in a state (the map's offline layer)."""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, HTTPException

from hub.api.deps import CityReaderDep, HubDep
from hub.health.devices import STATE_NAMES, STATES, state_of
from hub.health.views import completeness, device_view, health_by

router = APIRouter(prefix="/api/devices", tags=["devices"])
State = Literal["online", "late", "offline", "never_seen"]
assert set(State.__args__) == set(STATES)  # type: ignore[attr-defined]


@router.get("")
def devices_in_state(hub: HubDep, _: CityReaderDep, state: State = "offline") -> dict[str, Any]:
    """The monitored devices in one state, with their place and owner: the map's layer of offline devices."""
    health, now = hub.monitoring.devices, time.time()
    items = []
    for device_id, row in health.registry.devices.items():
        cadence = health.cadences.of(row.get("kind") or "")
        entry = health.seen.get(device_id)
        if cadence is None or state_of(entry.last_received if entry else None, cadence, now,
                                       health.cadences) != state:
            continue
        items.append({"device_id": device_id, "kind": row.get("kind"), "name": row.get("name"), "lon": row.get("lon"),
                      "lat": row.get("lat"), "department": row.get("department"),
                      "district_code": row.get("district_code"), "state": state,
                      "last_report": entry.last_received if entry else None})
    return {"state": state, "state_names": STATE_NAMES, "count": len(items), "items": items}


@router.get("/health")
def online_rates(hub: HubDep, _: CityReaderDep, by: Literal["department", "district", "class"] = "department",
                 ) -> dict[str, Any]:
    health = hub.monitoring.devices
    return {"by": by, "state_names": STATE_NAMES, "groups": health_by(health, by, time.time()),
            "completeness": completeness(health),
            "unknown_devices": dict(sorted(health.unknown.items()))}


@router.get("/{device_id}")
def device(device_id: str, hub: HubDep, _: CityReaderDep) -> dict[str, Any]:
    found = device_view(hub.monitoring.devices, device_id, time.time())
    if found is None:
        raise HTTPException(404, f"no device {device_id!r} in the registry")
    return found
