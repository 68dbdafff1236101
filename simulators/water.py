"""智慧水利 and 内涝: rain, river and reservoir gauges (SL 651-2014 ASCII frames) and road waterlogging
sensors (OneNET pushes). Rain is read from the environment; rivers answer to the rain of the past
hours (with the tide on the Xijiang), waterlogging to the rain of the last forty minutes."""

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
TIDE_PERIOD_S = 12.42 * 3600


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
                rain = env.rain_mm(when - timedelta(hours=6), when - timedelta(minutes=45), *place)
                tide = 0.45 * math.sin(2 * math.pi * when.timestamp() / TIDE_PERIOD_S)
                level = base + 0.035 * rain + tide + env.value("river_rise_m", when, *place)
                elements += [("Z", f"{self.drifted(device, when, level, 0.01):.3f}"),
                             ("Q", f"{max(0, 300 + 90 * rain):.1f}")]
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
        rain = env.rain_mm(when - timedelta(minutes=40), when - timedelta(minutes=5), *place)
        depth = max(0.0, 1.4 * rain - 6) + env.value("flood_cm", when, *place)
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
