"""Gas network monitors (智慧城管 燃气管网监测: adjacent-space methane detectors and pressure points)
→ city.iot.gas.

The gas company's SCADA exports one CSV line per reading, GB 18030 or UTF-8 text:
``站点编号,采集时间,甲烷浓度(%LEL),管网压力(kPa),状态`` — status 0 normal, 1 low alarm
(≥ 20 %LEL), 2 high alarm (≥ 50 %LEL), 3 pressure abnormal, 9 instrument fault; an empty field is a
reading the station does not have. A header line maps to nothing.
"""

from __future__ import annotations

import csv
from typing import Any

from adapters.base import Adapter, CloudEvent, NativeRejected, checked_device_id, cloudevent, finite, local_time
from adapters.declaration import CITY_CHENGGUAN, URBAN, Fleet, Raises

ALARMS = {"0": "normal", "1": "low", "2": "high", "3": "pressure", "9": "fault"}
HEADER_START = ("站点编号", "station")


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise NativeRejected("gas CSV line is neither UTF-8 nor GB 18030") from None


def adapt(raw: bytes) -> list[CloudEvent]:
    line = decode(raw).strip().lstrip("\ufeff")
    if not line:
        raise NativeRejected("empty line")
    if line.startswith(HEADER_START):
        return []
    try:
        rows = list(csv.reader([line]))
    except csv.Error as err:  # e.g. a field over the csv module's 128 KiB limit
        raise NativeRejected(f"gas CSV line is not CSV: {err}") from None
    if len(rows) != 1 or len(rows[0]) != 5:
        raise NativeRejected(f"gas CSV line needs 5 fields (station, time, %LEL, kPa, status): {line[:60]!r}")
    station, stamp, methane, pressure, status = (f.strip() for f in rows[0])
    station = checked_device_id(station)
    alarm = ALARMS.get(status)
    if alarm is None:
        raise NativeRejected(f"gas station {station}: status {status[:5]!r} is not 0/1/2/3/9")
    data: dict[str, Any] = {"sensor_id": station, "alarm": alarm}
    if methane:
        data["methane_lel_pct"] = finite(methane, f"gas station {station} methane", 0, 100)
    if pressure:
        data["pressure_kpa"] = finite(pressure, f"gas station {station} pressure", 0, 10000)
    if len(data) == 2 and alarm != "fault":
        raise NativeRejected(f"gas station {station}: neither methane nor pressure")
    when = local_time(stamp)
    return [cloudevent(ADAPTER.source(station), "city.iot.gas", f"{station}-{when:%Y%m%d%H%M%S}", when, data)]


ADAPTER = Adapter(
    name="iot-gas", domain="iot", system="gas", event_types=("city.iot.gas",), simulator="iot-gas",
    framing="lines", adapt=adapt, summary="gas network methane/pressure monitors (SCADA CSV lines) → city.iot.gas",
    raises={"city.iot.gas": Raises("部件/0150", severity=1, plan_items=("十三", "三十五"))},  # 燃气设施
    fleets=(Fleet("gas-monitor", 30, URBAN, CITY_CHENGGUAN, "RQ-{district}-{n:03d}", "燃气管网监测点{n}号"),),
)
