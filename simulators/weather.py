"""The meteorological warning service: each district's observatory issues, updates and cancels warning
signals as CAP 1.2 alerts, driven by the rain and wind over the district."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from simulators.base import Source, local, simulator
from simulators.environment import Environment
from simulators.fleet import Device

SEVERITY = {"红色": "Extreme", "橙色": "Severe", "黄色": "Moderate", "蓝色": "Minor", "白色": "Minor"}
CODES = {"暴雨": "11B03", "台风": "11B01", "雷电": "11B14", "高温": "11B09", "大雾": "11B17", "大风": "11B06"}
GUIDANCE = {"暴雨": "注意防御暴雨及其引发的城乡积涝、山洪、山体滑坡等次生灾害。",
            "台风": "台风将严重影响本地，请停止户外集体活动，切断危险室外电源。",
            "雷电": "注意防御雷电及短时强降水、大风等强对流天气。", "高温": "注意防暑降温，避免午后高温时段户外作业。",
            "大雾": "能见度较低，注意交通安全。", "大风": "注意防御大风，加固室外搭建物。"}


def signal(device: Device, when: datetime, env: Environment) -> tuple[str, str]:
    rain = env.value("rain_mm_h", when, device.lon, device.lat, device.district_code)
    wind = env.value("wind_ms", when, device.lon, device.lat, device.district_code)
    if wind >= 17:
        return "台风", "红色" if wind >= 33 else "橙色" if wind >= 25 else "黄色"
    if rain >= 15:
        return "暴雨", "红色" if rain >= 60 else "橙色" if rain >= 30 else "黄色"
    hour = local(when).hour
    return ("高温", "黄色") if 11 <= hour <= 16 else ("大雾", "黄色") if hour < 8 else ("雷电", "黄色")


class WarningService(Source):
    adapter = "weather-cap"

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes:
        event, colour = signal(device, when, env)
        event, colour = what.get("event", event), what.get("colour", colour)
        msg_type = what.get("msg_type") or ("Cancel" if self.rng.random() < 0.15 and not what else "Alert")
        now = local(when)
        area = device.meta.get("area_name") or device.name.removesuffix("气象预警区")
        office = "江门市气象台" if device.device_id == "440700" else f"{area}气象台"
        identifier = f"{device.device_id}{now:%Y%m%d%H%M%S}{self.next_serial():04d}"
        verb = "解除" if msg_type == "Cancel" else "发布"
        headline = f"{office}{verb}{event}{colour}预警信号"
        description = f"{office}{now:%m月%d日%H时%M分}{headline[len(office):]}。{GUIDANCE.get(event, '')}"
        circle = f"<circle>{device.lat:.4f},{device.lon:.4f} 8</circle>" if self.rng.random() < 0.5 else ""
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{device.device_id}@weather.jiangmen.gov.cn</sender>
  <sent>{now.isoformat(timespec="seconds")}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>{event}</event>
    <urgency>Immediate</urgency>
    <severity>{SEVERITY.get(colour, "Unknown")}</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>国家预警信息发布中心</valueName><value>{CODES.get(event, "11B99")}</value></eventCode>
    <effective>{now.isoformat(timespec="seconds")}</effective>
    <senderName>{escape(office)}</senderName>
    <headline>{escape(headline)}</headline>
    <description>{escape(description)}</description>
    <area>
      <areaDesc>{escape(area)}</areaDesc>{circle}
      <geocode><valueName>行政区划代码</valueName><value>{device.device_id}</value></geocode>
    </area>
  </info>
</alert>
"""
        return xml.encode("utf-8")


SIMULATOR = simulator(WarningService, "CAP 1.2 warning signals per district, driven by rain and wind")
