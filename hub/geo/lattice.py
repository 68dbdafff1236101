"""The fixed lattice the unit grid is cut from.

Fine cells are one lattice step (0.0015° × 0.00135°, about 154 m × 150 m at Jiangmen's
latitude); coarse (rural) cells are ``block`` × ``block`` steps (about 1.2 km square).
Rows count from the north edge, columns from the west edge.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

KM_PER_DEG_LON = 102.85  # at 22.4° N
KM_PER_DEG_LAT = 110.75


@dataclass(frozen=True)
class Lattice:
    lon0: float = 111.99
    lat0: float = 22.87
    dlon: float = 0.0015
    dlat: float = 0.00135
    width: int = 856
    height: int = 1064
    block: int = 8

    @property
    def pixel_km2(self) -> float:
        return self.dlon * KM_PER_DEG_LON * self.dlat * KM_PER_DEG_LAT

    def col_row(self, lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        col = np.floor((np.asarray(lon, dtype=np.float64) - self.lon0) / self.dlon).astype(np.int64)
        row = np.floor((self.lat0 - np.asarray(lat, dtype=np.float64)) / self.dlat).astype(np.int64)
        return col, row

    def center(self, col: ArrayLike, row: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lon = self.lon0 + (np.asarray(col, dtype=np.float64) + 0.5) * self.dlon
        lat = self.lat0 - (np.asarray(row, dtype=np.float64) + 0.5) * self.dlat
        return lon, lat

    def bounds(self, col: ArrayLike, row: ArrayLike) -> tuple[NDArray[np.float64], ...]:
        """(minlon, minlat, maxlon, maxlat) of pixels."""
        c, r = np.asarray(col, dtype=np.float64), np.asarray(row, dtype=np.float64)
        # neighbours share edges exactly: both compute an edge from the same integer index
        west, east = self.lon0 + c * self.dlon, self.lon0 + (c + 1) * self.dlon
        north, south = self.lat0 - r * self.dlat, self.lat0 - (r + 1) * self.dlat
        return west, south, east, north

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def to_km(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
    """Local planar kilometres (equirectangular at 22.4° N), shape (n, 2)."""
    return np.column_stack([np.asarray(lon, dtype=np.float64) * KM_PER_DEG_LON,
                            np.asarray(lat, dtype=np.float64) * KM_PER_DEG_LAT])
