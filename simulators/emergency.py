"""智慧应急: the emergency command platform's incident reports, hazardous-chemical hazard sources, monitored
geological-hazard points and forest-fire watch towers. Scenario effects drive them: ``leak_lel`` and
``toxic_ppm`` at a chemical park, ``ground_move_mm_h`` (and days of rain) on a slope, ``fire`` in the hills."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from simulators.base import Source, local, simulator, stable
from simulators.environment import Environment
from simulators.fleet import Device
from simulators.places import gcj02, inside, near, spoken_place

INCIDENTS = (("交通事故", "一般(IV级)", "{place}发生一起两车碰撞交通事故"), ("火灾", "一般(IV级)", "{place}一民房起火"),
             ("燃气泄漏", "一般(IV级)", "{place}餐饮店燃气泄漏"), ("内涝", "一般(IV级)", "{place}路段严重积水"),
             ("山体滑坡", "较大(III级)", "{place}边坡出现小型滑坡"))
TAGS = (("LT-101", "液位", "%"), ("TT-101", "温度", "℃"), ("PT-101", "压力", "MPa"), ("GT-101", "可燃气体浓度", "%LEL"),
        ("AT-101", "有毒气体浓度", "ppm"))
HAZARDS = ("滑坡", "崩塌", "泥石流", "滑坡")


def dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


class CommandPlatform(Source):
    """Duty desks report incidents: a scenario says what and where; in the background, everyday ones."""

    adapter = "emergency-incidents"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        kind, level, template = INCIDENTS[rng.randrange(len(INCIDENTS))]
        kind, level = what.get("kind", kind), what.get("level", level)
        place = what.get("place") or {}
        lon, lat = near(place["lon"], place["lat"], rng, 100) if place.get("radius_m") else \
            near(device.lon, device.lat, rng, 6000)
        district = device.name.removesuffix("应急值守")
        place = spoken_place(lon, lat, rng, district)
        code = f"YJ{now:%Y%m%d%H%M%S}{device.device_id[-2:]}{self.next_serial():04d}"
        report: dict[str, Any] = {
            "eventCode": code, "eventName": what.get("name", template.format(place=place)[:60]), "eventType": kind,
            "eventLevel": level, "occurTime": f"{now:%Y-%m-%d %H:%M:%S}", "reportUnitCode": device.device_id,
            "reportUnit": device.name, "address": place,
            "description": what.get("description", f"{kind}，现场处置中。"),
            "casualties": {"dead": 0, "injured": int(what.get("injured", rng.random() < 0.2))},
        }
        if rng.random() < 0.7 or place:
            report |= {"longitude": round(lon, 6), "latitude": round(lat, 6), "coordinateSystem": "CGCS2000"}
        return dumps(report)


class HazardSources(Source):
    adapter = "emergency-hazmat"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        place = (device.lon, device.lat, device.district_code)
        leak, toxic = env.value("leak_lel", when, *place), env.value("toxic_ppm", when, *place)
        normal = {"液位": 55 + 10 * rng.random(), "温度": 24 + 4 * rng.random(), "压力": 0.6 + 0.1 * rng.random(),
                  "可燃气体浓度": max(0.0, rng.gauss(1, 1)) + leak,
                  "有毒气体浓度": max(0.0, rng.gauss(0.5, 0.5)) + toxic}
        datas = []
        for tag, quota, unit in rng.sample(TAGS, 3) if not (leak or toxic) else TAGS:
            value = float(what.get(quota, normal[quota]))
            alarm = ("2" if value >= 50 else "1" if value >= 20 else "0") if quota == "可燃气体浓度" else \
                ("2" if value >= 20 else "1" if value >= 10 else "0") if quota == "有毒气体浓度" else "0"
            datas.append({"quotaId": f"{device.device_id}-{tag}", "quotaType": quota, "value": round(value, 2),
                          "unit": unit, "alarmStatus": alarm, "collectTime": f"{now:%Y-%m-%d %H:%M:%S}"})
        return dumps({"companyCode": f"91440700MA5{stable(device.device_id) % 10**6:06d}X",
                      "hazardCode": device.device_id, "datas": datas})


class GeohazardPoints(Source):
    adapter = "emergency-geohazard"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, memory = local(when), self.memory[device.device_id]
        place = (device.lon, device.lat, device.district_code)
        rain24 = env.rain_mm(when - timedelta(hours=24), when, *place)
        rate = 0.02 + 0.004 * rain24 + env.value("ground_move_mm_h", when, *place)
        last = memory.get("at", when - timedelta(hours=1))
        memory["at"] = when
        memory["shift"] = memory.get("shift", stable(device.device_id) % 300 / 10) + rate * max(
            0.0, (when - last).total_seconds()) / 3600
        level = what.get("warnLevel") or ("红" if rate >= 5 else "橙" if rate >= 2 else "黄" if rate >= 0.8 else
                                          "蓝" if rate >= 0.3 else "无")
        sensors = [{"sensorCode": "GNSS01", "type": "gnss", "value": round(memory["shift"], 2), "unit": "mm",
                    "rate": round(rate, 3)},
                   {"sensorCode": "LF01", "type": "crack", "value": round(memory["shift"] * 0.4, 2), "unit": "mm"},
                   {"sensorCode": "YL01", "type": "rain", "value": round(rain24, 1), "unit": "mm"}]
        return dumps({"pointCode": device.device_id, "pointName": device.name,
                      "hazardType": HAZARDS[stable(device.device_id) % len(HAZARDS)], "warnLevel": level,
                      "time": f"{now:%Y-%m-%d %H:%M:%S}", "sensors": sensors})


class WatchTowers(Source):
    adapter = "emergency-forestfire"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        fire = env.nearest("fire", when, device.lon, device.lat, 12000)
        if fire is not None:  # ranging puts the fire within a few hundred metres of where it is
            lon, lat = near(fire.lon, fire.lat, rng, 300)
            kind, confidence = ("火点" if rng.random() < 0.6 else "烟雾"), rng.uniform(0.8, 0.98)
        else:  # straw burning, chimneys, low cloud: false alarms of low confidence, in the city's own hills
            lon, lat = next((p for p in (near(device.lon, device.lat, rng, 5000) for _ in range(5)) if inside(*p)),
                            (device.lon, device.lat))
            kind, confidence = "烟雾", rng.uniform(0.2, 0.65)
        distance_km = ((lon - device.lon) * 102.85) ** 2 + ((lat - device.lat) * 110.75) ** 2
        alarm: dict[str, Any] = {
            "alarmId": f"FF{now:%Y%m%d%H%M%S}{device.device_id[-2:]}{self.next_serial():04d}",
            "towerCode": device.device_id,
            "alarmTime": f"{now:%Y-%m-%d %H:%M:%S}", "alarmType": what.get("alarmType", kind),
            "distance": round(1000 * distance_km ** 0.5), "confidence": round(confidence, 2),
            "imageUrl": f"forestfire/{now:%Y%m%d}/{device.device_id}-{self.serial:04d}.jpg",
        }
        if rng.random() < 0.85:  # ranging failed otherwise
            glon, glat = gcj02(lon, lat)
            alarm |= {"fireLng": glon, "fireLat": glat, "coordType": "GCJ02"}
        return dumps(alarm)


INCIDENT_REPORTS = simulator(CommandPlatform, "incident reports of the district duty desks, with address text")
HAZMAT = simulator(HazardSources, "14 hazardous-chemical hazard sources' tank and gas-detector tags")
GEOHAZARD = simulator(GeohazardPoints, "24 monitored slopes: displacement grows with 24-hour rain")
FORESTFIRE = simulator(WatchTowers, "12 watch towers in the hills: false smoke alarms, real fires in scenarios")
