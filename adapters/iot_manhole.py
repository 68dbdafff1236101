"""Smart manhole covers (智慧城管 井盖监测, NB-IoT via CTWing) → city.iot.manhole.

The cover sensor reports its tilt angle, a state code (0 normal, 1 tilted, 2 opened/displaced,
3 water full under the cover, 4 sensor removed), battery and the kind of well it sits on.
"""

from __future__ import annotations

from typing import Any

from adapters import ctwing
from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent, finite
from adapters.declaration import URBAN, Fleet, Raises, district_dept

STATES = {0: "normal", 1: "tilted", 2: "opened", 3: "water_full", 4: "removed"}
WELLS = {"雨水": "rain", "污水": "sewage", "供水": "water_supply", "电力": "power", "通信": "telecom", "燃气": "gas"}


def adapt(raw: bytes) -> list[CloudEvent]:
    found = ctwing.reading(raw)
    if found is None:
        return []
    what = f"manhole cover {found.imei}"
    code = finite(found.values.get("status", 0), f"{what} status", 0, 99)
    state = STATES.get(int(code)) if code == int(code) else None
    if state is None:
        raise NativeRejected(f"{what}: unknown status code {found.values.get('status')!r}")
    data: dict[str, Any] = {"cover_id": found.imei, "state": state}
    if found.values.get("tiltAngle") is not None:
        data["tilt_deg"] = finite(found.values["tiltAngle"], f"{what} tiltAngle", 0, 180)
    if found.values.get("battery") is not None:
        data["battery_pct"] = finite(found.values["battery"], f"{what} battery", 0, 100)
    if (well := WELLS.get(str(found.values.get("wellType")))) is not None:
        data["well"] = well
    event_id = f"{found.imei}-{found.time:%Y%m%d%H%M%S}"
    return [cloudevent(ADAPTER.source(found.imei), "city.iot.manhole", event_id, found.time, data)]


ADAPTER = Adapter(
    name="iot-manhole", domain="iot", system="manhole", event_types=("city.iot.manhole",), simulator="iot-manhole",
    framing="document", adapt=adapt, summary="manhole-cover sensors (NB-IoT, CTWing push JSON) → city.iot.manhole",
    raises={"city.iot.manhole": Raises("部件/1001", plan_items=("十三", "三十五"))},  # 井盖传感器报警
    fleets=(Fleet("manhole-cover", 80, URBAN, district_dept("城市管理和综合执法局"), "86911205{d2}{n:05d}",
        "智能井盖{n}号"),),
)
