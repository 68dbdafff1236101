"""Neighbouring unit-grid cells, from the cells' real geometry: two cells neighbour when they share an
edge or a corner (they lie within TOUCH_DEG of each other). The whole table — every cell of the city
and the cells touching it — is built once, on first use, in one vectorized STRtree query over all
cells, so correlation asks a dict, never shapely, per event. The hub builds it in its warm-up thread
at start (`Hub._warm`), so the first batches do not wait ≈ 0.5 s for it; elsewhere it is built by the
first batch that asks."""

from __future__ import annotations

import functools
import threading
from typing import Any

import orjson
import shapely
from shapely.geometry import shape

TOUCH_DEG = 1e-7  # about 1 cm: shared edges and corners, allowing for rounding in the layer file
NEAR_DEG = 1e-5  # kept for callers: the box around a cell in which its neighbours' boxes must start
NONE: frozenset[str] = frozenset()


@functools.cache
def cell_features(geo: Any) -> dict[str, dict[str, Any]]:
    cells = getattr(geo, "cells_geojson", None)
    features = cells(None)["features"] if cells else []
    return {str(f["properties"].get("code")): f["geometry"] for f in features}


@functools.cache
def neighbour_table(geo: Any) -> dict[str, frozenset[str]]:
    """Every cell → the other cells within TOUCH_DEG of it (one query over all cells, ≈ 0.5 s once)."""
    features = cell_features(geo)
    codes = list(features)
    if not codes:
        return {}
    shapes = shapely.from_geojson([orjson.dumps(g) for g in features.values()])
    left, right = shapely.STRtree(shapes).query(shapes, predicate="dwithin", distance=TOUCH_DEG)
    found: dict[str, set[str]] = {c: set() for c in codes}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            found[codes[i]].add(codes[j])
    return {c: frozenset(n) for c, n in found.items()}


class CellNeighbours:
    def __init__(self, geo: Any) -> None:
        self.geo = geo
        self._shapes: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._table: dict[str, frozenset[str]] | None = None

    def shape(self, code: str) -> Any:
        with self._lock:
            if code not in self._shapes:
                geometry = cell_features(self.geo).get(code)
                self._shapes[code] = shape(geometry) if geometry else None
            return self._shapes[code]

    def __call__(self, a: str, b: str) -> bool:
        return a == b or b in self.around(a)

    def table(self) -> dict[str, frozenset[str]]:
        table = self._table
        if table is None:
            with self._lock:
                if self._table is None:
                    self._table = neighbour_table(self.geo)
                table = self._table
        return table

    def around(self, code: str) -> frozenset[str]:
        """The cells touching this one (not itself); none for a code the grid does not have."""
        return self.table().get(code, NONE)
