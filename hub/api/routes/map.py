"""Read-only routes the live map needs beyond the public API: the device registry (一机一档) layer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path

from hub.api.areas import inside
from hub.api.deps import BboxText, DistrictCode, HubDep, ReaderDep, Word, parse_bbox

router = APIRouter(prefix="/api/map", tags=["map"])
DEVICE_FIELDS = ("device_id", "kind", "name", "lon", "lat", "address", "grid_code", "town_code", "district_code",
                 "department", "adapter", "reports")


def device_item(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in DEVICE_FIELDS}


@router.get("/registry")
def registry(hub: HubDep, who: ReaderDep, kind: Word = None, district: DistrictCode = None,
             bbox: BboxText = None) -> dict[str, Any]:
    """Every registered device with its position, standard address, grid cell and owner department."""
    box = parse_bbox(bbox)
    rows = [
        row for row in hub.registry.devices.values()
        if (not kind or row.get("kind") == kind) and (not district or row.get("district_code") == district)
        and (box is None or (box[0] <= row["lon"] <= box[2] and box[1] <= row["lat"] <= box[3]))
        and who.area.admits_item(row)
    ]
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row.get("kind") or ""] = kinds.get(row.get("kind") or "", 0) + 1
    return {"count": len(rows), "kinds": kinds, "devices": [device_item(r) for r in rows]}


@router.get("/registry/{device_id}")
def device(device_id: Annotated[str, Path(min_length=1, max_length=100)], hub: HubDep,
           who: ReaderDep) -> dict[str, Any]:
    found = hub.registry.get(device_id)
    if found is None:
        raise HTTPException(404, f"no device {device_id} in the registry")
    inside(who, dict(found), f"device {device_id}")
    return dict(found)
