"""Point → unit-grid cell, vectorized: a raster lookup, exact only near boundaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hub.geo.lattice import Lattice


class GridIndex:
    """Loaded from ``grid.npz`` (see ``maps/build_index.py`` for the encoding)."""

    def __init__(self, path: Path) -> None:
        with np.load(path) as z:
            self.lattice = Lattice(**json.loads(str(z["lattice"])))
            self.raster: NDArray[np.int32] = z["raster"]
            self.sub: NDArray[np.int32] = z["sub"]
            self._piece_wkb: NDArray[np.uint8] = z["piece_wkb"]
            self._piece_offsets: NDArray[np.int64] = z["piece_offsets"]
            self.piece_cell: NDArray[np.int32] = z["piece_cell"]
        self._flat = self.raster.ravel()
        self._tree: Any = None  # shapely.STRtree of the boundary pieces, built on first use

    def _pieces(self) -> Any:
        import shapely  # only boundary points need it; keeps the import off the load path

        if self._tree is None:
            blob = self._piece_wkb.tobytes()
            off = self._piece_offsets
            wkb = [blob[off[i]:off[i + 1]] for i in range(len(off) - 1)]
            self._tree = shapely.STRtree(shapely.from_wkb(wkb))
        return self._tree

    def cell_ids(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int32]:
        """Cell index per WGS84 point; -1 outside the city (or for NaN input)."""
        lat_ = self.lattice
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        fx = (x - lat_.lon0) * (1.0 / lat_.dlon)
        fy = (lat_.lat0 - y) * (1.0 / lat_.dlat)
        ok = (fx >= 0) & (fx < lat_.width) & (fy >= 0) & (fy < lat_.height)
        col = np.where(ok, fx, 0).astype(np.int32)
        row = np.where(ok, fy, 0).astype(np.int32)
        out = self._flat[row * lat_.width + col]
        out = np.where(ok, out, -1)
        edge = np.flatnonzero(out <= -2)
        if len(edge):
            out[edge] = self._refine(edge, out[edge], fx[edge], fy[edge], x[edge], y[edge])
        return out

    def _refine(self, idx: NDArray[np.intp], code: NDArray[np.int32], fx: NDArray[np.float64],
                fy: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int32]:
        k = -2 - code
        n = self.sub.shape[1]
        sc = np.minimum(((fx - np.floor(fx)) * n).astype(np.int32), n - 1)
        sr = np.minimum(((fy - np.floor(fy)) * n).astype(np.int32), n - 1)
        val = self.sub[k, sr, sc]
        exact = np.flatnonzero(val == -2)
        if len(exact):
            import shapely

            val[exact] = -1
            pts = shapely.points(x[exact], y[exact])
            hit_pt, hit_piece = self._pieces().query(pts, predicate="intersects")
            first = np.unique(hit_pt, return_index=True)[1]  # lowest piece wins on shared edges
            val[exact[hit_pt[first]]] = self.piece_cell[hit_piece[first]]
        return val
