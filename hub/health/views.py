"""How device health looks outside: one device's record, online rates by group, the registry's completeness."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.health.devices import STATES, DeviceHealth, state_of
from hub.incidents.views import iso

GROUPS = {"department": "department", "district": "district_code", "class": "kind"}
DAY_S = 86400.0


def _values(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "location"}


def device_view(health: DeviceHealth, device_id: str, now: float) -> dict[str, Any] | None:
    row = health.registry.get(device_id)
    if row is None:
        return None
    entry = health.seen.get(device_id)
    cadence = health.cadences.of(row.get("kind") or "")
    latest = ({t: {"time": iso(at), "values": _values(data)} for t, (at, data) in entry.latest.items()}
              if entry else {})
    day = [{"time": iso(at), "type": t, "values": _values(d)} for at, t, d in list(entry.history)
           if at >= now - DAY_S] if entry else []
    return {"device_id": device_id, "record": {k: v for k, v in row.items()},
            "state": state_of(entry.last_received if entry else None, cadence, now, health.cadences),
            "monitored": cadence is not None, "cadence_s": cadence,
            "last_report": iso(entry.last_received) if entry else None,
            "last_event_time": iso(entry.last_event) if entry else None,
            "reports": entry.reports if entry else 0, "latest": latest, "last_24h": day,
            "alarm_incident": entry.alarm_id if entry else None,
            "flapping_incident": entry.flap_alarm_id if entry else None}


def health_by(health: DeviceHealth, by: str, now: float,
              admits: Callable[[dict[str, Any]], bool] = bool) -> list[dict[str, Any]]:
    """Per group of the devices `admits` lets in (the caller's area): devices, monitored ones, count per state,
    and the online rate = (online + late) ÷ monitored."""
    column, groups = GROUPS[by], dict[str, dict[str, int]]()
    for device_id, row in health.registry.devices.items():
        if not admits(row):
            continue
        cadence = health.cadences.of(row.get("kind") or "")
        entry = health.seen.get(device_id)
        group = groups.setdefault(row.get(column) or "", {"devices": 0, "monitored": 0} | dict.fromkeys(STATES, 0))
        group["devices"] += 1
        if cadence is not None:
            group["monitored"] += 1
            group[state_of(entry.last_received if entry else None, cadence, now, health.cadences)] += 1
    return [{by: name, **g, "online_rate": round((g["online"] + g["late"]) / g["monitored"], 4) if g["monitored"]
             else None} for name, g in sorted(groups.items())]


def completeness(health: DeviceHealth, admits: Callable[[dict[str, Any]], bool] = bool) -> dict[str, Any]:
    """一机一档: the share of devices (and of cameras) whose record has every required field, against the plan,
    over the devices `admits` lets in (the caller's area)."""
    fields, target = health.cadences.record_fields, health.cadences.record_target
    by_class: dict[str, list[int]] = {}
    for row in health.registry.devices.values():
        if not admits(row):
            continue
        complete = all(row.get(f) not in (None, "") for f in fields)
        counts = by_class.setdefault(row.get("kind") or "", [0, 0])
        counts[0], counts[1] = counts[0] + complete, counts[1] + 1

    def share(pairs: list[list[int]]) -> float | None:
        total = sum(p[1] for p in pairs)
        return round(sum(p[0] for p in pairs) / total, 4) if total else None

    devices, cameras = share(list(by_class.values())), share([by_class.get("camera", [0, 0])])
    return {"required_fields": list(fields), "target": target, "devices": devices, "cameras": cameras,
            "meets_target": devices is not None and cameras is not None and min(devices, cameras) >= target,
            "by_class": {k: {"complete": v[0], "devices": v[1]} for k, v in sorted(by_class.items())}}
