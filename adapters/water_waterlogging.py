"""Road waterlogging depth sensors (智慧城管 内涝监测, via China Mobile's OneNET push) → city.water.waterlogging.

OneNET pushes ``{"msg": {"type": 1, "dev_id", "ds_id", "at" (ms), "value"}, "msg_signature",
"nonce"}`` — ``msg`` may also be a list when the platform batches. Data stream ``water_depth`` is
the depth over the road in cm; other streams (battery, signal) and online/offline notices (type 2)
are not mapped. Depth classes: dry < 3 cm, shallow < 15, deep < 40 (cars stall), severe ≥ 40.
"""

from __future__ import annotations

from typing import Any

from adapters.base import (
    Adapter,
    CloudEvent,
    NativeRejected,
    checked_device_id,
    cloudevent,
    epoch_ms_time,
    field,
    finite,
    json_document,
)
from adapters.declaration import DOWNTOWN, Fleet, Raises, district_dept

DEPTH_STREAM = "water_depth"


def depth_class(depth_cm: float) -> str:
    return "dry" if depth_cm < 3 else "shallow" if depth_cm < 15 else "deep" if depth_cm < 40 else "severe"


def adapt(raw: bytes) -> list[CloudEvent]:
    push = json_document(raw)
    messages = field(push, "msg", "OneNET push")
    messages = messages if isinstance(messages, list) else [messages]
    events: list[CloudEvent] = []
    for message in messages:
        if field(message, "type", "OneNET msg") != 1 or message.get("ds_id") != DEPTH_STREAM:
            continue
        sensor = checked_device_id(field(message, "dev_id", "OneNET msg"))
        what = f"waterlogging sensor {sensor}"
        depth = round(finite(field(message, "value", what), f"{what} water_depth", -50, 1000), 1)
        if depth < -5:
            raise NativeRejected(f"{what}: depth {depth} cm is a sensor error, not water")
        when = epoch_ms_time(field(message, "at", what))
        data: dict[str, Any] = {"sensor_id": sensor, "depth_cm": max(depth, 0.0), "level": depth_class(depth)}
        events.append(cloudevent(ADAPTER.source(sensor), "city.water.waterlogging",
                                 f"{sensor}-{when:%Y%m%d%H%M%S}", when, data))
    return events


ADAPTER = Adapter(
    name="water-waterlogging", domain="water", system="waterlogging", event_types=("city.water.waterlogging",),
    simulator="water-waterlogging", framing="document", adapt=adapt,
    summary="road waterlogging depth sensors (OneNET push JSON) → city.water.waterlogging",
    raises={"city.water.waterlogging": Raises("事件/1003", severity=1, plan_items=("十三", "十一"))},  # 道路积水监测
    fleets=(Fleet("waterlogging-sensor", 32, DOWNTOWN | {"xinhui": 2, "jianghai_park": 1},
        district_dept("城市管理和综合执法局"), "5823{d2}{n:03d}", "内涝监测点{n}号"),),
)
