"""Small geometry helpers shared by the build steps."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from hub.geo.crs import gcj02_to_wgs84

PRECISION = 1e-6  # degrees; about 0.1 m, well below the ~100 m precision of the sources
KM2_PER_DEG2 = 102.85 * 110.75  # at Jiangmen's latitude (about 22.4° N)


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygon parts of a geometry (make_valid can leave lines behind)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def clean(geom: BaseGeometry, grid: float = PRECISION) -> BaseGeometry:
    """Valid polygonal geometry on a fixed precision grid."""
    return polygonal(shapely.set_precision(polygonal(shapely.make_valid(geom)), grid))


def gcj02_geometry_to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)


def area_km2(geom: BaseGeometry) -> float:
    return float(geom.area) * KM2_PER_DEG2


def feature(geom: BaseGeometry, properties: dict[str, Any], digits: int = 6) -> dict[str, Any]:
    rounded = shapely.set_precision(geom, 10.0 ** -digits) if digits < 6 else geom
    return {"type": "Feature", "properties": properties, "geometry": _round(mapping(rounded), digits)}


def _round(obj: Any, digits: int) -> Any:
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, (list, tuple)):
        return [_round(x, digits) for x in obj]
    if isinstance(obj, dict):
        return {k: _round(v, digits) for k, v in obj.items()}
    return obj


def write_collection(path: Path, features: Iterable[dict[str, Any]], **extra: Any) -> None:
    doc = {"type": "FeatureCollection", **extra, "features": list(features)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def read_collection(path: Path) -> list[tuple[dict[str, Any], BaseGeometry]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [(f["properties"], shape(f["geometry"])) for f in doc["features"]]
