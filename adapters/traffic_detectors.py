"""Traffic detectors at intersections and road sections (coil, radar, video; 智慧交通) → city.traffic.flow.

The signal-control system exports each lane's statistics per period as one CSV line:
``设备编号,车道号,统计时间,统计周期(s),流量(辆),平均速度(km/h),时间占有率(%)`` — the time is
the end of the period. A header line maps to nothing.
"""

from __future__ import annotations

import csv
from typing import Any

from adapters.base import Adapter, CloudEvent, NativeRejected, checked_device_id, cloudevent, finite, local_time, whole
from adapters.declaration import DOWNTOWN, Fleet, Raises

HEADER_START = ("设备编号", "device")


def adapt(raw: bytes) -> list[CloudEvent]:
    try:
        line = raw.decode("utf-8").strip().lstrip("\ufeff")
    except UnicodeDecodeError:
        raise NativeRejected("detector CSV line is not UTF-8") from None
    if not line:
        raise NativeRejected("empty line")
    if line.startswith(HEADER_START):
        return []
    try:
        rows = list(csv.reader([line]))
    except csv.Error as err:  # e.g. a field over the csv module's 128 KiB limit
        raise NativeRejected(f"detector CSV line is not CSV: {err}") from None
    if len(rows) != 1 or len(rows[0]) != 7:
        raise NativeRejected(f"detector CSV line needs 7 fields: {line[:60]!r}")
    detector, lane, stamp, period, volume, speed, occupancy = (f.strip() for f in rows[0])
    detector = checked_device_id(detector)
    what = f"detector {detector}"
    seconds = whole(period, f"{what} period", 10, 3600)
    count = whole(volume, f"{what} volume", 0, 100_000)
    data: dict[str, Any] = {
        "detector_id": detector, "lane": whole(lane, f"{what} lane", 0, 99), "period_s": seconds, "volume": count,
        "flow_vph": round(count * 3600 / seconds), "speed_kmh": finite(speed, f"{what} speed", 0, 250),
        "occupancy_pct": finite(occupancy, f"{what} occupancy", 0, 100),
    }
    when = local_time(stamp)
    event_id = f"{detector}-{data['lane']}-{when:%Y%m%d%H%M%S}"
    return [cloudevent(ADAPTER.source(detector), "city.traffic.flow", event_id, when, data)]


ADAPTER = Adapter(
    name="traffic-detectors", domain="traffic", system="detector", event_types=("city.traffic.flow",),
    simulator="traffic-detectors", framing="lines", adapt=adapt,
    summary="lane detectors of the signal-control system (CSV lines) → city.traffic.flow",
    raises={"city.traffic.flow": Raises("事件/1202", plan_items=("十六",))},  # 交通流量
    fleets=(Fleet("traffic-detector", 40, DOWNTOWN | {"xinhui": 1}, "江门市公安局交通警察支队",
        "TD-{district}-{n:03d}", "交通检测器{n}号"),),
)
