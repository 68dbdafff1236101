"""Forest-fire watch towers (智慧应急 森林防火 视频监测) → city.emergency.forestfire.alert.

Thermal/visible cameras on watch towers detect smoke or a fire point and push a JSON alarm: alarm
id, tower code, time, kind (烟雾 smoke, 火点 fire point), the fire's estimated position
(``fireLng``/``fireLat`` with ``coordType`` GCJ02 or WGS84; absent when ranging failed — then the
tower's registry position stands in), distance and azimuth from the tower, confidence 0-1.
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
    point,
    text,
)
from adapters.declaration import Fleet, Raises

KINDS = {"烟雾": "smoke", "火点": "fire_point"}


def adapt(raw: bytes) -> list[CloudEvent]:
    doc = json_document(raw)
    alarm_id = text(field(doc, "alarmId", "forest-fire alarm"), "alarmId", 64)
    what = f"forest-fire alarm {alarm_id}"
    tower = checked_device_id(text(field(doc, "towerCode", what), f"{what} towerCode", 64))
    kind = KINDS.get(str(field(doc, "alarmType", what)))
    if kind is None:
        raise NativeRejected(f"{what}: alarmType must be 烟雾 or 火点")
    data: dict[str, Any] = {"alert_id": alarm_id, "tower_id": tower, "kind": kind,
                            "confidence": finite(doc.get("confidence", 1), f"{what} confidence", 0, 1)}
    for native, name, high in (("distance", "distance_m", 100_000), ("azimuth", "azimuth_deg", 360)):
        if doc.get(native) is not None:
            data[name] = finite(doc[native], f"{what} {native}", 0, high)
    if doc.get("fireLng") is not None and doc.get("fireLat") is not None:
        data["location"] = point(doc["fireLng"], doc["fireLat"], doc.get("coordType", "GCJ02"), what)
    if isinstance(doc.get("imageUrl"), str):
        data["snapshot_ref"] = doc["imageUrl"][:300]
    when = local_time(text(field(doc, "alarmTime", what), f"{what} alarmTime", 19))
    return [cloudevent(ADAPTER.source(tower), "city.emergency.forestfire.alert", alarm_id, when, data)]


ADAPTER = Adapter(
    name="emergency-forestfire", domain="emergency", system="forestfire",
    event_types=("city.emergency.forestfire.alert",), simulator="emergency-forestfire", framing="document",
    adapt=adapt, summary="forest-fire watch-tower camera alarms (JSON) → city.emergency.forestfire.alert",
    raises={"city.emergency.forestfire.alert": Raises("事件/1404", severity=3, plan_items=("九", "七"))},  # 森林火情
    fleets=(Fleet("watch-tower", 12,
        {"taishan_hills": 5, "enping_hills": 2, "kaiping_hills": 2, "heshan_hills": 2, "guifeng": 1},
        "江门市林业局", "LHT-{district}-{n:02d}", "森林防火瞭望塔{n}号"),),
)
