"""Device health over HTTP (一机一档 在线率): one device's record, state and latest values; online rates by
group with the registry's completeness; the devices in a state (the map's offline layer)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path

from hub.api.areas import inside
from hub.api.deps import HubDep, ReaderDep
from hub.health.devices import STATE_NAMES, STATES, state_of
from hub.health.views import completeness, device_view, health_by

router = APIRouter(prefix="/api/devices", tags=["devices"])
State = Literal["online", "late", "offline", "never_seen"]
assert set(State.__args__) == set(STATES)  # type: ignore[attr-defined]


@router.get("")
def devices_in_state(hub: HubDep, who: ReaderDep, state: State = "offline") -> dict[str, Any]:
    """The monitored devices of the caller's area in one state, with their place and owner: the map's layer of
    offline devices."""
    health, now = hub.monitoring.devices, time.time()
    items = []
    for device_id, row in health.registry.devices.items():
        cadence = health.cadences.of(row.get("kind") or "")
        entry = health.seen.get(device_id)
        if not who.area.admits_item(row) or cadence is None:
            continue
        if state_of(entry.last_received if entry else None, cadence, now, health.cadences) != state:
            continue
        items.append({"device_id": device_id, "kind": row.get("kind"), "name": row.get("name"), "lon": row.get("lon"),
                      "lat": row.get("lat"), "department": row.get("department"),
                      "district_code": row.get("district_code"), "state": state,
                      "last_report": entry.last_received if entry else None})
    return {"state": state, "state_names": STATE_NAMES, "count": len(items), "items": items}


@router.get("/health")
def online_rates(hub: HubDep, who: ReaderDep, by: Literal["department", "district", "class"] = "department",
                 ) -> dict[str, Any]:
    """Online rates and the registry's completeness over the devices of the caller's area."""
    health = hub.monitoring.devices
    return {"by": by, "state_names": STATE_NAMES,
            "groups": health_by(health, by, time.time(), who.area.admits_item),
            "completeness": completeness(health, who.area.admits_item),
            "unknown_devices": dict(sorted(health.unknown.items()))}


@router.get("/{device_id}")
def device(device_id: Annotated[str, Path(min_length=1, max_length=100)], hub: HubDep,
           who: ReaderDep) -> dict[str, Any]:
    """One device's record, state, latest values and last 24 h; 404 outside the caller's area."""
    found = device_view(hub.monitoring.devices, device_id, time.time())
    if found is None:
        raise HTTPException(404, f"no device {device_id!r} in the registry")
    inside(who, found["record"], f"device {device_id}")
    return found
