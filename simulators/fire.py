"""智慧消防: buildings' fire-alarm panels behind user information transmission devices (GB 26875-style
binary frames) and municipal hydrants' NB-IoT pressure sensors (CTWing pushes).

A scenario fire (``fire`` near a building) sets its smoke and heat detectors to alarm; fire engines
drawing water (``water_draw``) pull the pressure of the hydrants around it down and open them.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from simulators.base import Source, local, simulator, stable
from simulators.environment import Environment
from simulators.fleet import Device
from simulators.wire import gb26875_component, gb26875_frame, gb26875_time

DETECTORS = ((42, "光电感烟"), (31, "感温"), (21, "手报"), (22, "消火栓按钮"), (72, "水流指示器"))
ZONES = ("东", "西", "南", "北", "中")


class AlarmPanels(Source):
    adapter = "fire-uitd"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        digits = device.device_id.removeprefix("UITD-")
        fire = env.value("fire", when, device.lon, device.lat, device.district_code)
        state = what.get("state") or ("fire" if fire > 0.3 or rng.random() < 0.005 else
                                      rng.choice(("fault", "cleared", "cleared", "disabled", "status")))
        if state == "status":  # type 21: the UITD's own running state — nothing for the hub
            return gb26875_frame(self.next_serial(), digits, now, 2, bytes((21, 1, 0b1)) + gb26875_time(now))
        count = rng.randint(1, 3) if state == "fire" else 1
        objects = b""
        for _ in range(count):
            kind, label = DETECTORS[0 if state == "fire" and rng.random() < 0.7 else rng.randrange(len(DETECTORS))]
            floor, zone = rng.randint(1, 12), rng.choice(ZONES)
            status = {"fire": 0b11, "fault": 0b101, "disabled": 0b1001, "cleared": 0b1}[state]
            objects += gb26875_component(1, 1, kind, rng.randint(1, 8), rng.randint(1, 200), status,
                                         f"{floor}F{zone}区{label}", now)
        return gb26875_frame(self.next_serial(), digits, now, 2, bytes((2, count)) + objects)


class Hydrants(Source):
    adapter = "fire-hydrant"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        rng = self.rng
        draw = env.value("water_draw", when, device.lon, device.lat, device.district_code)
        base = 0.36 + 0.04 * rng.random() - 0.03 * (7 <= local(when).hour <= 9)  # morning demand dips the mains
        pressure = max(0.0, self.drifted(device, when, base, 0.01) - 0.3 * min(draw, 1.0))
        alarm = 4 if draw > 0.5 else (1 if pressure < 0.14 else 3 if rng.random() < 0.005 else 0)
        pressure = float(what.get("pressure_mpa", pressure))
        alarm = int(what.get("alarm", alarm))
        values = {"pressure": round(pressure, 3), "battery": 40 + stable(device.device_id) % 60, "alarm": alarm}
        payload: dict[str, Any] = {"serviceId": 1, "serviceData": values}
        if int(device.device_id[-1]) % 2:  # transparent products: base64 JSON in APPdata
            payload = {"APPdata": base64.b64encode(json.dumps(values).encode()).decode()}
        push = {"timestamp": int(when.timestamp() * 1000), "tenantId": "2000188392", "productId": "15063722",
                "messageType": "dataReport", "IMEI": device.device_id, "deviceId": f"a3f{device.device_id[-8:]}",
                "protocol": "lwm2m", "payload": payload}
        return json.dumps(push, separators=(",", ":")).encode()


PANELS = simulator(AlarmPanels, "UITD frames from 60 buildings' fire-alarm panels: faults, resets, rare alarms")
HYDRANTS = simulator(Hydrants, "80 hydrant pressure sensors on CTWing; pressure drops where fire engines draw")
