"""Air-quality monitoring stations (智慧环保 空气质量监测, HJ 212-2017 ST=22) → city.env.air.

Concentrations as stations send them: particulates and SO2/NO2/O3 in μg/m³, CO in mg/m³. The
adapter adds the real-time AQI and primary pollutant by HJ 633-2012 (IAQI breakpoints: 1-hour
for gases, 24-hour for particulates, as the national real-time release does).
"""

from __future__ import annotations

from typing import Any

from adapters import hj212
from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent
from adapters.declaration import URBAN, Fleet, Raises

FIELDS = {"a34004": "pm25_ugm3", "a34002": "pm10_ugm3", "a21026": "so2_ugm3", "a21004": "no2_ugm3",
          "a21005": "co_mgm3", "a05024": "o3_ugm3", "a01001": "temperature_c", "a01002": "humidity_pct",
          "a01007": "wind_speed_ms", "a01008": "wind_dir_deg"}
IAQI = (0, 50, 100, 150, 200, 300, 400, 500)
BREAKPOINTS = {
    "pm25_ugm3": (0, 35, 75, 115, 150, 250, 350, 500), "pm10_ugm3": (0, 50, 150, 250, 350, 420, 500, 600),
    "so2_ugm3": (0, 150, 500, 650, 800, 1600, 2100, 2620), "no2_ugm3": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "co_mgm3": (0, 5, 10, 35, 60, 90, 120, 150), "o3_ugm3": (0, 160, 200, 300, 400, 800, 1000, 1200),
}
NAMES = {"pm25_ugm3": "PM2.5", "pm10_ugm3": "PM10", "so2_ugm3": "SO2", "no2_ugm3": "NO2", "co_mgm3": "CO",
         "o3_ugm3": "O3"}
STATION_SYSTEMS = {"22"}


def iaqi(name: str, value: float) -> int:
    points = BREAKPOINTS[name]
    if value >= points[-1]:
        return 500
    for i in range(1, len(points)):
        if value < points[i]:
            low, high = points[i - 1], points[i]
            return round(IAQI[i - 1] + (IAQI[i] - IAQI[i - 1]) * (value - low) / (high - low))
    return 500


def air_quality(data: dict[str, Any]) -> None:
    scores = {name: iaqi(name, data[name]) for name in BREAKPOINTS if name in data}
    if scores:
        worst = max(scores, key=lambda n: scores[n])
        data["aqi"] = scores[worst]
        if scores[worst] > 50:
            data["primary_pollutant"] = NAMES[worst]


def adapt(raw: bytes) -> list[CloudEvent]:
    frame = hj212.parse(raw)
    if not frame.carries_data:
        return []
    if frame.st not in STATION_SYSTEMS:
        raise NativeRejected(f"HJ 212 ST={frame.st} is not an air-quality station (ST=22)")
    station, when = frame.mn, frame.data_time()
    data: dict[str, Any] = {"station_id": station, "interval": hj212.INTERVALS[frame.cn]}
    flags: dict[str, str] = {}
    for code, reading in frame.readings().items():
        name = FIELDS.get(code)
        if name is None:
            continue
        if reading.flag != "N":
            flags[name] = hj212.FLAGS.get(reading.flag, reading.flag)
        if reading.flag in "NT":  # values under maintenance, calibration or fault are not air quality
            data[name] = reading.value
    if len(data) == 2 and not flags:
        raise NativeRejected("HJ 212 air-quality upload without any known pollutant")
    if flags:
        data["flags"] = flags
    air_quality(data)
    event_id = f"{station}-{frame.cn}-{when:%Y%m%d%H%M%S}"
    return [cloudevent(ADAPTER.source(station), "city.env.air", event_id, when, data)]


ADAPTER = Adapter(
    name="env-air", domain="env", system="air", event_types=("city.env.air",), simulator="env-air",
    framing="lines", adapt=adapt, summary="air-quality stations, HJ 212-2017 frames → city.env.air with AQI",
    raises={"city.env.air": Raises("事件/1101", plan_items=("十二",))},  # 空气质量
    fleets=(Fleet("air-station", 16, URBAN | {"jianghai_park": 1, "yinzhou_lake": 1}, "江门市生态环境局",
        "{district}AQ{n:04d}", "空气质量监测站{n}号"),),
)
