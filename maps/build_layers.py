"""Polygons of cells, communities and towns from the labelled district pixels."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from hub.geo.lattice import Lattice
from maps.build_units import DistrictPixels
from maps.geometry import polygonal


def region(lattice: Lattice, dp: DistrictPixels, mask: NDArray[np.bool_]) -> BaseGeometry:
    """Exact union of the masked pixels of a district (whole boxes inside, pieces at the edge)."""
    pure = mask & dp.pure
    parts: list[BaseGeometry] = []
    if pure.any():
        parts.append(shapely.coverage_union_all(shapely.box(*lattice.bounds(dp.cols[pure], dp.rows[pure]))))
    parts.extend(p for i in np.flatnonzero(mask & ~dp.pure) if (p := dp.pieces[int(i)]) is not None)
    merged = shapely.union_all(parts) if len(parts) > 1 else parts[0]
    return polygonal(shapely.make_valid(merged) if not merged.is_valid else merged)


def regions_by(lattice: Lattice, dp: DistrictPixels, labels: NDArray[np.int64]
               ) -> Iterator[tuple[int, BaseGeometry]]:
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    for group in np.split(order, bounds):
        if len(group) == 0:
            continue
        mask = np.zeros(len(labels), dtype=bool)
        mask[group] = True
        yield int(labels[group[0]]), region(lattice, dp, mask)


def simplify_coverage(geoms: list[BaseGeometry], tolerance: float) -> list[BaseGeometry]:
    """Simplify polygons that share edges without opening gaps (falls back per polygon)."""
    arr = np.array(geoms, dtype=object)
    try:
        out = shapely.coverage_simplify(arr, tolerance)
    except shapely.errors.GEOSException:
        out = shapely.simplify(arr, tolerance, preserve_topology=True)
    return [g if g.is_valid else polygonal(shapely.make_valid(g)) for g in out]
