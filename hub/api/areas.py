"""A read's filters narrowed to the caller's area (hub/people/scopes.py), for the routes to hand to their query.

A filter the caller asks for inside their area narrows it further; one outside it answers 403 with
the area, so a district user who asks for another district learns that it is refused, not that it is empty.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from hub.people.scopes import Principal


def narrowed(who: Principal, name: str, requested: str | None, fixed: str | None) -> str | None:
    if fixed and requested and requested != fixed:
        raise HTTPException(403, f"{name} {requested} is outside {who.name}'s area {who.area.to_dict()}")
    return fixed or requested or None


def event_filters(who: Principal, district: str | None = None, grid: str | None = None) -> dict[str, Any]:
    """EventQuery's district, grid (a town is its grid codes' 9-digit prefix) and department."""
    area = who.area
    district = narrowed(who, "district", district, area.district)
    if area.town:
        if grid and not grid.startswith(area.town) and not area.town.startswith(grid):
            raise HTTPException(403, f"grid {grid} is outside {who.name}'s area {area.to_dict()}")
        grid = grid if grid and grid.startswith(area.town) else area.town
    return {"district": district, "grid": grid, "department": area.department}


def incident_filters(who: Principal, district: str | None = None, department: str | None = None) -> dict[str, Any]:
    """IncidentStore.search's district, town and department."""
    area = who.area
    return {"district": narrowed(who, "district", district, area.district), "town": area.town,
            "department": narrowed(who, "department", department, area.department)}


def area_columns(who: Principal) -> dict[str, str] | None:
    """The analysis views' `area` (column → value), None for the whole city."""
    return who.area.columns() or None


def inside(who: Principal, item: dict[str, Any], what: str) -> None:
    """404 for one item outside the caller's area: as if it were not there."""
    if not who.area.admits_item(item):
        raise HTTPException(404, f"no {what} in {who.name}'s area")

