"""智慧环保 and 智慧工地: air-quality stations, pollution-source outlets and construction-site monitors, all
speaking HJ 212-2017. Air follows the daily cycle (traffic NO2, afternoon O3), rain washes particles
out, and a scenario's smoke (``smoke``) or discharge upset (``discharge``) shows downwind."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from simulators.base import Source, local, simulator
from simulators.environment import Environment
from simulators.fleet import Device
from simulators.wire import hj212_frame


def rush(hour: float) -> float:
    return math.exp(-((hour - 8) / 1.5) ** 2) + math.exp(-((hour - 18) / 1.8) ** 2)


def cn_for(rng: Any, what: dict[str, Any]) -> str:
    return str(what.get("cn") or rng.choices(("2011", "2051", "2061"), (8, 2, 1))[0])


def item(code: str, value: float, suffix: str, flag: str = "N", digits: int = 1) -> list[tuple[str, str]]:
    return [(f"{code}-{suffix}", f"{value:.{digits}f}"), (f"{code}-Flag", flag)]


class AirStations(Source):
    adapter = "env-air"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        hour = now.hour + now.minute / 60
        place = (device.lon, device.lat, device.district_code)
        wash = 1 / (1 + env.value("rain_mm_h", when, *place) / 8)
        smoke = env.value("smoke", when, *place)
        pm25 = (22 + 18 * rush(hour)) * wash * rng.uniform(0.85, 1.15) + 380 * smoke
        values = {"a34004": pm25, "a34002": pm25 * 1.6 + 5, "a21026": 6 + 3 * rng.random() + 40 * smoke,
                  "a21004": 18 + 30 * rush(hour) * rng.uniform(0.8, 1.2), "a21005": 0.6 + 0.2 * rush(hour) + 4 * smoke,
                  "a05024": max(5.0, 90 * math.sin(math.pi * (hour - 7) / 13)) if 7 <= hour <= 20
                  else 15 + rng.random()}
        values = {k: self.drifted(device, when, v, 0.3) if k != "a21005" else v for k, v in values.items()}
        cn = cn_for(rng, what)
        suffix = "Rtd" if cn == "2011" else "Avg"
        flag = "M" if rng.random() < 0.01 else "N"  # now and then a station under maintenance
        groups = [item(code, max(v, 0.0), suffix, flag, 3 if code == "a21005" else 1) for code, v in values.items()]
        groups.append([("a01001-" + suffix, f"{27 + 4 * math.sin(math.pi * (hour - 9) / 12):.1f}"),
                       ("a01002-" + suffix, f"{70 + 15 * wash:.0f}"),
                       ("a01007-" + suffix, f"{env.value('wind_ms', when, *place):.1f}")])
        return hj212_frame("22", cn, device.device_id, now, groups)


class PollutionOutlets(Source):
    adapter = "env-pollution"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        if rng.random() < 0.03 and not what:  # the platform's answer to a command: no data
            return hj212_frame("91", "9014", device.device_id, now, [[("QnRtn", "1")]])
        upset = env.value("discharge", when, device.lon, device.lat, device.district_code) + (rng.random() < 0.01)
        cn = cn_for(rng, what)
        suffix = "Rtd" if cn == "2011" else "Avg"
        if device.meta.get("medium") == "water":
            st = "32"
            values = {"w01018": 45 + 25 * rng.random() + 80 * upset, "w21003": 3 + 3 * rng.random() + 9 * upset,
                      "w01001": 7.2 + 0.4 * rng.random(), "w00000": 20 + 10 * rng.random()}
        else:
            st = "31"
            values = {"a21026": 20 + 15 * rng.random() + 60 * upset, "a21002": 50 + 30 * rng.random() + 90 * upset,
                      "a34013": 8 + 6 * rng.random() + 25 * upset, "a00000": 52000 + 8000 * rng.random()}
        groups = [item(code, self.drifted(device, when, v, 0.2), suffix, "T" if upset and code[1:3] in ("01", "21")
                       and code != "w01001" else "N", 2) for code, v in values.items()]
        return hj212_frame(st, cn, device.device_id, now, groups)


class SiteMonitors(Source):
    adapter = "construction-site"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        hour = now.hour + now.minute / 60
        place = (device.lon, device.lat, device.district_code)
        working = 7 <= hour < 12 or 14 <= hour < 20 or (rng.random() < 0.05)  # some sites work through the night
        wind = env.value("wind_ms", when, *place)
        pm10 = (0.045 + (0.06 if working else 0.01) * rng.uniform(0.5, 1.8)) * (1 + wind / 10)
        pm10 = pm10 / (1 + env.value("rain_mm_h", when, *place) / 6) + 0.3 * env.value("smoke", when, *place)
        noise = (62 if working else 47) + rng.gauss(0, 4) + (12 if working and rng.random() < 0.08 else 0)
        cn = cn_for(rng, what)
        suffix = "Rtd" if cn == "2011" else "Avg"
        groups = [item("a34002", float(what.get("pm10_mgm3", pm10)), suffix, digits=3),
                  item("a34001", pm10 * 1.3, suffix, digits=3), item("a34004", pm10 * 0.55, suffix, digits=3),
                  [(f"LA-{suffix}", f"{float(what.get('noise_dba', noise)):.1f}"), ("LA-Max", f"{noise + 6:.1f}"),
                   ("LA-Flag", "N")],
                  [(f"a01001-{suffix}", "28.5"), (f"a01007-{suffix}", f"{wind:.1f}")]]
        return hj212_frame("39", cn, device.device_id, now, groups)


AIR = simulator(AirStations, "HJ 212 air-quality stations: daily cycle, rain wash-out, smoke from scenario fires")
POLLUTION = simulator(PollutionOutlets, "HJ 212 flue-gas and waste-water outlets, occasional exceedances")
SITES = simulator(SiteMonitors, "HJ 212 site dust and noise: working hours, wind-blown dust, night work")
