"""Construction-site monitors (智慧工地 扬尘噪声在线监测, HJ 212-2017 frames) → city.construction.dust
and city.construction.noise.

Site monitors send ST=39 (工地扬尘) — some older ones 22 (air) or 23/36 (noise) — with PM10/TSP/PM2.5
in mg/m³ (a34002, a34001, a34004), the A-weighted sound level in dB(A) (``LA``), and weather. The
adapter gives particulates in μg/m³ and checks the limits sites are held to: PM10 over 150 μg/m³
(Guangdong's site-dust control value) and noise over GB 12523-2011's 70 dB(A) by day, 55 at night.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters import hj212
from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent
from adapters.declaration import URBAN, Fleet, Raises

SITE_SYSTEMS = {"39", "22", "23", "36"}
DUST = {"a34002": "pm10_ugm3", "a34001": "tsp_ugm3", "a34004": "pm25_ugm3"}
WEATHER = {"a01001": "temperature_c", "a01002": "humidity_pct", "a01007": "wind_speed_ms"}
NOISE_CODES = ("LA", "LAeq", "Leq")
PM10_LIMIT_UGM3 = 150.0


def noise_limit(when: datetime) -> float:
    return 70.0 if 6 <= when.hour < 22 else 55.0


def adapt(raw: bytes) -> list[CloudEvent]:
    frame = hj212.parse(raw)
    if not frame.carries_data:
        return []
    if frame.st not in SITE_SYSTEMS:
        raise NativeRejected(f"HJ 212 ST={frame.st} is not a construction-site monitor (ST=39, 22, 23 or 36)")
    site, when = frame.mn, frame.data_time()
    readings = frame.readings()
    stamp = f"{site}-{frame.cn}-{when:%Y%m%d%H%M%S}"
    events: list[CloudEvent] = []
    dust: dict[str, Any] = {"site_id": site, "interval": hj212.INTERVALS[frame.cn]}
    for code, name in DUST.items():
        if code in readings and readings[code].flag in "NT":
            dust[name] = round(readings[code].value * 1000, 1)
    for code, name in WEATHER.items():
        if code in readings:
            dust[name] = readings[code].value
    if any(name in dust for name in DUST.values()):
        dust["over_limit"] = dust.get("pm10_ugm3", 0) > PM10_LIMIT_UGM3
        events.append(cloudevent(ADAPTER.source(site), "city.construction.dust", f"{stamp}-dust", when, dust))
    noise_code = next((c for c in NOISE_CODES if c in readings), None)
    if noise_code is not None and readings[noise_code].flag in "NT":
        level, limit = readings[noise_code].value, noise_limit(when)
        noise: dict[str, Any] = {"site_id": site, "interval": hj212.INTERVALS[frame.cn], "leq_dba": level,
                                 "limit_dba": limit, "over_limit": level > limit}
        if readings[noise_code].maximum is not None:
            noise["lmax_dba"] = readings[noise_code].maximum
        events.append(cloudevent(ADAPTER.source(site), "city.construction.noise", f"{stamp}-noise", when, noise))
    if not events and not any(r.flag not in "NT" for r in readings.values()):
        raise NativeRejected("HJ 212 site upload without dust or noise readings")
    return events


ADAPTER = Adapter(
    name="construction-site", domain="construction", system="site",
    event_types=("city.construction.dust", "city.construction.noise"), simulator="construction-site",
    framing="lines", adapt=adapt, summary="site dust and noise monitors, HJ 212-2017 frames → dust, noise",
    raises={
        "city.construction.dust": Raises("事件/0302", plan_items=("十四",)),  # 工地扬尘
        "city.construction.noise": Raises("事件/0301", plan_items=("十四",)),  # 施工扰民
    },
    fleets=(Fleet("site-monitor", 26, URBAN, "江门市住房和城乡建设局", "{district}GD{n:04d}",
        "在建工地扬尘噪声监测点{n}号"),),
)
