"""Grid inspectors' patrol app (综合网格 网格员巡查上报) → city.grid.case.

The app posts each case as JSON: case number, inspector, the grid cell they patrol, the GB/T
30428 class of what they found (部件 component or 事件 event, large and small class codes and
names), a description, photos, the address they typed or picked, and the phone's position (GCJ-02
from the map SDK, or WGS-84 when the GNSS fix is used directly).
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
    json_document,
    local_time,
    point,
    text,
)
from adapters.declaration import URBAN, Fleet, Raises, district_dept

CASE_TYPES = {"部件": "component", "事件": "event"}


def adapt(raw: bytes) -> list[CloudEvent]:
    case = json_document(raw)
    case_id = text(field(case, "caseNo", "case"), "caseNo", 64)
    inspector = field(case, "inspector", f"case {case_id}")
    inspector_id = text(field(inspector, "id", "inspector"), "inspector id", 64)
    kind = CASE_TYPES.get(str(field(case, "caseType", f"case {case_id}")))
    if kind is None:
        raise NativeRejected(f"case {case_id}: caseType must be 部件 or 事件")
    big, small = (text(field(case, k, f"case {case_id}"), k, 2) for k in ("bigClass", "smallClass"))
    if not (big + small).isdigit() or len(big + small) != 4:
        raise NativeRejected(f"case {case_id}: class codes {big!r}/{small!r} are not two digits each")
    when = local_time(text(field(case, "reportTime", f"case {case_id}"), "reportTime", 19))
    photos = case.get("photos") or []
    if not isinstance(photos, list):
        raise NativeRejected(f"case {case_id}: photos must be a list of references, not {type(photos).__name__}")
    data: dict[str, Any] = {
        "case_id": case_id, "inspector_id": inspector_id, "case_type": kind,
        "category": f"{case['caseType']}/{big}{small}",
        "category_name": "/".join(str(case.get(k, "")) for k in ("bigClassName", "smallClassName")).strip("/")[:60]
        or f"{big}{small}",
        "description": text(field(case, "description", f"case {case_id}"), "description", 1000),
        "photo_refs": [p[:300] for p in photos if isinstance(p, str)][:9],
    }
    if grid := case.get("gridCode"):
        if not re.fullmatch(r"\d{15}", str(grid)):
            raise NativeRejected(f"case {case_id}: gridCode {str(grid)[:20]!r} is not 15 digits")
        data["reported_grid_code"] = str(grid)
    location: dict[str, Any] = {}
    if case.get("lng") is not None and case.get("lat") is not None:
        location = point(case["lng"], case["lat"], case.get("coordType", "GCJ02"), f"case {case_id}")
    if isinstance(case.get("address"), str) and len(case["address"].strip()) >= 2:
        location["address"] = case["address"].strip()[:200]
    if not location:
        raise NativeRejected(f"case {case_id}: neither a position nor an address")
    data["location"] = location
    return [cloudevent(ADAPTER.source(inspector_id), "city.grid.case", case_id, when, data)]


ADAPTER = Adapter(
    name="grid-patrol", domain="grid", system="patrol", event_types=("city.grid.case",), simulator="grid-patrol",
    framing="document", adapt=adapt, summary="grid inspectors' patrol app case reports (JSON) → city.grid.case",
    raises={"city.grid.case": Raises("事件/0550", severity=1, plan_items=("八", "三十四"))},  # 网格巡查其他
    fleets=(Fleet("inspector-app", 48, URBAN, district_dept("城市管理和综合执法局"), "WGY-{district}-{n:03d}",
        "网格员巡查终端{n}号", "gcj02"),),
)
