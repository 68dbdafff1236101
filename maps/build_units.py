"""Derived town and community regions inside the real district boundaries.

No town or community boundaries exist in any offline package, so they are derived:
1. every lattice pixel touching a district is cut to that district (exact at the border);
2. towns: a power diagram seeded at approximate town seats (``town_seats.py``), its
   weights fitted so each town's area is proportional to its weight (villages and farms
   count 1, urban communities 0.25 — from the 2023 statistical lists);
3. communities: inside each town, seeds spread by farthest-point sampling and Lloyd
   iterations; urban communities take the seeds nearest the town seat; again a power
   diagram with areas proportional to the same weights;
4. detached fragments go to the neighbour they touch most.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from hub.geo.lattice import Lattice, to_km
from maps.admin import Community, Town
from maps.geometry import KM2_PER_DEG2
from maps.partition import farthest_point_seeds, fit_power_labels, merge_fragments
from maps.town_seats import TOWN_SEATS

WEIGHT = {"village": 1.0, "farm": 1.0, "urban": 0.25}
MIN_PIECE_DEG2 = 1e-10  # drop slivers under ~1 m²


@dataclass
class DistrictPixels:
    code: str
    geom: BaseGeometry
    cols: NDArray[np.int64]
    rows: NDArray[np.int64]
    pure: NDArray[np.bool_]
    pieces: list[BaseGeometry | None]
    area_km2: NDArray[np.float64]
    town: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    community: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))


def district_pixels(lattice: Lattice, code: str, geom: BaseGeometry) -> DistrictPixels:
    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    c0, r0 = (int(v) for v in lattice.col_row(minx, maxy))
    c1, r1 = (int(v) for v in lattice.col_row(maxx, miny))
    cc, rr = np.meshgrid(np.arange(c0, c1 + 1), np.arange(r0, r1 + 1))
    cols, rows = cc.ravel(), rr.ravel()
    boxes = shapely.box(*lattice.bounds(cols, rows))
    inside = shapely.contains(geom, boxes)
    edge = ~inside & shapely.intersects(geom, boxes)
    cut = shapely.intersection(geom, boxes[edge])
    cut_area = shapely.area(cut)
    edge_idx = np.flatnonzero(edge)[cut_area > MIN_PIECE_DEG2]
    keep = np.sort(np.concatenate([np.flatnonzero(inside), edge_idx]))
    piece_of = dict(zip(np.flatnonzero(edge)[cut_area > MIN_PIECE_DEG2].tolist(),
                        cut[cut_area > MIN_PIECE_DEG2], strict=True))
    pieces = [piece_of.get(int(i)) for i in keep]
    area = np.array([lattice.pixel_km2 if p is None else p.area * KM2_PER_DEG2 for p in pieces])
    return DistrictPixels(code, geom, cols[keep], rows[keep], inside[keep], pieces, area)


def _local_raster(dp: DistrictPixels, mask: NDArray[np.bool_], labels: NDArray[np.int64]
                  ) -> tuple[NDArray[np.int64], int, int]:
    r0, c0 = int(dp.rows[mask].min()), int(dp.cols[mask].min())
    grid = np.full((int(dp.rows[mask].max()) - r0 + 1, int(dp.cols[mask].max()) - c0 + 1), -1,
                   dtype=np.int64)
    grid[dp.rows[mask] - r0, dp.cols[mask] - c0] = labels
    return grid, r0, c0


def _partition(dp: DistrictPixels, mask: NDArray[np.bool_], seeds_lonlat: NDArray[np.float64],
               weights: NDArray[np.float64], lattice: Lattice) -> NDArray[np.int64]:
    lon, lat = lattice.center(dp.cols[mask], dp.rows[mask])
    points = to_km(lon, lat)
    seeds = to_km(seeds_lonlat[:, 0], seeds_lonlat[:, 1])
    targets = dp.area_km2[mask].sum() * weights / weights.sum()
    labels = fit_power_labels(points, seeds, targets, lattice.pixel_km2)
    grid, r0, c0 = _local_raster(dp, mask, labels)
    s_col, s_row = lattice.col_row(seeds_lonlat[:, 0], seeds_lonlat[:, 1])
    seed_cells = {i: (int(r - r0), int(c - c0)) for i, (r, c) in enumerate(zip(s_row, s_col, strict=True))
                  if 0 <= r - r0 < grid.shape[0] and 0 <= c - c0 < grid.shape[1]}
    grid = merge_fragments(grid, seed_cells)
    out = grid[dp.rows[mask] - r0, dp.cols[mask] - c0]
    for i in range(len(seeds)):  # a region squeezed out entirely keeps the pixel nearest its seed
        if not np.any(out == i):
            out[int(np.argmin(((points - seeds[i]) ** 2).sum(axis=1)))] = i
    return out


def _seat(town: Town, geom: BaseGeometry) -> tuple[float, float]:
    point = shapely.Point(TOWN_SEATS[town.code])
    if not geom.contains(point):
        point = nearest_points(geom, point)[0]
    return point.x, point.y


def partition_district(dp: DistrictPixels, towns: list[Town], communities: list[Community],
                       lattice: Lattice) -> dict[str, tuple[float, float]]:
    """Fill ``dp.town`` and ``dp.community`` (indices into the two lists); return town seats."""
    t_idx = [i for i, t in enumerate(towns) if t.district_code == dp.code]
    seats = {towns[i].code: _seat(towns[i], dp.geom) for i in t_idx}
    members = {i: [j for j, c in enumerate(communities) if c.town_code == towns[i].code] for i in t_idx}
    t_weights = np.array([sum(WEIGHT[communities[j].kind] for j in members[i]) for i in t_idx])
    t_seeds = np.array([seats[towns[i].code] for i in t_idx])
    everything = np.ones(len(dp.cols), dtype=bool)
    dp.town = np.array(t_idx)[_partition(dp, everything, t_seeds, t_weights, lattice)]
    dp.community = np.full(len(dp.cols), -1, dtype=np.int64)
    for i in t_idx:
        mask = dp.town == i
        comms = sorted(members[i], key=lambda j: (communities[j].kind != "urban", communities[j].code))
        lon, lat = lattice.center(dp.cols[mask], dp.rows[mask])
        seat_km = to_km([seats[towns[i].code][0]], [seats[towns[i].code][1]])[0]
        pts = to_km(lon, lat)
        seeds_km = farthest_point_seeds(pts, len(comms), seat_km)
        order = np.argsort(((seeds_km - seat_km) ** 2).sum(axis=1), kind="stable")
        seeds_km = seeds_km[order]
        seeds_ll = np.column_stack([seeds_km[:, 0] / 102.85, seeds_km[:, 1] / 110.75])
        weights = np.array([WEIGHT[communities[j].kind] for j in comms])
        labels = _partition(dp, mask, seeds_ll, weights, lattice)
        dp.community[mask] = np.array(comms)[labels]
    return seats


def union_pixels(lattice: Lattice, cols: NDArray[np.int64], rows: NDArray[np.int64],
                 clip: BaseGeometry | None) -> BaseGeometry:
    """Union of whole pixel boxes (an exact coverage), cut to ``clip`` when given."""
    boxes = shapely.box(*lattice.bounds(cols, rows))
    merged = shapely.coverage_union_all(boxes)
    return shapely.intersection(merged, clip) if clip is not None else merged
