"""Pollution-source online monitoring (污染源在线监控, HJ 212-2017 ST=31 flue gas, ST=32 waste water)
→ city.env.discharge: one event per upload with every pollutant, its flag and whether it exceeds.

The monitor marks an exceedance with flag ``T``; the adapter also checks the discharge limits
an outlet is commonly held to (GB 13223 / GB 8978 / DB44 26 class values), so a value over its
limit is flagged even when the monitor's own limit table is missing.
"""

from __future__ import annotations

from typing import Any

from adapters import hj212
from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent
from adapters.declaration import Fleet, Raises

MEDIUM = {"31": "air", "32": "water"}
# code: (name, unit, limit or None)
POLLUTANTS: dict[str, tuple[str, str, float | None]] = {
    "a21026": ("二氧化硫", "mg/m3", 50.0), "a21002": ("氮氧化物", "mg/m3", 100.0),
    "a34013": ("烟尘", "mg/m3", 20.0), "a19001": ("氧含量", "%", None), "a01012": ("烟气温度", "℃", None),
    "a00000": ("废气流量", "m3/h", None), "w01018": ("化学需氧量", "mg/L", 90.0),
    "w21003": ("氨氮", "mg/L", 10.0), "w21011": ("总磷", "mg/L", 0.5), "w21001": ("总氮", "mg/L", 20.0),
    "w01001": ("pH值", "", None), "w00000": ("污水流量", "L/s", None),
}


def adapt(raw: bytes) -> list[CloudEvent]:
    frame = hj212.parse(raw)
    if not frame.carries_data:
        return []
    medium = MEDIUM.get(frame.st)
    if medium is None:
        raise NativeRejected(f"HJ 212 ST={frame.st} is not a pollution source (ST=31 flue gas, 32 waste water)")
    outlet, when = frame.mn, frame.data_time()
    pollutants: list[dict[str, Any]] = []
    for code, reading in frame.readings().items():
        name, unit, limit = POLLUTANTS.get(code, (code, "", None))
        item: dict[str, Any] = {"code": code, "name": name, "value": reading.value, "unit": unit,
                                "flag": hj212.FLAGS.get(reading.flag, reading.flag)}
        over = reading.flag == "T" or (code == "w01001" and not 6 <= reading.value <= 9)
        if limit is not None:
            item["limit"] = limit
            over = over or (reading.flag == "N" and reading.value > limit)
        item["over_limit"] = over
        pollutants.append(item)
    if not pollutants:
        raise NativeRejected("HJ 212 discharge upload without any pollutant")
    data: dict[str, Any] = {"outlet_id": outlet, "medium": medium, "interval": hj212.INTERVALS[frame.cn],
                            "pollutants": pollutants, "over_limit": any(p["over_limit"] for p in pollutants)}
    event_id = f"{outlet}-{frame.cn}-{when:%Y%m%d%H%M%S}"
    return [cloudevent(ADAPTER.source(outlet), "city.env.discharge", event_id, when, data)]


ADAPTER = Adapter(
    name="env-pollution", domain="env", system="pollution", event_types=("city.env.discharge",),
    simulator="env-pollution", framing="lines", adapt=adapt,
    summary="pollution-source monitors (flue gas, waste water), HJ 212-2017 frames → city.env.discharge",
    raises={"city.env.discharge": Raises("事件/1102", severity=1, plan_items=("十二",))},  # 污染源排放
    fleets=(Fleet("pollution-outlet", 16, {"jianghai_park": 4, "yinzhou_lake": 6, "gonghe": 3, "sanbu": 3},
        "江门市生态环境局", "{district}PS{n:04d}", "重点排污单位排放口{n}号"),),
)
