"""The emergency command platform's incident reports (智慧应急 应急值守/突发事件信息报送)
→ city.emergency.incident.

Duty officers and linked platforms (110/119/120, districts) report incidents as JSON: code, name,
type (火灾, 危化品泄漏, 山体滑坡 …), level (特别重大 Ⅰ … 一般 Ⅳ), time, reporting unit, address
text and, when known, coordinates (CGCS2000 ≈ WGS 84, or GCJ-02), casualties and a description.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.base import (
    Adapter,
    CloudEvent,
    NativeRejected,
    cloudevent,
    field,
    json_document,
    local_time,
    point,
    text,
    whole,
)
from adapters.declaration import Fleet, Raises, district_dept

KINDS = {"火灾": "fire", "危化品泄漏": "hazmat_leak", "爆炸": "explosion", "山体滑坡": "landslide", "崩塌": "collapse",
         "泥石流": "debris_flow", "森林火灾": "forest_fire", "内涝": "waterlogging", "洪涝": "flood",
         "交通事故": "traffic_accident", "建筑坍塌": "building_collapse", "燃气泄漏": "gas_leak", "台风": "typhoon"}
LEVELS = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4,
          "特别重大": 1, "重大": 2, "较大": 3, "一般": 4}


def level_of(value: Any) -> int:
    found = re.search(r"(IV|III|II|I|Ⅳ|Ⅲ|Ⅱ|Ⅰ)级", str(value)) or re.match(r"(特别重大|重大|较大|一般)", str(value))
    if not found:
        raise NativeRejected(f"incident level {str(value)[:20]!r} is not 特别重大/重大/较大/一般 (Ⅰ–Ⅳ级)")
    return LEVELS[found.group(1)]


def adapt(raw: bytes) -> list[CloudEvent]:
    report = json_document(raw)
    code = text(field(report, "eventCode", "incident report"), "eventCode", 64)
    what = f"incident {code}"
    kind_name = text(field(report, "eventType", what), f"{what} eventType", 20)
    kind = next((v for k, v in KINDS.items() if k in kind_name), None)
    if kind is None:
        raise NativeRejected(f"{what}: unknown eventType {kind_name!r}")
    unit = text(field(report, "reportUnitCode", what), f"{what} reportUnitCode", 64)
    data: dict[str, Any] = {
        "incident_id": code, "name": text(field(report, "eventName", what), f"{what} eventName", 100),
        "kind": kind, "kind_name": kind_name, "level": level_of(field(report, "eventLevel", what)),
        "report_unit": text(report.get("reportUnit") or unit, f"{what} reportUnit", 100),
    }
    if isinstance(report.get("description"), str) and report["description"].strip():
        data["description"] = report["description"].strip()[:2000]
    casualties = report.get("casualties") or {}
    if isinstance(casualties, dict):
        for key in ("dead", "injured", "missing", "evacuated"):
            if key in casualties:
                data[key] = whole(casualties[key], f"{what} {key}", 0, 10_000_000)
    location: dict[str, Any] = {}
    if report.get("longitude") is not None and report.get("latitude") is not None:
        location = point(report["longitude"], report["latitude"], report.get("coordinateSystem", "CGCS2000"), what)
    if isinstance(report.get("address"), str) and len(report["address"].strip()) >= 2:
        location["address"] = report["address"].strip()[:200]
    if not location:
        raise NativeRejected(f"{what}: neither coordinates nor an address")
    data["location"] = location
    when = local_time(text(field(report, "occurTime", what), f"{what} occurTime", 19))
    return [cloudevent(ADAPTER.source(unit), "city.emergency.incident", code, when, data)]


ADAPTER = Adapter(
    name="emergency-incidents", domain="emergency", system="command", event_types=("city.emergency.incident",),
    simulator="emergency-incidents", framing="document", adapt=adapt,
    summary="emergency command platform incident reports (JSON) → city.emergency.incident",
    raises={"city.emergency.incident": Raises("事件/1401", severity=3, plan_items=("九", "七"))},  # 应急事件
    fleets=(Fleet("duty-desk", 0, {}, district_dept("应急管理局"), "YJ-{district}", "{district_name}应急值守"),),
)
