"""Meteorological warnings (气象防灾 预警信号) as published in CAP 1.2 XML → city.weather.warning.

China's warning-release system publishes each signal as a CAP 1.2 alert: ``event`` in Chinese
(暴雨, 台风 …), the colour in the headline (…橙色预警信号) and ``severity`` (Extreme 红, Severe 橙,
Moderate 黄, Minor 蓝), one ``area`` per district with its admin code in ``geocode`` and often a
WGS 84 ``polygon`` (``lat,lon`` pairs). One event per area of an Actual Alert/Update/Cancel;
exercises, tests, acknowledgements and errors map to nothing. Parsed with defusedxml: any DTD
(entity bombs, external entities) is refused.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent, finite, iso_time
from adapters.declaration import Fleet, Raises

HAZARDS = {"台风": "typhoon", "暴雨": "rainstorm", "雷雨大风": "thunderstorm_gale", "雷电": "thunderstorm",
           "大风": "gale", "高温": "heat", "寒冷": "cold", "大雾": "fog", "灰霾": "haze", "冰雹": "hail",
           "道路结冰": "road_ice", "干旱": "drought", "森林火险": "forest_fire_risk", "霜冻": "frost"}
COLOURS = {"白色": "white", "蓝色": "blue", "黄色": "yellow", "橙色": "orange", "红色": "red"}
SEVERITY_COLOURS = {"Extreme": "red", "Severe": "orange", "Moderate": "yellow", "Minor": "blue"}
MESSAGE_TYPES = {"Alert": "alert", "Update": "update", "Cancel": "cancel"}
MAX_BYTES = 512 * 1024


def parse_xml(raw: bytes) -> ET.Element:
    if len(raw) > MAX_BYTES:
        raise NativeRejected(f"CAP document of {len(raw)} bytes is too large")
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as err:
        raise NativeRejected(f"unsafe XML refused: {type(err).__name__}") from None
    except (ET.ParseError, ValueError, LookupError, RecursionError) as err:
        raise NativeRejected(f"not well-formed XML: {err}") from None
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.rsplit("}", 1)[-1]  # CAP with or without its namespace
    if root.tag != "alert":
        raise NativeRejected(f"not a CAP alert: root element <{root.tag}>")
    return root


def child(element: ET.Element, name: str, required: bool = True) -> str:
    found = element.findtext(name)
    if found is None or not found.strip():
        if required:
            raise NativeRejected(f"CAP <{element.tag}> without <{name}>")
        return ""
    return found.strip()


def adapt(raw: bytes) -> list[CloudEvent]:
    alert = parse_xml(raw)
    identifier, sent = child(alert, "identifier"), iso_time(child(alert, "sent"))
    status, msg_type = child(alert, "status"), child(alert, "msgType")
    if status != "Actual" or msg_type not in MESSAGE_TYPES:
        return []
    infos = alert.findall("info")
    if not infos:
        raise NativeRejected("CAP alert without <info>")
    info = next((i for i in infos if i.findtext("language", "zh-CN").lower().startswith("zh")), infos[0])
    event_name = child(info, "event")
    headline = child(info, "headline", required=False)
    warning: dict[str, Any] = {
        "warning_id": identifier[:100], "event": event_name[:20], "msg_type": MESSAGE_TYPES[msg_type],
        "hazard": next((v for k, v in HAZARDS.items() if k in event_name), "other"),
        "severity": severity if (severity := child(info, "severity", False)) in SEVERITY_COLOURS else "Unknown",
    }
    colour = next((v for k, v in COLOURS.items() if k in headline + event_name), None)
    colour = colour or SEVERITY_COLOURS.get(warning["severity"])
    if colour:
        warning["colour"] = colour
    for name, limit in (("headline", 200), ("description", 1000), ("senderName", 100)):
        if value := child(info, name, required=False):
            warning["sender_name" if name == "senderName" else name] = value[:limit]
    for name in ("effective", "expires"):
        if value := child(info, name, required=False):
            warning[name] = iso_time(value).isoformat(timespec="seconds")
    areas = info.findall("area")
    if not areas:
        raise NativeRejected("CAP info without <area>")
    sender = child(alert, "sender")
    return [area_event(identifier, sender, sent, warning, area, n) for n, area in enumerate(areas)]


def area_event(identifier: str, sender: str, sent: Any, warning: dict[str, Any], area: ET.Element,
               number: int) -> CloudEvent:
    data = dict(warning, area_desc=child(area, "areaDesc")[:100])
    code = next((g.findtext("value", "").strip() for g in area.findall("geocode") if g.findtext("value")), "")
    if code:
        data["area_code"] = code[:12]
    if centre := area_centre(area):
        data["location"] = {"lon": centre[0], "lat": centre[1], "crs": "wgs84"}
    device = code or re.sub(r"[^A-Za-z0-9._-]", "", sender)
    if not device:
        raise NativeRejected("CAP area without a geocode and a sender without a usable id")
    return cloudevent(ADAPTER.source(device), "city.weather.warning", f"{identifier[:100]}#{number}", sent, data)


def area_centre(area: ET.Element) -> tuple[float, float] | None:
    """The mean vertex of the first polygon, or the centre of the first circle (CAP: "lat,lon")."""
    text = child(area, "polygon", required=False) or child(area, "circle", required=False).split(" ")[0]
    if not text:
        return None
    try:
        pairs = [pair.split(",") for pair in text.split()]
        lats = [finite(p[0], "CAP latitude", -90, 90) for p in pairs]
        lons = [finite(p[1], "CAP longitude", -180, 180) for p in pairs]
    except IndexError:
        raise NativeRejected(f"CAP polygon/circle {text[:60]!r} is not 'lat,lon' pairs") from None
    if len(pairs) > 1 and pairs[0] == pairs[-1]:
        lats, lons = lats[:-1], lons[:-1]
    return round(sum(lons) / len(lons), 6), round(sum(lats) / len(lats), 6)


ADAPTER = Adapter(
    name="weather-cap", domain="weather", system="cap", event_types=("city.weather.warning",),
    simulator="weather-cap", framing="document", adapt=adapt,
    summary="meteorological warning signals, CAP 1.2 XML → city.weather.warning (one per area)",
    raises={"city.weather.warning": Raises("事件/1301", severity=2, plan_items=("七",))},  # 气象预警信号
    fleets=(Fleet("weather-area", 0, {}, "江门市气象局", "{district}", "{district_name}气象预警区"),),
)
