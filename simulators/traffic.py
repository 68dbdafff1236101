"""智慧交通: lane detectors of the signal-control system (CSV statistics per period) and the traffic-operations
platform's road-segment status (JSON with GCJ-02 polylines). Volumes follow the morning and evening
peaks; a scenario's ``jam`` slows the roads and detectors around it."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from simulators.base import Source, local, simulator, stable
from simulators.environment import KM_PER_DEG, Environment
from simulators.fleet import Device
from simulators.places import gcj02

PERIOD_S = 300
DIRECTIONS = {"东向西": (-1, 0), "西向东": (1, 0), "南向北": (0, 1), "北向南": (0, -1)}


def peak(hour: float) -> float:
    return 0.25 + 0.75 * max(math.exp(-((hour - 8) / 1.2) ** 2), math.exp(-((hour - 18) / 1.5) ** 2),
                             0.55 * math.exp(-((hour - 13) / 3) ** 2))


def congestion(device: Device, when: datetime, env: Environment) -> float:
    """0 free-flowing … 1 standstill."""
    hour = local(when).hour + local(when).minute / 60
    rain = env.value("rain_mm_h", when, device.lon, device.lat, device.district_code)
    return min(1.0, 0.6 * peak(hour) + rain / 150 + env.value("jam", when, device.lon, device.lat,
                                                                     device.district_code))


class Detectors(Source):
    adapter = "traffic-detectors"
    period = 100.0  # lanes in turn: each lane once per 5-minute period

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now = local(when)
        end = now - timedelta(seconds=now.timestamp() % PERIOD_S)
        level = float(what.get("congestion", congestion(device, when, env)))
        memory = self.memory[device.device_id]
        memory["lane"] = lane = memory.get("lane", 0) % (3 + stable(device.device_id) % 2) + 1
        speed = max(3.0, 55 * (1 - 0.9 * level) + self.rng.gauss(0, 3))
        volume = max(0, round((1800 * min(level * 1.6, 1.0) if level < 0.6 else 1800 * (1.6 - level)) * PERIOD_S / 3600
                              + self.rng.gauss(0, 4)))
        occupancy = min(100.0, 5 + 90 * level ** 1.5 + self.rng.gauss(0, 2))
        fields = (device.device_id, lane, f"{end:%Y-%m-%d %H:%M:%S}", PERIOD_S, volume, f"{speed:.1f}",
                  f"{max(0.0, occupancy):.1f}")
        return ",".join(map(str, fields)).encode()


class RoadStatus(Source):
    adapter = "traffic-congestion"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now = local(when)
        level = float(what.get("congestion", congestion(device, when, env)))
        status = "4" if level >= 0.8 else "3" if level >= 0.6 else "2" if level >= 0.4 else "1"
        dx, dy = DIRECTIONS.get(device.meta.get("direction", "东向西"), (1, 0))
        vertices = [gcj02(device.lon + dx * k * 0.25 / KM_PER_DEG[0], device.lat + dy * k * 0.25 / KM_PER_DEG[1])
                    for k in (-2, -1, 0, 1, 2)]
        road = {"roadId": device.device_id, "name": device.meta.get("road", device.name),
                "direction": device.meta.get("direction", ""), "status": status,
                "speed": f"{max(3.0, 50 * (1 - 0.9 * level)):.0f}",
                "polyline": ";".join(f"{lon},{lat}" for lon, lat in vertices)}
        doc = {"status": "1", "info": "OK", "updateTime": f"{now:%Y-%m-%d %H:%M:%S}", "roads": [road]}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


DETECTORS = simulator(Detectors, "40 downtown lane detectors: 5-minute volume, speed, occupancy; peaks and jams")
ROADS = simulator(RoadStatus, "30 downtown road segments' congestion level and speed")
