"""Geological-hazard monitoring points (智慧应急 地质灾害监测预警) → city.emergency.geohazard.alert.

Each monitored slope (滑坡, 崩塌, 泥石流, 地面塌陷) pushes JSON: point code and name, hazard type,
its sensors' latest values (GNSS displacement, crack width, tilt, rainfall, soil moisture) with the
change rate, and the warning level the point's model gives (无, 蓝, 黄, 橙, 红).
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
from adapters.declaration import Fleet, Raises

HAZARDS = {"滑坡": "landslide", "崩塌": "collapse", "泥石流": "debris_flow", "地面塌陷": "subsidence"}
LEVELS = {"无": "none", "蓝": "blue", "黄": "yellow", "橙": "orange", "红": "red"}
SENSORS = {"gnss": "displacement", "crack": "crack", "tilt": "tilt", "rain": "rainfall", "moisture": "soil_moisture"}


def adapt(raw: bytes) -> list[CloudEvent]:
    doc = json_document(raw)
    point_id = checked_device_id(text(field(doc, "pointCode", "geohazard push"), "pointCode", 64))
    what = f"geohazard point {point_id}"
    hazard = HAZARDS.get(str(field(doc, "hazardType", what)))
    level = LEVELS.get(str(doc.get("warnLevel", "无")).rstrip("色"))
    if hazard is None or level is None:
        raise NativeRejected(f"{what}: hazardType {str(doc.get('hazardType'))[:10]!r} or "
                             f"warnLevel {str(doc.get('warnLevel'))[:10]!r} unknown")
    sensors = field(doc, "sensors", what)
    if not isinstance(sensors, list) or not sensors:
        raise NativeRejected(f"{what}: 'sensors' is not a non-empty list")
    readings = [sensor_reading(s, what) for s in sensors[:50]]
    when = local_time(text(field(doc, "time", what), f"{what} time", 19))
    data: dict[str, Any] = {"point_id": point_id, "hazard": hazard, "level": level, "readings": readings}
    if isinstance(doc.get("pointName"), str):
        data["point_name"] = doc["pointName"][:100]
    return [cloudevent(ADAPTER.source(point_id), "city.emergency.geohazard.alert",
                       f"{point_id}-{when:%Y%m%d%H%M%S}", when, data)]


def sensor_reading(sensor: Any, what: str) -> dict[str, Any]:
    code = text(field(sensor, "sensorCode", f"{what} sensor"), "sensorCode", 64)
    measure = SENSORS.get(str(field(sensor, "type", f"{what} sensor {code}")))
    if measure is None:
        raise NativeRejected(f"{what} sensor {code}: unknown type {str(sensor['type'])[:20]!r}")
    value = finite(field(sensor, "value", f"{what} sensor {code}"), f"{code} value", -1e6, 1e6)
    reading: dict[str, Any] = {"sensor": code, "measure": measure, "value": value,
                               "unit": str(sensor.get("unit", ""))[:10]}
    if sensor.get("rate") is not None:
        reading["rate_per_h"] = finite(sensor["rate"], f"{code} rate", -1e6, 1e6)
    return reading


ADAPTER = Adapter(
    name="emergency-geohazard", domain="emergency", system="geohazard", event_types=("city.emergency.geohazard.alert",),
    simulator="emergency-geohazard", framing="document", adapt=adapt,
    summary="geological-hazard monitoring points (JSON) → city.emergency.geohazard.alert",
    raises={"city.emergency.geohazard.alert": Raises("事件/1403", severity=1, plan_items=("九",))},  # 地质灾害隐患点
    fleets=(Fleet("geohazard-point", 24,
        {"taishan_hills": 8, "enping_hills": 5, "kaiping_hills": 5, "heshan_hills": 4, "guifeng": 2},
        "江门市自然资源局", "DZ-{district}-{n:03d}", "地质灾害隐患点{n}号"),),
)
