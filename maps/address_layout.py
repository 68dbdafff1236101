"""Where generated roads and houses go: straight roads on a slightly rotated local grid.

Coordinates are local kilometres around a town seat (see ``hub.geo.lattice.to_km``).
Roads are numbered from their west end (east-west roads) or north end (north-south roads);
houses stand ``SIDE_KM`` off the centre line, odd numbers on the left of the direction of
numbering, even on the right; numbers grow with distance from the start, so a gap in a road
(where it leaves the town) is also a gap in its numbers, as on real streets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hub.geo.lattice import KM_PER_DEG_LAT, KM_PER_DEG_LON

SIDE_KM = 0.012
Float = NDArray[np.float64]


@dataclass
class Line:
    """A straight road through (u0, v0) along unit vector (du, dv), from -half to +half km."""

    origin: tuple[float, float]  # lon, lat of the line's middle
    angle_deg: float  # direction of travel, counter-clockwise from east
    half_km: float

    def houses(self, step_km: float) -> tuple[Float, Float, NDArray[np.int64]]:
        """Candidate house points (lon, lat) and their numbers along the whole line."""
        n = int(2 * self.half_km / step_km)
        t = -self.half_km + step_km * (np.arange(n) + 0.5)
        a = np.radians(self.angle_deg)
        du, dv = np.cos(a), np.sin(a)
        left_u, left_v = -dv, du
        idx = np.arange(n)
        u = np.concatenate([t * du + SIDE_KM * left_u, t * du - SIDE_KM * left_u])
        v = np.concatenate([t * dv + SIDE_KM * left_v, t * dv - SIDE_KM * left_v])
        numbers = np.concatenate([2 * idx + 1, 2 * idx + 2])
        lon = np.round(self.origin[0] + u / KM_PER_DEG_LON, 6)  # as stored: about 0.1 m
        lat = np.round(self.origin[1] + v / KM_PER_DEG_LAT, 6)
        return lon, lat, numbers


def town_lines(seat: tuple[float, float], extent_km: float, spacing_km: float, angle_deg: float
               ) -> list[tuple[str, Line, float]]:
    """Grid roads around a seat: ('ew'|'ns', line, distance of the line from the seat).

    East-west lines head east and north-south lines head south, so numbering starts in
    the west or the north.
    """
    lines: list[tuple[str, Line, float]] = []
    k_max = int(extent_km / spacing_km)
    for kind, rot in (("ew", 0.0), ("ns", 90.0)):
        a = np.radians(angle_deg + rot + 90.0)
        for k in range(-k_max, k_max + 1):
            off = k * spacing_km
            lon = seat[0] + off * np.cos(a) / KM_PER_DEG_LON
            lat = seat[1] + off * np.sin(a) / KM_PER_DEG_LAT
            lines.append((kind, Line((lon, lat), angle_deg + rot if kind == "ew" else angle_deg - rot,
                                     extent_km), abs(off)))
    return lines


def village_houses(center: tuple[float, float], count: int, spacing_km: float, angle_deg: float
                   ) -> tuple[Float, Float]:
    """A compact block of house points around a village centre, in reading order."""
    side = int(np.ceil(np.sqrt(count * 1.6)))
    r, c = np.mgrid[0:side, 0:side]
    u = (c.ravel() - (side - 1) / 2) * spacing_km
    v = ((side - 1) / 2 - r.ravel()) * spacing_km
    a = np.radians(angle_deg)
    uu, vv = u * np.cos(a) - v * np.sin(a), u * np.sin(a) + v * np.cos(a)
    keep = np.argsort(uu**2 + vv**2, kind="stable")[: int(count * 1.3)]
    keep = np.sort(keep)  # back to reading order (row by row, north first)
    return (np.round(center[0] + uu[keep] / KM_PER_DEG_LON, 6),
            np.round(center[1] + vv[keep] / KM_PER_DEG_LAT, 6))
