"""Days of water history for fitting and checking the hub's forecasts: rain, river and waterlogging gauges
reporting every 5 minutes and the districts' warning signals every 30, through storms of random strength,
length and place over the background weather. The hub never sees this module: it fits on whatever its
store holds; tests and docs/FORECAST.md's figures store this history first."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from simulators.environment import Effect, Environment
from simulators.fleet import Device
from simulators.water import Gauges, WaterloggingSensors
from simulators.weather import WarningService

KINDS = ("rain-gauge", "river-gauge", "waterlogging-sensor", "weather-area")


def storms(rng: random.Random, start: datetime, days: float, every_h: float = 10.0) -> list[Effect]:
    """A storm every `every_h` hours on average: 15–90 mm/h for 30 min – 3 h over one or more districts."""
    found, t = [], rng.expovariate(1 / every_h) * 3600
    while t < days * 86400:
        length = rng.uniform(1800, 3 * 3600)
        districts = frozenset(rng.sample(["440703", "440704", "440705", "440783"], rng.randint(1, 3)))
        begin = start + timedelta(seconds=t)
        found.append(Effect("rainstorm", begin, begin + timedelta(seconds=length),
                            {"rain_mm_h": rng.uniform(15, 90)}, districts=districts, ramp_s=rng.uniform(600, 2400)))
        t += length + rng.expovariate(1 / every_h) * 3600
    return found


def history(seed: int, start: datetime, days: float, districts: frozenset[str] | None = None,
            every_s: float = 300.0, kinds: tuple[str, ...] = KINDS) -> list[tuple[float, str, bytes]]:
    """(seconds after start, adapter name, native bytes) in time order, for the devices of `kinds` in
    `districts`."""
    rng = random.Random(seed)
    env = Environment(storms(rng, start, days))
    sources = [Gauges(random.Random(seed + 1)), WaterloggingSensors(random.Random(seed + 2)),
               WarningService(random.Random(seed + 3))]
    timed: list[tuple[float, str, bytes]] = []
    for source in sources:
        devices: list[Device] = [d for d in source.devices if d.kind in kinds and (
            districts is None or d.district_code in districts or d.device_id == "440700")]
        step = 1800.0 if source.adapter == "weather-cap" else every_s
        for device in devices:
            t = rng.uniform(0, step)
            while t < days * 86400:
                raw = source.report(device, start + timedelta(seconds=t), env, {"msg_type": "Alert"}
                                    if source.adapter == "weather-cap" else {})
                if raw is not None:
                    timed.append((t, source.adapter, raw))
                t += step
    return sorted(timed)
