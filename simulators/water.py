"""智慧水利 and 内涝: rain, river and reservoir gauges (SL 651-2014 ASCII frames) and road waterlogging
sensors (OneNET pushes). Rain is read from the environment. A river gauge answers to the rain over its
catchment through a unit hydrograph (the level rises for some hours after the rain, then recedes; with the
tide on the Xijiang); a low point fills with the rain of its catchment and empties as fast as its drains carry.
Each gauge's catchment and each low point's drains are its own (from its id), so no two respond alike."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from simulators.base import Source, local, simulator, stable
from simulators.environment import Environment
from simulators.fleet import Device
from simulators.wire import sl651_frame

KINDS = {"rain-gauge": "P", "river-gauge": "H", "reservoir-gauge": "K"}
Place = tuple[float, float, str | None]  # lon, lat, district
TIDE_PERIOD_S = 12.42 * 3600
STEP_S = 300  # rain is read in five-minute steps of the clock
PONDING_STEPS, MAX_PONDING_CM = 36, 80.0


def catchment(device_id: str) -> tuple[float, float]:
    """A river gauge's catchment: metres of rise per mm of rain at the peak of its response, and the hours from
    rain to that peak (a larger catchment answers later)."""
    u = stable(f"catchment:{device_id}")
    return 0.016 + 0.012 * (u % 1000) / 1000, 1.5 + 2.0 * (u // 1000 % 1000) / 1000


def drains(device_id: str) -> tuple[float, float]:
    """A low point: cm of water flowing in per mm of rain (its catchment over its area), and the cm its drains
    carry away in five minutes."""
    u = stable(f"drains:{device_id}")
    return 0.8 + 1.2 * (u % 1000) / 1000, 0.4 + 1.6 * (u // 1000 % 1000) / 1000


def rain_steps(memory: dict[str, Any], env: Environment, when: datetime, place: Place, count: int) -> list[float]:
    """The rain (mm) of the last `count` whole five-minute steps before `when`, the latest first. A device keeps
    them, so reporting every few minutes it reads the environment once per new step; the values are the
    environment's whatever the cadence."""
    if memory.get("rain_env") is not env:
        memory["rain_env"], memory["rain_steps"] = env, {}
    kept: dict[int, float] = memory["rain_steps"]
    latest = int(when.timestamp() // STEP_S) - 1
    out = []
    for step in range(latest, latest - count, -1):
        if step not in kept:
            begin = datetime.fromtimestamp(step * STEP_S, when.tzinfo)
            kept[step] = env.rain_mm(begin, begin + timedelta(seconds=STEP_S), *place)
        out.append(kept[step])
    if len(kept) > 2 * count:
        for step in [s for s in kept if s <= latest - count]:
            del kept[step]
    return out


def river_rise_m(memory: dict[str, Any], env: Environment, when: datetime, place: Place, device_id: str) -> float:
    """The rain of past hours routed through the gauge's triangular unit hydrograph (SCS: rising to its peak
    at the catchment's lag, falling to nothing at 2.67 times it), times the catchment's gain."""
    gain, peak_h = catchment(device_id)
    end_h = 2.67 * peak_h
    rain = rain_steps(memory, env, when, place, int(end_h * 3600 / STEP_S) + 1)
    total = 0.0
    for k, mm in enumerate(rain):
        age_h = (k + 0.5) * STEP_S / 3600
        total += mm * (age_h / peak_h if age_h <= peak_h else max(0.0, (end_h - age_h) / (end_h - peak_h)))
    return gain * total


def ponded_cm(memory: dict[str, Any], env: Environment, when: datetime, place: Place, device_id: str) -> float:
    """The water standing at a low point: over the past three hours, every five minutes the rain of the step
    before flows in and the drains carry their capacity away; it cannot stand deeper than MAX_PONDING_CM."""
    per_mm, carried = drains(device_id)
    depth = 0.0
    for mm in reversed(rain_steps(memory, env, when, place, PONDING_STEPS + 1)[1:]):
        depth = max(0.0, depth + per_mm * mm - carried)
    return min(depth, MAX_PONDING_CM)


class Gauges(Source):
    adapter = "water-sl651"
    period = 60.0  # observations are stamped to the minute

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, memory = local(when), self.memory[device.device_id]
        observed = now.replace(second=0, microsecond=0)
        if self.rng.random() < 0.04 and not what:  # link keep-alive (2F): no data
            return sl651_frame(device.device_id, "2F", self.next_serial(), now, KINDS[device.kind], [])
        place = (device.lon, device.lat, device.district_code)
        elements: list[tuple[str, str]] = []
        if device.kind == "rain-gauge":
            since = memory.get("last", when - timedelta(minutes=5))
            fallen = env.rain_mm(min(since, when - timedelta(minutes=1)), when, *place)
            memory["last"], memory["total"] = when, memory.get("total", 100 + stable(device.device_id) % 900) + fallen
            elements += [("PJ", f"{fallen:.1f}"), ("P1", f"{env.rain_mm(when - timedelta(hours=1), when, *place):.1f}"),
                         ("PT", f"{memory['total']:.1f}")]
        else:
            base = float(device.meta.get("base_level_m", 2.0))
            if device.kind == "river-gauge":
                rise = river_rise_m(memory, env, when, place, device.device_id)
                tide = 0.45 * math.sin(2 * math.pi * when.timestamp() / TIDE_PERIOD_S)
                level = base + rise + tide + env.value("river_rise_m", when, *place)
                elements += [("Z", f"{self.drifted(device, when, level, 0.01):.3f}"),
                             ("Q", f"{max(0, 300 + 1200 * rise):.1f}")]
            else:
                rain = env.rain_mm(when - timedelta(hours=24), when - timedelta(hours=2), *place)
                elements += [("ZU", f"{self.drifted(device, when, base + 0.01 * rain, 0.01):.3f}")]
        elements.append(("VT", f"{12.6 - (stable(device.device_id) % 12) / 10:.2f}"))
        heavy = any(k == "P1" and float(v) >= 20 for k, v in elements)
        function = str(what.get("function", "33" if heavy else "32"))
        return sl651_frame(device.device_id, function, self.next_serial(), now, KINDS[device.kind],
                           [(observed, elements)])


class WaterloggingSensors(Source):
    adapter = "water-waterlogging"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        place = (device.lon, device.lat, device.district_code)
        depth = ponded_cm(self.memory[device.device_id], env, when, place, device.device_id) + env.value(
            "flood_cm", when, *place)
        depth = float(what.get("depth_cm", self.drifted(device, when, depth, 0.2)))
        stamp = int(when.timestamp() * 1000)
        messages: list[dict[str, Any]] = [{"type": 1, "dev_id": int(device.device_id), "ds_id": "water_depth",
                                           "at": stamp, "value": round(max(depth, 0.0), 1)}]
        if self.rng.random() < 0.3:
            messages.append({"type": 1, "dev_id": int(device.device_id), "ds_id": "battery", "at": stamp,
                             "value": 60 + stable(device.device_id) % 40})
        body = messages if len(messages) > 1 else messages[0]
        nonce = f"{stable(f'{device.device_id}{stamp}'):08x}"
        return json.dumps({"msg": body, "msg_signature": f"{stable(nonce):08x}==", "nonce": nonce},
                          separators=(",", ":")).encode()


GAUGES = simulator(Gauges, "SL 651 rain, river (tidal Xijiang) and reservoir gauges; levels lag the rain")
WATERLOGGING = simulator(WaterloggingSensors, "OneNET waterlogging depth at 32 low points; depth follows recent rain")
