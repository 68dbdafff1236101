"""Reports made by people: 12345 hotline work orders (citizens' own words and addresses), grid inspectors'
patrol-app cases (GB/T 30428 classes, photos, the phone's GCJ-02 fix) and video-analytics alerts on the
registered cameras. What they report follows what is going on where they are: rain brings waterlogging
complaints and cases, smoke brings calls about the smell, a jam brings parking and traffic reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.geo.crs import wgs84_to_bd09
from simulators.base import Source, local, simulator, stable
from simulators.environment import Environment
from simulators.fleet import Device, all_devices
from simulators.places import gcj02, near, spoken_place, standard_address


@dataclass(frozen=True)
class Topic:
    category: str  # the 12345 category path
    words: str  # what the citizen says
    case: tuple[str, str, str, str, str]  # GB/T 30428: 部件/事件, big class, small class, their names
    camera: str  # the video-analytics alert that sees it


# condition key → what people report when it holds where they are
TOPICS: dict[str, Topic] = {
    "flood_cm": Topic("水务/排水设施/道路积水", "路面积水很深，车辆和行人都过不去，请尽快排水",
                      ("事件", "04", "04", "突发事件", "道路积水"), "waterlogging"),
    "rain_mm_h": Topic("水务/排水设施/道路积水", "下大雨后路面积水，下水道堵了",
                       ("事件", "04", "04", "突发事件", "道路积水"), "waterlogging"),
    "outage": Topic("城市管理/市政设施/路灯不亮", "整条路的路灯都不亮，晚上很黑不安全",
                    ("部件", "01", "14", "公用设施", "路灯"), "crowd"),
    "smoke": Topic("生态环境/大气污染/烟雾异味", "附近冒出很多黑烟，烟味很大，怀疑有地方着火",
                   ("事件", "04", "06", "突发事件", "火灾隐患"), "smoke_fire"),
    "leak_lel": Topic("应急管理/危险化学品/异味", "闻到很刺鼻的化学品气味，眼睛不舒服",
                      ("事件", "04", "07", "突发事件", "危化品泄漏"), "crowd"),
    "jam": Topic("交通运输/道路交通/交通拥堵", "这个路口堵了很久，车辆乱停乱放",
                 ("事件", "05", "05", "街面秩序", "机动车乱停放"), "illegal_parking"),
}
EVERYDAY = (
    Topic("城市管理/市容环境/占道经营", "门口有流动摊贩占道经营，影响通行",
          ("事件", "05", "01", "街面秩序", "无照经营游商"), "street_vending"),
    Topic("城市管理/市容环境/垃圾清运", "垃圾堆放多日无人清理，气味很大",
          ("事件", "01", "02", "市容环境", "暴露垃圾"), "exposed_garbage"),
    Topic("交通运输/道路交通/违章停车", "小区门口长期有车乱停，堵住消防通道",
          ("事件", "05", "05", "街面秩序", "机动车乱停放"), "illegal_parking"),
    Topic("生态环境/噪声污染/施工噪声", "工地晚上十点后还在施工，噪音很大",
          ("事件", "03", "01", "施工管理", "施工扰民"), "piled_material"),
    Topic("城市管理/市政设施/井盖破损", "人行道上井盖破损，容易绊倒行人",
          ("部件", "01", "03", "公用设施", "雨水井盖"), "outside_store"),
    Topic("城市管理/市容环境/店外经营", "商铺把货物摆到人行道上经营",
          ("事件", "05", "04", "街面秩序", "店外经营"), "outside_store"),
)
CAMERA_KINDS = {"waterlogging": "waterlogging", "smoke_fire": "smokeFire", "crowd": "crowdGathering",
                "illegal_parking": "illegalParking", "street_vending": "streetVending",
                "exposed_garbage": "garbageExposed", "piled_material": "materialPiling",
                "outside_store": "outOfStoreBusiness"}
THRESHOLDS = {"flood_cm": 10.0, "rain_mm_h": 25.0, "outage": 0.3, "smoke": 0.2, "leak_lel": 5.0, "jam": 0.3}
URBAN_KINDS = ("streetlight", "camera", "parking-berth", "hydrant")


def topic(env: Environment, when: datetime, lon: float, lat: float, district: str, rng: Any,
          what: dict[str, Any]) -> Topic:
    if what.get("topic") in TOPICS:
        return TOPICS[what["topic"]]
    for key, limit in THRESHOLDS.items():
        if env.value(key, when, lon, lat, district) >= limit and rng.random() < 0.8:
            return TOPICS[key]
    return EVERYDAY[rng.randrange(len(EVERYDAY))]


def dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def where(source: Source, device: Device, what: dict[str, Any]) -> tuple[float, float, str]:
    """The reported spot: near a scenario's place, or on the streets of its district, or anywhere in town."""
    place = what.get("place") or {}
    if place.get("radius_m"):
        lon, lat = near(place["lon"], place["lat"], source.rng, min(float(place["radius_m"]), 600))
        return lon, lat, str(place.get("district") or device.district_code)
    urban = [d for d in all_devices() if d.kind in URBAN_KINDS
             and d.district_code == place.get("district", d.district_code)] or [device]
    spot = source.rng.choice(urban)
    return *near(spot.lon, spot.lat, source.rng, 400), spot.district_code


class Hotline(Source):
    adapter = "hotline-12345"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        lon, lat, district = where(self, device, what)
        said = topic(env, when, lon, lat, district, rng, what)
        order = {"orderId": f"JM12345-{now:%Y%m%d%H%M%S}-{self.next_serial():04d}",
                 "acceptTime": f"{now:%Y-%m-%d %H:%M:%S}",
                 "channel": rng.choice(("电话", "电话", "电话", "微信", "网站", "APP")), "category": said.category,
                 "title": said.category.rsplit("/", 1)[-1], "content": said.words,
                 "urgency": "紧急" if rng.random() < 0.1 else "一般", "address": spoken_place(lon, lat, rng, "")}
        return dumps(order if rng.random() < 0.7 else {"total": 1, "rows": [order]})


class Inspectors(Source):
    adapter = "grid-patrol"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        place = what.get("place") or {}
        lon, lat = near(place["lon"], place["lat"], rng, min(float(place["radius_m"]), 400)) \
            if place.get("radius_m") else near(device.lon, device.lat, rng, 600)
        seen = topic(env, when, lon, lat, device.district_code, rng, what)
        case_type, big, small, big_name, small_name = seen.case
        case: dict[str, Any] = {
            "caseNo": f"WG{now:%Y%m%d%H%M%S}{device.device_id[4:10]}{self.next_serial():04d}",
            "reportTime": f"{now:%Y-%m-%d %H:%M:%S}", "inspector": {"id": device.device_id, "name": "网格员"},
            "caseType": case_type, "bigClass": big, "bigClassName": big_name, "smallClass": small,
            "smallClassName": small_name, "description": f"巡查发现：{seen.words.split('，')[0]}。",
            "photos": [f"grid/{now:%Y%m%d}/{self.serial:06d}-1.jpg"],
        }
        found = standard_address(lon, lat)
        if found:
            case["address"] = found["text"]
        if stable(device.device_id) % 4 == 0:  # phones with the Baidu map SDK give BD-09
            bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
            case["lng"], case["lat"], case["coordType"] = round(float(bd_lon), 6), round(float(bd_lat), 6), "bd09"
        else:
            case["lng"], case["lat"] = gcj02(lon, lat)
            case["coordType"] = "gcj02"
        return dumps(case)


class Cameras(Source):
    adapter = "video-alerts"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        now, rng = local(when), self.rng
        kind = what.get("kind") or topic(env, when, device.lon, device.lat, device.district_code, rng, what).camera
        event = {"eventId": f"VA{now:%Y%m%d%H%M%S}{self.next_serial():05d}", "eventType": 930335, "srcType": "camera",
                 "srcIndex": device.device_id, "happenTime": now.isoformat(timespec="milliseconds"),
                 "data": {"alarmType": CAMERA_KINDS[kind], "confidence": rng.randint(70, 99),
                          "picUrl": f"video/{now:%Y%m%d}/{device.device_id}-{self.serial:05d}.jpg",
                          "targetCount": rng.randint(1, 6)}}
        return dumps({"method": "OnEventNotify", "params": {"sendTime": now.isoformat(timespec="milliseconds"),
                                                            "ability": "event_ias", "events": [event]}})


HOTLINE = simulator(Hotline, "12345 work orders in citizens' words, addresses written the messy ways people write")
PATROL = simulator(Inspectors, "48 grid inspectors' patrol-app cases, GB/T 30428 classes, GCJ-02 and address")
VIDEO = simulator(Cameras, "120 registered cameras' analytics alerts: vending, parking, garbage, smoke, water")
