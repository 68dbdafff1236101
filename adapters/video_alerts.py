"""Video analytics on the city's cameras (一机一档 视频智能分析) → city.video.alert.

The video platform pushes analytics events the way iSecure-style platforms do:
``{"method": "OnEventNotify", "params": {"sendTime", "ability", "events": [{"eventId", "eventType",
"srcIndex" (the camera's GB/T 28181 20-digit code), "srcType": "camera", "happenTime" (ISO 8601),
"data": {"alarmType", "confidence" (0-100), "picUrl", "targetCount"}}]}}``. Cameras carry no
position in the push: the camera registry (一机一档) places them.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.base import (
    Adapter,
    CloudEvent,
    NativeRejected,
    cloudevent,
    field,
    finite,
    iso_time,
    json_document,
    text,
)
from adapters.declaration import URBAN, Fleet, Raises

KINDS = {"streetVending": "street_vending", "illegalParking": "illegal_parking", "garbageExposed": "exposed_garbage",
         "materialPiling": "piled_material", "crowdGathering": "crowd", "smokeFire": "smoke_fire",
         "waterlogging": "waterlogging", "uncoveredTruck": "uncovered_truck", "outOfStoreBusiness": "outside_store"}
NAMES = {"street_vending": "占道经营", "illegal_parking": "违章停车", "exposed_garbage": "暴露垃圾",
         "piled_material": "乱堆物料", "crowd": "人群聚集", "smoke_fire": "烟火", "waterlogging": "道路积水",
         "uncovered_truck": "渣土车未密闭", "outside_store": "店外经营"}
CAMERA_CODE = re.compile(r"\d{20}")


def adapt(raw: bytes) -> list[CloudEvent]:
    doc = json_document(raw)
    if not isinstance(doc, dict) or doc.get("method") != "OnEventNotify":
        raise NativeRejected("not an OnEventNotify push")
    events = field(field(doc, "params"), "events", "params")
    if not isinstance(events, list):
        raise NativeRejected("params.events is not a list")
    return [alert(e) for e in events if not isinstance(e, dict) or e.get("srcType", "camera") == "camera"]


def alert(event: dict[str, Any]) -> CloudEvent:
    event_id = text(field(event, "eventId", "event"), "eventId", 64)
    camera = text(field(event, "srcIndex", f"event {event_id}"), "srcIndex", 20)
    if not CAMERA_CODE.fullmatch(camera):
        raise NativeRejected(f"event {event_id}: camera code {camera!r} is not a 20-digit GB/T 28181 code")
    body = field(event, "data", f"event {event_id}")
    alarm_type = str(field(body, "alarmType", f"event {event_id}"))
    kind = KINDS.get(alarm_type)
    if kind is None:
        raise NativeRejected(f"event {event_id}: unknown alarmType {alarm_type[:30]!r}")
    data: dict[str, Any] = {"alert_id": event_id, "camera_id": camera, "kind": kind, "kind_name": NAMES[kind]}
    if "confidence" in body:
        data["confidence"] = round(finite(body["confidence"], f"event {event_id} confidence", 0, 100) / 100, 3)
    if isinstance(body.get("picUrl"), str):
        data["snapshot_ref"] = body["picUrl"][:300]
    if "targetCount" in body:
        data["target_count"] = int(finite(body["targetCount"], f"event {event_id} targetCount", 0, 100000))
    when = iso_time(field(event, "happenTime", f"event {event_id}"))
    return cloudevent(ADAPTER.source(camera), "city.video.alert", event_id, when, data)


ADAPTER = Adapter(
    name="video-alerts", domain="video", system="analytics", event_types=("city.video.alert",),
    simulator="video-alerts", framing="document", adapt=adapt,
    summary="video-analytics alerts from registered cameras (OnEventNotify JSON) → city.video.alert",
    raises={"city.video.alert": Raises("事件/0551", severity=1, plan_items=("三十五", "八"))},  # 视频智能发现
    fleets=(Fleet("camera", 120, URBAN | {"jianghai_park": 2}, "江门市公安局", "{district}00001320{n:06d}",
        "视频监控点{n}号"),),
)
