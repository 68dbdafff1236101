"""Hazardous-chemical major hazard sources (智慧应急 危险化学品重大危险源在线监测) → city.emergency.hazmat.reading.

Enterprises' monitoring systems push batches of tag readings as JSON to the emergency bureau's
platform: company credit code, hazard-source code, and per tag its id, kind (液位, 温度, 压力,
可燃气体浓度, 有毒气体浓度), value, unit, alarm state (0 normal, 1 high, 2 high-high, 3 low,
4 low-low) and collection time. The hazard-source code is the device the registry places.
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

MEASURES = {"液位": "level", "温度": "temperature", "压力": "pressure", "可燃气体浓度": "combustible_gas",
            "有毒气体浓度": "toxic_gas", "流量": "flow"}
ALARMS = {"0": "normal", "1": "high", "2": "high_high", "3": "low", "4": "low_low"}


def adapt(raw: bytes) -> list[CloudEvent]:
    doc = json_document(raw)
    site = checked_device_id(text(field(doc, "hazardCode", "hazard-source push"), "hazardCode", 64))
    company = text(field(doc, "companyCode", f"hazard source {site}"), "companyCode", 30)
    readings = field(doc, "datas", f"hazard source {site}")
    if not isinstance(readings, list):
        raise NativeRejected(f"hazard source {site}: 'datas' is not a list")
    return [reading_event(site, company, r) for r in readings]


def reading_event(site: str, company: str, reading: Any) -> CloudEvent:
    tag = text(field(reading, "quotaId", f"hazard source {site} reading"), "quotaId", 64)
    what = f"hazard source {site} tag {tag}"
    measure = MEASURES.get(str(field(reading, "quotaType", what)))
    if measure is None:
        raise NativeRejected(f"{what}: unknown quotaType {str(reading['quotaType'])[:20]!r}")
    alarm = ALARMS.get(str(reading.get("alarmStatus", "0")))
    if alarm is None:
        raise NativeRejected(f"{what}: alarmStatus {str(reading.get('alarmStatus'))[:10]!r} is not 0-4")
    when = local_time(text(field(reading, "collectTime", what), f"{what} collectTime", 19))
    data: dict[str, Any] = {"site_id": site, "company_code": company, "tag_id": tag, "measure": measure,
                            "value": finite(field(reading, "value", what), f"{what} value", -1e6, 1e7),
                            "unit": str(reading.get("unit", ""))[:10], "alarm": alarm}
    return cloudevent(ADAPTER.source(site), "city.emergency.hazmat.reading", f"{site}-{tag}-{when:%Y%m%d%H%M%S}",
                      when, data)


ADAPTER = Adapter(
    name="emergency-hazmat", domain="emergency", system="hazmat", event_types=("city.emergency.hazmat.reading",),
    simulator="emergency-hazmat", framing="document", adapt=adapt,
    summary="hazardous-chemical hazard-source tag readings (JSON) → city.emergency.hazmat.reading",
    raises={"city.emergency.hazmat.reading": Raises("事件/1402", plan_items=("九",))},  # 危化品重大危险源
    fleets=(Fleet("hazard-source", 14, {"jianghai_park": 4, "yinzhou_lake": 6, "gonghe": 2, "guanghai": 2},
        "江门市应急管理局", "HZ-{district}-{n:03d}", "危化品重大危险源{n}号"),),
)
