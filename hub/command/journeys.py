"""The way a committed unit drives to its incident: the one shape every screen and the units' feed use.

A journey exists while the unit is on its way (``dispatched`` or ``en-route``): ``path`` is the
fastest road route from where the unit was when dispatched to the scene, ``remaining`` the fastest
route from where it last reported, ``eta_s`` the remaining route's time and ``eta_at`` when it is
due (from its last report while it drives, from now while it has not set off). Both routes are
GeoJSON LineString features of ``Route.geojson``; every time is a road time, never a straight line.
"""

from __future__ import annotations

from typing import Any

from hub.command.roads import RoadGraph
from hub.command.units import UnitState

ON_THE_WAY = ("dispatched", "en-route")


def journey(roads: RoadGraph, state: UnitState, scene: tuple[float, float], now: float) -> dict[str, Any] | None:
    """The unit's journey to `scene`, or None when it is not on its way or no road leads there."""
    if state.status not in ON_THE_WAY:
        return None
    here = (state.lon, state.lat)
    remaining = roads.route(here, scene)
    if remaining is None:
        return None
    path = roads.route(state.origin, scene) if state.origin is not None and state.origin != here else remaining
    since = state.at if state.status == "en-route" and state.reported else now
    return {"path": (path or remaining).geojson(), "remaining": remaining.geojson(),
            "eta_s": round(remaining.seconds, 1), "eta_at": since + remaining.seconds}
