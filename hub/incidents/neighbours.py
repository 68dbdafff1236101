"""Neighbouring unit-grid cells, from the cells' real geometry: two cells neighbour when they share an
edge or a corner. The cell index is built once per city on first use; a cell's shape and its set of
neighbours when first asked, so correlation tests set membership, not geometry, per event."""

from __future__ import annotations

import functools
import threading
from typing import Any

import shapely
from shapely.geometry import shape

TOUCH_DEG = 1e-7  # about 1 cm: shared edges and corners, allowing for rounding in the layer file
NEAR_DEG = 1e-5  # the box around a cell in which its neighbours' boxes must start


@functools.cache
def cell_features(geo: Any) -> dict[str, dict[str, Any]]:
    cells = getattr(geo, "cells_geojson", None)
    features = cells(None)["features"] if cells else []
    return {str(f["properties"].get("code")): f["geometry"] for f in features}


class CellNeighbours:
    def __init__(self, geo: Any) -> None:
        self.geo = geo
        self._shapes: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._around: dict[str, frozenset[str]] = {}

    def shape(self, code: str) -> Any:
        with self._lock:
            if code not in self._shapes:
                geometry = cell_features(self.geo).get(code)
                self._shapes[code] = shape(geometry) if geometry else None
            return self._shapes[code]

    def __call__(self, a: str, b: str) -> bool:
        return a == b or b in self.around(a)

    def around(self, code: str) -> frozenset[str]:
        """The cells touching this one, found once per cell among the few whose boxes come near it."""
        found = self._around.get(code)
        if found is None:
            me = self.shape(code)
            found = frozenset()
            if me is not None:
                x0, y0, x1, y1 = me.bounds
                near = self.geo.cells_geojson((x0 - NEAR_DEG, y0 - NEAR_DEG, x1 + NEAR_DEG, y1 + NEAR_DEG))
                codes = ((str(f["properties"].get("code")), f["geometry"]) for f in near["features"])
                found = frozenset(c for c, g in codes if c != code and shapely.distance(me, shape(g)) <= TOUCH_DEG)
            with self._lock:
                self._around[code] = found
        return found
