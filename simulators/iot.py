"""智慧城管 city components: streetlights (single-lamp controller platform), manhole covers (NB-IoT via
CTWing), gas-network monitors (SCADA CSV) and bridge structural-health monitoring. A typhoon's
``outage`` knocks lamps out, ``flood_cm`` fills wells, ``gas_lel`` is a leak, ``jam`` loads bridges."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from simulators.base import Source, local, simulator, stable
from simulators.environment import Environment
from simulators.fleet import Device
from simulators.places import gcj02

WELLS = ("雨水", "污水", "供水", "电力", "通信", "燃气")
BRIDGE_POINTS = (("S", "strain", 60.0), ("D", "deflection", 6.0), ("W", "displacement", 4.0),
                 ("A", "acceleration", 0.1), ("T", "tilt", 0.05))


def dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


class Streetlights(Source):
    adapter = "iot-streetlight"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        hour = now.hour + now.minute / 60
        outage = env.value("outage", when, device.lon, device.lat, device.district_code)
        fault = int(what.get("faultCode", rng.choice((1, 2, 4)) if rng.random() < 0.01 + outage else 0))
        on = 1 if (hour >= 18.5 or hour < 6.5) and fault not in (1, 2, 4) else 0
        dim = 100 if hour >= 18.5 or hour < 0.5 else 60  # half power after midnight
        power = (120 * dim / 100 if on else 0.0) * rng.uniform(0.95, 1.05)
        lamp: dict[str, Any] = {"lampId": device.device_id, "switch": on, "dim": dim if on else 0,
                                "voltage": round(rng.gauss(221, 2), 1), "current": round(power / 220, 3),
                                "power": round(power, 1), "faultCode": fault, "time": f"{now:%Y-%m-%d %H:%M:%S}"}
        if stable(device.device_id) % 2:  # lamps surveyed on the platform's map carry GCJ-02 positions
            lamp["lng"], lamp["lat"] = gcj02(device.lon, device.lat)
        cabinet = f"JK-{device.device_id[3:9]}-{stable(device.device_id) % 20 + 1:02d}"
        return dumps({"cmd": "lampReport", "gatewayId": cabinet, "lamps": [lamp]})


class ManholeCovers(Source):
    adapter = "iot-manhole"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        rng = self.rng
        flooded = env.value("flood_cm", when, device.lon, device.lat, device.district_code) > 10 or \
            env.value("rain_mm_h", when, device.lon, device.lat, device.district_code) > 50
        status = int(what.get("status", 3 if flooded and rng.random() < 0.5 else
                              rng.choices((0, 1, 2, 4), (99.4, 0.3, 0.2, 0.1))[0]))
        tilt = rng.uniform(20, 70) if status in (1, 2) else rng.uniform(0, 2)
        values = {"status": status, "tiltAngle": round(tilt, 1),
                  "battery": 50 + stable(device.device_id) % 50, "wellType": WELLS[stable(device.device_id) % 6]}
        payload = {"APPdata": base64.b64encode(json.dumps(values, ensure_ascii=False).encode()).decode()}
        return dumps({"timestamp": int(when.timestamp() * 1000), "tenantId": "2000188392", "productId": "15089913",
                      "messageType": "dataReport", "IMEI": device.device_id, "deviceId": f"b7c{device.device_id[-8:]}",
                      "protocol": "lwm2m", "payload": payload})


class GasMonitors(Source):
    adapter = "iot-gas"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        leak = env.value("gas_lel", when, device.lon, device.lat, device.district_code)
        methane = float(what.get("methane", max(0.0, rng.gauss(0.3, 0.3)) + leak))
        pressure = self.drifted(device, when, 2.8 + 0.3 * rng.random() - (0.8 if leak > 20 else 0.0), 0.02)
        status = "9" if rng.random() < 0.003 else "2" if methane >= 50 else "1" if methane >= 20 else \
            "3" if pressure < 2.0 else "0"
        if status == "9":
            return f"{device.device_id},{now:%Y-%m-%d %H:%M:%S},,,9".encode()
        return f"{device.device_id},{now:%Y-%m-%d %H:%M:%S},{methane:.1f},{pressure:.2f},{status}".encode()


class BridgeMonitoring(Source):
    adapter = "iot-bridge"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        hour = now.hour + now.minute / 60
        traffic = (1.0 if 7 <= hour <= 9 or 17 <= hour <= 19 else 0.5) + env.value(
            "jam", when, device.lon, device.lat, device.district_code)
        points = []
        for prefix, kind, scale in rng.sample(BRIDGE_POINTS, 2):
            value = scale * traffic * rng.uniform(0.6, 1.4) * float(what.get("load", 1.0))
            points.append({"pointCode": f"{device.device_id}-{prefix}{rng.randint(1, 4):02d}", "type": kind,
                           "value": round(self.drifted(device, when, value, scale / 50), 3),
                           "time": f"{now:%Y-%m-%d %H:%M:%S}"})
        return dumps({"bridgeCode": device.device_id, "bridgeName": device.name, "data": points})


STREETLIGHTS = simulator(Streetlights, "120 lamps: on at dusk, half power after midnight, faults; typhoons knock out")
MANHOLES = simulator(ManholeCovers, "80 NB-IoT manhole covers: tilt, open, water full in floods")
GAS = simulator(GasMonitors, "30 gas-network monitors (SCADA CSV): methane %LEL and pressure")
BRIDGES = simulator(BridgeMonitoring, "8 bridges' strain, deflection, displacement under the daily traffic")
