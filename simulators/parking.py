"""A city parking platform: lots downtown publish their free spaces as a JSON status feed.

Occupancy follows the daily cycle (offices fill by 09:00, malls peak in the evening); the
platform reports GCJ-02 coordinates (as Chinese map APIs do) and Beijing wall-clock time.
"""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta

from adapters.base import CHINA_TIME
from simulators.base import NativeStream, Simulator

LOT_KINDS = ("商业广场", "写字楼", "医院", "公园", "住宅小区", "路内泊位")
# The downtown of 蓬江/江海 (GCJ-02), where the city's public lots concentrate.
DOWNTOWN = (113.045, 22.545, 113.125, 22.615)


def lots(rng: random.Random, count: int = 40) -> list[dict[str, object]]:
    x0, y0, x1, y1 = DOWNTOWN
    return [
        {"parkId": f"JM-PK-{i:04d}", "parkName": f"江门{rng.choice(LOT_KINDS)}停车场{i}号",
         "kind": i % len(LOT_KINDS), "totalSpace": rng.choice((60, 120, 200, 350, 600, 900)),
         "lng": round(rng.uniform(x0, x1), 6), "lat": round(rng.uniform(y0, y1), 6)}
        for i in range(1, count + 1)
    ]


def demand(kind: int, hour: float) -> float:
    """Share of spaces taken at an hour of the day, by kind of lot."""
    office = math.exp(-((hour - 11) / 4) ** 2)
    evening = math.exp(-((hour - 19.5) / 2.5) ** 2)
    night = 0.8 if hour < 7 or hour > 21 else 0.35
    return min(0.98, 0.1 + (office, evening, 0.6 * office, 0.5 * evening, night, office)[kind] * 0.85)


def messages(rng: random.Random, start: datetime, rate: float) -> NativeStream:
    sites = lots(rng)
    serial = dict.fromkeys((str(p["parkId"]) for p in sites), 0)
    t = 0.0
    while True:
        t += rng.expovariate(rate)
        now = (start + timedelta(seconds=t)).astimezone(CHINA_TIME)
        hour = now.hour + now.minute / 60
        park = rng.choice(sites)
        total = int(park["totalSpace"])  # type: ignore[call-overload]
        taken = round(total * demand(int(park["kind"]), hour) + rng.gauss(0, total * 0.03))  # type: ignore[call-overload]
        serial[str(park["parkId"])] += 1
        entry = {k: v for k, v in park.items() if k != "kind"} | {
            "recordId": serial[str(park["parkId"])],
            "freeSpace": max(0, min(total, total - taken)), "coordType": "GCJ02",
            "updateTime": now.strftime("%Y-%m-%d %H:%M:%S"),
        }
        doc = {"code": 0, "msg": "ok", "ts": entry["updateTime"], "parks": [entry]}
        yield t, json.dumps(doc, ensure_ascii=False).encode()


SIMULATOR = Simulator("parking-lots", "parking-lots", messages, "40 downtown lots, daily demand cycle, GCJ-02")
