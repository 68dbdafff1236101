"""Neighbouring unit-grid cells, from the cells' real geometry: two cells neighbour when they share an
edge or a corner. The cell index is built once per city on first use; a cell's shape when first asked."""

from __future__ import annotations

import functools
import threading
from typing import Any

import shapely
from shapely.geometry import shape

TOUCH_DEG = 1e-7  # about 1 cm: shared edges and corners, allowing for rounding in the layer file


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

    def shape(self, code: str) -> Any:
        with self._lock:
            if code not in self._shapes:
                geometry = cell_features(self.geo).get(code)
                self._shapes[code] = shape(geometry) if geometry else None
            return self._shapes[code]

    def __call__(self, a: str, b: str) -> bool:
        if a == b:
            return True
        first, second = self.shape(a), self.shape(b)
        return first is not None and second is not None and bool(shapely.distance(first, second) <= TOUCH_DEG)
