"""Road congestion from the traffic-operations platform (智慧交通 路况) → city.traffic.congestion.

The platform publishes road-segment status the way map traffic APIs do: ``{"status": "1", "info":
"OK", "updateTime", "roads": [{"roadId", "name", "direction", "status" (0 unknown, 1 smooth, 2
slow, 3 congested, 4 severe), "speed" (km/h), "polyline" ("lon,lat;lon,lat…", GCJ-02)}]}``. The
event sits at the middle vertex of the segment's polyline.
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
from adapters.declaration import DOWNTOWN, Fleet, Raises

LEVELS = {"1": "smooth", "2": "slow", "3": "congested", "4": "severe"}


def adapt(raw: bytes) -> list[CloudEvent]:
    doc = json_document(raw)
    if not isinstance(doc, dict) or str(doc.get("status")) != "1":
        info = doc.get("info") if isinstance(doc, dict) else doc
        raise NativeRejected(f"road-status feed reports failure: {str(info)[:60]}")
    when = local_time(text(field(doc, "updateTime", "road-status feed"), "updateTime", 19))
    roads = field(doc, "roads", "road-status feed")
    if not isinstance(roads, list):
        raise NativeRejected("road-status feed: 'roads' is not a list")
    return [e for road in roads if (e := road_event(road, when)) is not None]


def road_event(road: Any, when: Any) -> CloudEvent | None:
    road_id = checked_device_id(text(field(road, "roadId", "road"), "roadId", 64))
    what = f"road {road_id}"
    level = LEVELS.get(str(field(road, "status", what)))
    if level is None:
        if str(road["status"]) == "0":
            return None  # no probe data on this segment now
        raise NativeRejected(f"{what}: status {str(road['status'])[:5]!r} is not 0-4")
    data: dict[str, Any] = {"road_id": road_id, "road_name": text(field(road, "name", what), f"{what} name", 60),
                            "level": level}
    if road.get("direction"):
        data["direction"] = str(road["direction"])[:20]
    if road.get("speed") not in (None, ""):
        data["speed_kmh"] = finite(road["speed"], f"{what} speed", 0, 250)
    vertices = [v.split(",") for v in str(road.get("polyline") or "").split(";") if v]
    if vertices:
        middle = vertices[len(vertices) // 2]
        if len(middle) != 2:
            raise NativeRejected(f"{what}: polyline vertex {','.join(middle)[:30]!r} is not lon,lat")
        data["location"] = point(middle[0], middle[1], "GCJ02", what)
    return cloudevent(ADAPTER.source(road_id), "city.traffic.congestion", f"{road_id}-{when:%Y%m%d%H%M%S}", when, data)


ADAPTER = Adapter(
    name="traffic-congestion", domain="traffic", system="congestion", event_types=("city.traffic.congestion",),
    simulator="traffic-congestion", framing="document", adapt=adapt,
    summary="road-segment congestion from the traffic-operations platform (JSON) → city.traffic.congestion",
    raises={"city.traffic.congestion": Raises("事件/1203", severity=1, plan_items=("十六",))},  # 交通拥堵
    fleets=(Fleet("road-segment", 30, DOWNTOWN | {"xinhui": 1}, "江门市公安局交通警察支队", "RD-{district}-{n:03d}",
        "路段{n}号", "gcj02"),),
)
