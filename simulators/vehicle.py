"""Construction-waste trucks (渣土车) with JT/T 808 terminals: each drives from its yard to a site and on
to a dump and back, mostly at night as the city's rules allow, reporting positions (0x0200), now
and then a batch of positions stored while out of coverage (0x0704) and heartbeats (0x0002)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from simulators.base import Source, local, simulator, stable
from simulators.environment import KM_PER_DEG, Environment
from simulators.fleet import Device
from simulators.places import inside
from simulators.wire import jt808_frame, jt808_position


def halfway(device: Device, site: tuple[float, float]) -> tuple[float, float]:
    return (device.lon + site[0]) / 2, (device.lat + site[1]) / 2


LOADS = {"empty": 0, "half": 1, "full": 3}


class MuckTrucks(Source):
    adapter = "vehicle-jt808"

    def trip(self, device: Device) -> tuple[float, float, float]:
        """The truck's site (a few km from the yard, inside the city) as (lon, lat, one-way km)."""
        if "trip" not in self.memory[device.device_id]:
            h = stable(device.device_id)
            km = 3 + h % 7
            sites = [(device.lon + km * math.cos(a) / KM_PER_DEG[0], device.lat + km * math.sin(a) / KM_PER_DEG[1])
                     for a in ((h % 360 + 45 * k) * math.pi / 180 for k in range(8))]
            lon, lat = next((s for s in sites if inside(*s) and inside(*halfway(device, s))), (device.lon, device.lat))
            self.memory[device.device_id]["trip"] = (lon, lat, float(km))
        return self.memory[device.device_id]["trip"]  # type: ignore[no-any-return]

    def position(self, device: Device, when: datetime) -> dict[str, Any]:
        """Where on its round trip (yard → site, loading, site → yard) the truck is at `when`."""
        lon1, lat1, km = self.trip(device)
        cycle_s = 2 * km / 30 * 3600 + 900  # 30 km/h each way, 15 min loading
        phase = (when.timestamp() + stable(device.device_id) % 3600) % cycle_s
        leg_s = km / 30 * 3600
        if phase < leg_s:
            f, load, speed, heading = phase / leg_s, "empty", 30.0, 0
        elif phase < leg_s + 900:
            f, load, speed, heading = 1.0, "half", 0.0, 0
        else:
            f, load, speed, heading = 1 - (phase - leg_s - 900) / leg_s, "full", 28.0, 180
        lon, lat = device.lon + f * (lon1 - device.lon), device.lat + f * (lat1 - device.lat)
        bearing = math.degrees(math.atan2((lon1 - device.lon) * KM_PER_DEG[0], (lat1 - device.lat) * KM_PER_DEG[1]))
        return {"lon": lon, "lat": lat, "load": load, "speed": speed, "heading": int(bearing + heading) % 360,
                "mileage": (when.timestamp() / cycle_s) * 2 * km % 900000}

    def body(self, device: Device, when: datetime, what: dict[str, Any]) -> bytes:
        spot = self.position(device, when) | what
        hour = local(when).hour
        status = 0b11 | (LOADS[spot["load"]] << 8) if hour < 6 or hour >= 20 or spot["speed"] else 0b10
        alarm = 0b10 if spot["speed"] > 60 else 0
        return jt808_position(alarm, status, spot["lon"], spot["lat"], 8, spot["speed"], spot["heading"], local(when),
                              spot["mileage"])

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        phone, roll = device.device_id, self.rng.random()
        if roll < 0.05 and not what:  # heartbeat: no position
            return jt808_frame(0x0002, phone, self.next_serial(), b"")
        if roll < 0.10 and not what:  # three positions kept while out of coverage, sent as one batch
            reports = [self.body(device, datetime.fromtimestamp(when.timestamp() - 30 * k, when.tzinfo), {})
                       for k in (2, 1, 0)]
            batch = len(reports).to_bytes(2, "big") + b"\x01" + b"".join(len(r).to_bytes(2, "big") + r for r in reports)
            return jt808_frame(0x0704, phone, self.next_serial(), batch)
        return jt808_frame(0x0200, phone, self.next_serial(), self.body(device, when, what))


TRUCKS = simulator(MuckTrucks, "40 muck trucks (JT/T 808): yard → site → yard round trips, loads, batches, heartbeats")
