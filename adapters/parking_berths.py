"""On-street parking berths (智慧停车 路内泊位, geomagnetic sensors) → city.parking.berth.

The roadside-parking platform forwards each sensor's state change as one JSON line:
``{"sn", "berthCode", "status" (1 occupied, 0 free), "eventTime", "battery" (V), "rssi"}``.
Berths carry no coordinates: the registry places each berth.
"""

from __future__ import annotations

from typing import Any

from adapters.base import (
    Adapter,
    CloudEvent,
    NativeRejected,
    checked_device_id,
    cloudevent,
    field,
    finite,
    json_document,
    local_time,
    text,
)
from adapters.declaration import DOWNTOWN, Fleet, Raises


def adapt(raw: bytes) -> list[CloudEvent]:
    change = json_document(raw)
    berth = checked_device_id(text(field(change, "berthCode", "berth change"), "berthCode", 64))
    what = f"berth {berth}"
    status = str(field(change, "status", what))
    if status not in ("0", "1"):
        raise NativeRejected(f"{what}: status {status[:5]!r} is not 0 or 1")
    data: dict[str, Any] = {"berth_id": berth, "occupied": status == "1"}
    if change.get("sn"):
        data["sensor_sn"] = str(change["sn"])[:40]
    if change.get("battery") is not None:
        data["battery_v"] = finite(change["battery"], f"{what} battery", 0, 10)
    when = local_time(text(field(change, "eventTime", what), f"{what} eventTime", 19))
    return [cloudevent(ADAPTER.source(berth), "city.parking.berth", f"{berth}-{when:%Y%m%d%H%M%S}-{status}",
                       when, data)]


ADAPTER = Adapter(
    name="parking-berths", domain="parking", system="berths", event_types=("city.parking.berth",),
    simulator="parking-berths", framing="lines", adapt=adapt,
    summary="on-street berth geomagnetic sensors (JSON lines) → city.parking.berth",
    raises={"city.parking.berth": Raises("事件/1201", plan_items=("十五",))},  # 停车泊位
    fleets=(Fleet("parking-berth", 150, DOWNTOWN, "江门市公安局交通警察支队", "BW-{district}-{n:04d}",
        "路内泊位{n}号"),),
)
