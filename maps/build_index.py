"""The locate index: a raster of cell ids over the lattice, exact near boundaries.

``raster[row, col]`` holds a cell id where the whole pixel lies in one cell, -1 outside
the city, and ``-2 - k`` for the k-th boundary pixel (one cut by a district border or the
coast). Boundary pixels have an 8 × 8 sub-raster with the same convention (-2 meaning
"test exactly"); the exact test uses the pixel's pieces (pixel ∩ district, one per cell).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from hub.geo.lattice import Lattice
from maps.build_grid import Grid
from maps.build_units import DistrictPixels

SUB = 8


def build_index(lattice: Lattice, dps: dict[str, DistrictPixels], grid: Grid) -> dict[str, NDArray]:
    raster = np.full((lattice.height, lattice.width), -1, dtype=np.int32)
    entries: dict[tuple[int, int], list[tuple[BaseGeometry, int]]] = defaultdict(list)
    pure_hits: dict[tuple[int, int], int] = {}
    for code, dp in dps.items():
        cells = grid.cell_of[code]
        raster[dp.rows[dp.pure], dp.cols[dp.pure]] = cells[dp.pure]
        for i in np.flatnonzero(~dp.pure):
            piece = dp.pieces[int(i)]
            assert piece is not None
            entries[(int(dp.rows[i]), int(dp.cols[i]))].append((piece, int(cells[i])))
        for i in np.flatnonzero(dp.pure):
            key = (int(dp.rows[i]), int(dp.cols[i]))
            if key in entries or key in pure_hits:
                pure_hits[key] = int(cells[i])
    for key, cid in pure_hits.items():  # a pure pixel also cut by another district (precision dust)
        if key in entries:
            box = shapely.box(*lattice.bounds(key[1], key[0]))
            entries[key].append((box, cid))
    boundary = sorted(entries)
    sub = np.full((len(boundary), SUB, SUB), -1, dtype=np.int32)
    piece_geoms: list[BaseGeometry] = []
    piece_cell: list[int] = []
    sr, sc = np.mgrid[0:SUB, 0:SUB]
    for k, (row, col) in enumerate(boundary):
        raster[row, col] = -2 - k
        west, south, east, north = (float(v) for v in lattice.bounds(col, row))
        dx, dy = (east - west) / SUB, (north - south) / SUB
        boxes = shapely.box(west + sc.ravel() * dx, north - (sr.ravel() + 1) * dy,
                            west + (sc.ravel() + 1) * dx, north - sr.ravel() * dy)
        flat = sub[k].reshape(-1)
        for piece, cid in entries[(row, col)]:
            shapely.prepare(piece)
            inside = shapely.contains(piece, boxes)
            flat[inside] = cid
            cut = ~inside & shapely.intersects(piece, boxes) & (flat != cid)
            cut &= shapely.area(shapely.intersection(piece, boxes)) > 1e-14
            flat[cut & (flat == -1)] = -2
            flat[cut & (flat >= 0)] = -2
            piece_geoms.append(piece)
            piece_cell.append(cid)
        sub[k] = flat.reshape(SUB, SUB)
    wkb = shapely.to_wkb(np.array(piece_geoms, dtype=object))
    offsets = np.cumsum([0] + [len(w) for w in wkb]).astype(np.int64)
    return {
        "raster": raster, "sub": sub,
        "piece_wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
        "piece_offsets": offsets, "piece_cell": np.array(piece_cell, dtype=np.int32),
    }
