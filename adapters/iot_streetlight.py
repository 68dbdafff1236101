"""Streetlights (智慧城管 智慧路灯, single-lamp controller platform) → city.iot.streetlight.

The lighting platform pushes each concentrator's (集中控制器) lamp states as JSON: lamp id,
switch (1 on, 0 off), dimming %, voltage, current, power and a fault code (0 none, 1 lamp failed,
2 driver failed, 3 leakage, 4 lost contact, 5 over/under voltage), with the lamp's GCJ-02 position
for lamps surveyed on the platform's map (others only by id: the registry places them).
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
from adapters.declaration import URBAN, Fleet, Raises, district_dept

FAULTS = {1: "灯具损坏", 2: "电源故障", 3: "漏电", 4: "通信中断", 5: "电压异常"}
READINGS = (("dim", "dim_pct", 0, 100), ("voltage", "voltage_v", 0, 500), ("current", "current_a", 0, 100),
            ("power", "power_w", 0, 10000))


def adapt(raw: bytes) -> list[CloudEvent]:
    doc = json_document(raw)
    if not isinstance(doc, dict) or doc.get("cmd") != "lampReport":
        raise NativeRejected("not a lampReport push")
    cabinet = checked_device_id(text(field(doc, "gatewayId", "lampReport"), "gatewayId", 64))
    lamps = field(doc, "lamps", f"lampReport of {cabinet}")
    if not isinstance(lamps, list):
        raise NativeRejected(f"lampReport of {cabinet}: 'lamps' is not a list")
    return [lamp_event(cabinet, lamp) for lamp in lamps]


def lamp_event(cabinet: str, lamp: Any) -> CloudEvent:
    lamp_id = checked_device_id(text(field(lamp, "lampId", f"lampReport of {cabinet}"), "lampId", 64))
    what = f"lamp {lamp_id}"
    switch, fault = field(lamp, "switch", what), finite(lamp.get("faultCode", 0), f"{what} faultCode", 0, 99)
    if switch not in (0, 1) or (fault and int(fault) not in FAULTS) or fault != int(fault):
        raise NativeRejected(f"{what}: switch {switch!r} or faultCode {lamp.get('faultCode')!r} unknown")
    data: dict[str, Any] = {"lamp_id": lamp_id, "cabinet_id": cabinet, "on": switch == 1,
                            "state": "fault" if fault else "on" if switch == 1 else "off"}
    if fault:
        data["fault"] = FAULTS[int(fault)]
    for native, name, low, high in READINGS:
        if lamp.get(native) is not None:
            data[name] = finite(lamp[native], f"{what} {native}", low, high)
    if lamp.get("lng") is not None and lamp.get("lat") is not None:
        data["location"] = point(lamp["lng"], lamp["lat"], lamp.get("coordType", "GCJ02"), what)
    when = local_time(text(field(lamp, "time", what), f"{what} time", 19))
    return cloudevent(ADAPTER.source(lamp_id), "city.iot.streetlight", f"{lamp_id}-{when:%Y%m%d%H%M%S}", when, data)


ADAPTER = Adapter(
    name="iot-streetlight", domain="iot", system="streetlight", event_types=("city.iot.streetlight",),
    simulator="iot-streetlight", framing="document", adapt=adapt,
    summary="single-lamp controller platform lamp reports (JSON) → city.iot.streetlight",
    raises={"city.iot.streetlight": Raises("部件/1002", plan_items=("十三", "三十五"))},  # 路灯监测报警
    fleets=(Fleet("streetlight", 120, URBAN, district_dept("城市管理和综合执法局"), "LD-{district}-{n:04d}",
        "路灯{n}号", "gcj02"),),
)
