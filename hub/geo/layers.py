"""GeoJSON layers for the map, read lazily from ``maps/data``."""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np

Bbox = tuple[float, float, float, float]
MAX_CELLS = 20_000


def _read(path: Path) -> dict[str, Any]:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    doc: dict[str, Any] = json.loads(raw)
    return doc


def parse_bbox(text: str) -> Bbox:
    """"minlon,minlat,maxlon,maxlat" → floats; ValueError with a clear message otherwise."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise ValueError("bbox must be minlon,minlat,maxlon,maxlat")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError as exc:
        raise ValueError("bbox values must be numbers") from exc
    if not (minx < maxx and miny < maxy):
        raise ValueError("bbox must have minlon < maxlon and minlat < maxlat")
    return minx, miny, maxx, maxy


class Layers:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    @functools.cached_property
    def districts(self) -> dict[str, Any]:
        return _read(self.data_dir / "districts.geojson")

    @functools.cached_property
    def towns(self) -> dict[str, Any]:
        return _read(self.data_dir / "towns.geojson")

    @functools.cached_property
    def communities(self) -> dict[str, Any]:
        return _read(self.data_dir / "communities.geojson.gz")

    @functools.cached_property
    def _cells(self) -> tuple[dict[str, Any], np.ndarray]:
        import shapely
        from shapely.geometry import shape

        doc = _read(self.data_dir / "cells.geojson.gz")
        bounds = shapely.bounds(np.array([shape(f["geometry"]) for f in doc["features"]], dtype=object))
        return doc, bounds

    def cells(self, bbox: Bbox | None = None, limit: int = MAX_CELLS) -> dict[str, Any]:
        """Cells intersecting bbox (all cells when None), at most ``limit`` of them."""
        doc, bounds = self._cells
        feats = doc["features"]
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            hit = ((bounds[:, 0] <= maxx) & (bounds[:, 2] >= minx)
                   & (bounds[:, 1] <= maxy) & (bounds[:, 3] >= miny))
            feats = [feats[i] for i in np.flatnonzero(hit)]
        out = {"type": "FeatureCollection", "name": doc.get("name"), "note": doc.get("note"),
               "features": feats[:limit]}
        if len(feats) > limit:
            out["truncated"] = True
        return out
