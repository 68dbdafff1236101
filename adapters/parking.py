"""Parking lots (智慧停车): the JSON status feed a lot-management platform publishes each minute.

Native: {"code": 0, "ts": "...", "parks": [{"parkId", "parkName", "totalSpace", "freeSpace",
"lng", "lat", "coordType" (GCJ02|BD09|WGS84, optional), "updateTime", "recordId" (optional:
the platform's serial of the lot's status record)}]}, local Beijing time.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent, local_time, point, whole
from adapters.declaration import DOWNTOWN, Fleet, Raises


def adapt(raw: bytes) -> list[CloudEvent]:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:  # RecursionError: nested too deep
        raise NativeRejected(f"not JSON: {str(err)[:120]}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("parks"), list):
        raise NativeRejected("no 'parks' list")
    if doc.get("code", 0) != 0:
        raise NativeRejected(f"feed reports error code {doc.get('code')}: {doc.get('msg', '')}")
    return [lot_event(park) for park in doc["parks"]]


def lot_event(park: Any) -> CloudEvent:
    if not isinstance(park, dict):
        raise NativeRejected("a park entry is not an object")
    try:
        lot_id, updated = str(park["parkId"]), local_time(park["updateTime"])
        total = whole(park["totalSpace"], f"park {lot_id} totalSpace", 0, 100_000)
        free = whole(park["freeSpace"], f"park {lot_id} freeSpace", 0, 100_000)
    except (KeyError, TypeError, ValueError) as err:
        raise NativeRejected(f"park entry {str(park.get('parkId', '?'))[:40]}: missing or bad field {err}") from None
    if not 0 <= free <= total:
        raise NativeRejected(f"park {lot_id}: freeSpace {free} outside 0..{total}")
    data: dict[str, Any] = {"lot_id": lot_id, "capacity": total, "free": free,
                            "occupancy": round(1 - free / total, 4) if total else 0.0}
    if park.get("parkName"):
        data["name"] = str(park["parkName"])
    if park.get("lng") is not None and park.get("lat") is not None:
        data["location"] = point(park["lng"], park["lat"], park.get("coordType", "GCJ02"), f"park {lot_id}")
    record = str(park.get("recordId") or updated.strftime("%Y%m%dT%H%M%S"))[:40]
    return cloudevent(ADAPTER.source(lot_id), "city.parking.occupancy", f"{lot_id}-{record}", updated, data)


ADAPTER = Adapter(
    name="parking-lots", domain="parking", system="lots", event_types=("city.parking.occupancy",),
    simulator="parking-lots", framing="document", adapt=adapt,
    summary="parking-lot platform JSON status feed → city.parking.occupancy",
    raises={"city.parking.occupancy": Raises("事件/1201", plan_items=("十五",))},  # 停车泊位
    fleets=(Fleet("parking-lot", 40, DOWNTOWN | {"xinhui": 1}, "江门市公安局交通警察支队", "JM-PK-{n:04d}",
        "停车场{n}号", "gcj02"),),
)
