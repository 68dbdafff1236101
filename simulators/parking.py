"""智慧停车: the city parking platform's lot status feed (JSON, GCJ-02 positions as Chinese map APIs give)
and the roadside platform's berth sensor changes (JSON lines). Occupancy follows the daily cycle —
offices fill by 09:00, malls and homes in the evening — and a scenario's ``crowd`` fills them up."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from simulators.base import Source, local, simulator, stable
from simulators.environment import Environment
from simulators.fleet import Device
from simulators.places import gcj02

USES = ("商业广场", "写字楼", "医院", "公园", "住宅小区", "路内泊位")


def demand(use: int, hour: float) -> float:
    """Share of spaces taken at an hour of the day, by kind of lot."""
    office = math.exp(-((hour - 11) / 4) ** 2)
    evening = math.exp(-((hour - 19.5) / 2.5) ** 2)
    night = 0.8 if hour < 7 or hour > 21 else 0.35
    return min(0.98, 0.1 + (office, evening, 0.6 * office, 0.5 * evening, night, office)[use] * 0.85)


class ParkingLots(Source):
    adapter = "parking-lots"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now = local(when)
        hour = now.hour + now.minute / 60
        total = int(device.meta.get("capacity", 200))
        use = USES.index(device.meta.get("use", "商业广场"))
        share = demand(use, hour) + env.value("crowd", when, device.lon, device.lat, device.district_code)
        share = float(what.get("occupancy", share))
        taken = round(total * min(share, 1.0) + self.rng.gauss(0, total * 0.03))
        lng, lat = gcj02(device.lon, device.lat)
        entry = {"parkId": device.device_id, "parkName": f"江门{USES[use]}停车场{int(device.device_id[-4:])}号",
                 "totalSpace": total, "lng": lng, "lat": lat, "recordId": int(when.timestamp()),
                 "freeSpace": max(0, min(total, total - taken)), "coordType": "GCJ02",
                 "updateTime": f"{now:%Y-%m-%d %H:%M:%S}"}
        doc = {"code": 0, "msg": "ok", "ts": entry["updateTime"], "parks": [entry]}
        return json.dumps(doc, ensure_ascii=False).encode()


class ParkingBerths(Source):
    adapter = "parking-berths"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, memory = local(when), self.memory[device.device_id]
        hour = now.hour + now.minute / 60
        share = demand(5, hour) + env.value("crowd", when, device.lon, device.lat, device.district_code)
        occupied = what.get("occupied", self.rng.random() < share)
        if memory.get("occupied") == occupied and "occupied" not in what:
            occupied = not occupied if self.rng.random() < 0.5 else occupied  # sensors report changes
        memory["occupied"] = occupied
        change = {"sn": f"DC{stable(device.device_id) % 10**8:08d}", "berthCode": device.device_id,
                  "status": "1" if occupied else "0", "eventTime": f"{now:%Y-%m-%d %H:%M:%S}",
                  "battery": round(3.6 - (stable(device.device_id) % 50) / 100, 2),
                  "rssi": -70 - stable(now.isoformat()) % 30}
        return json.dumps(change, separators=(",", ":")).encode()


SIMULATOR = simulator(ParkingLots, "40 downtown lots, daily demand cycle, GCJ-02")
BERTHS = simulator(ParkingBerths, "150 roadside berths' geomagnetic sensors reporting state changes")
