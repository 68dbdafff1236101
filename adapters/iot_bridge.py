"""Bridge structural-health monitoring (智慧城管 桥梁健康监测) → city.iot.bridge.

The monitoring system pushes a bridge's measuring points as JSON: bridge code and name, and per
point its code, kind (strain με, deflection mm, displacement mm, acceleration m/s², tilt °, crack
mm), value and time. The adapter grades each value against the alarm thresholds typical of
city-bridge monitoring (level 0 normal … 3 red), kind by kind.
"""

from __future__ import annotations

from typing import Any

from adapters.base import (
    Adapter,
    CloudEvent,
    NativeRejected,
    checked_device_id,
    cloudevent,
    field,
    finite,
    json_document,
    local_time,
    text,
)
from adapters.declaration import CITY_CHENGGUAN, Fleet, Raises

# kind: (unit, yellow, orange, red) — thresholds on the absolute value
THRESHOLDS = {"strain": ("με", 150.0, 250.0, 350.0), "deflection": ("mm", 20.0, 35.0, 50.0),
              "displacement": ("mm", 15.0, 25.0, 40.0), "acceleration": ("m/s2", 0.5, 1.0, 2.0),
              "tilt": ("°", 0.3, 0.6, 1.0), "crack": ("mm", 0.2, 0.3, 0.5)}


def grade(kind: str, value: float) -> int:
    return sum(abs(value) >= limit for limit in THRESHOLDS[kind][1:])


def adapt(raw: bytes) -> list[CloudEvent]:
    doc = json_document(raw)
    bridge = checked_device_id(text(field(doc, "bridgeCode", "bridge push"), "bridgeCode", 64))
    points = field(doc, "data", f"bridge {bridge}")
    if not isinstance(points, list):
        raise NativeRejected(f"bridge {bridge}: 'data' is not a list")
    name = str(doc.get("bridgeName") or "")[:60]
    return [point_event(bridge, name, p) for p in points]


def point_event(bridge: str, name: str, measured: Any) -> CloudEvent:
    point_id = text(field(measured, "pointCode", f"bridge {bridge} point"), "pointCode", 64)
    what = f"bridge {bridge} point {point_id}"
    kind = str(field(measured, "type", what))
    if kind not in THRESHOLDS:
        raise NativeRejected(f"{what}: unknown type {kind[:20]!r}")
    value = finite(field(measured, "value", what), f"{what} value", -1e6, 1e6)
    when = local_time(text(field(measured, "time", what), f"{what} time", 19))
    data: dict[str, Any] = {"bridge_id": bridge, "point_id": point_id, "measure": kind, "value": value,
                            "unit": THRESHOLDS[kind][0], "alarm_level": grade(kind, value)}
    if name:
        data["bridge_name"] = name
    return cloudevent(ADAPTER.source(bridge), "city.iot.bridge", f"{point_id}-{when:%Y%m%d%H%M%S}", when, data)


ADAPTER = Adapter(
    name="iot-bridge", domain="iot", system="bridge", event_types=("city.iot.bridge",), simulator="iot-bridge",
    framing="document", adapt=adapt, summary="bridge structural-health monitoring points (JSON) → city.iot.bridge",
    raises={"city.iot.bridge": Raises("部件/0201", plan_items=("十三", "三十五"))},  # 桥梁
    fleets=(Fleet("bridge", 8, {"pengjiang": 3, "jianghai": 2, "xinhui": 2, "xijiang": 1}, CITY_CHENGGUAN,
        "QL-{district}-{n:02d}", "城市桥梁{n}号"),),
)
