"""The unit grid: codes, coverage (every point of the city in exactly one cell), locate."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from hub.geo import load_city
from hub.geo.city import CityGeo, default_data_dir
from hub.geo.crs import wgs84_to_bd09, wgs84_to_gcj02

DISTRICTS = {"440703", "440704", "440705", "440781", "440783", "440784", "440785"}


@pytest.fixture(scope="module")
def city() -> CityGeo:
    return load_city()


@pytest.fixture(scope="module")
def cells(city: CityGeo) -> tuple[list[str], np.ndarray]:
    feats = city.cells_geojson()["features"]
    return [f["properties"]["code"] for f in feats], np.array([shape(f["geometry"]) for f in feats])


def test_done_when_locate_names_a_penjiang_cell(city: CityGeo) -> None:
    row = city.locate(113.0815, 22.5790)
    assert row is not None
    assert row["grid_code"].startswith("440703") and len(row["grid_code"]) == 15
    assert row["district_name"] == "蓬江区"
    assert row["grid_code"].startswith(row["community_code"])
    assert row["community_code"].startswith(row["town_code"])
    assert row["nearest_address"]["distance_m"] < 500


def test_codes_have_15_digits_and_official_prefixes(city: CityGeo) -> None:
    communities = {c["code"] for c in city.units.communities}
    towns = {t["code"] for t in city.units.towns}
    assert len(towns) == 73 and 1300 <= len(communities) <= 1400
    assert all(re.fullmatch(r"\d{9}", t) and t[:6] in DISTRICTS for t in towns)
    assert all(re.fullmatch(r"\d{12}", c) and c[:9] in towns for c in communities)
    codes = city.cell_codes.tolist()
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"\d{15}", c) and c[:12] in communities for c in codes)
    serials = Counter(c[:12] for c in codes)
    assert max(serials.values()) <= 999
    top = Counter()
    for c in codes:
        top[c[:12]] = max(top[c[:12]], int(c[12:]))
    assert top == serials  # serials run 001..n without gaps (codes are unique)
    assert set(serials) == communities  # every community has at least one cell


def test_serials_run_west_to_east_then_north_to_south(city: CityGeo) -> None:
    with np.load(default_data_dir() / "grid.npz") as z:
        lat, comm = z["cell_lat"], z["cell_community"]
    codes = city.cell_codes
    for c in np.unique(comm)[::50]:
        idx = np.flatnonzero(comm == c)
        order = np.argsort([int(codes[i][12:]) for i in idx])
        rows = lat[idx][order]
        assert rows[0] >= rows[-1] - 1e-9  # first serial in the north, last in the south


def test_every_point_falls_in_exactly_one_cell(city: CityGeo, cells: tuple[list[str], np.ndarray]) -> None:
    codes, geoms = cells
    doc = json.loads((default_data_dir() / "districts.geojson").read_text(encoding="utf-8"))
    land = shapely.union_all([shape(f["geometry"]) for f in doc["features"]])
    shapely.prepare(land)
    rng = np.random.default_rng(11)
    lon = rng.uniform(111.95, 113.30, 60_000)
    lat = rng.uniform(21.40, 22.90, 60_000)
    in_city = shapely.contains_xy(land, lon, lat)
    hit_pt, hit_cell = shapely.STRtree(geoms).query(shapely.points(lon, lat), predicate="intersects")
    count = np.bincount(hit_pt, minlength=len(lon))
    assert np.all(count[in_city] == 1)
    assert np.all(count[~in_city] == 0)
    located = city.locate_many(lon, lat).grid_code
    expected = np.full(len(lon), "", dtype="<U15")
    expected[hit_pt] = np.array(codes)[hit_cell]
    assert np.array_equal(located, expected)


def test_points_on_the_district_border_are_exact(city: CityGeo) -> None:
    doc = city.districts_geojson()
    penjiang = shape(next(f for f in doc["features"] if f["properties"]["code"] == "440703")["geometry"])
    ring = penjiang.geoms[0].exterior if hasattr(penjiang, "geoms") else penjiang.exterior
    pts = [ring.interpolate(d) for d in np.linspace(0, ring.length, 400)]
    near = [(p.x + dx, p.y + dy) for p in pts for dx, dy in ((3e-5, 1e-5), (-2e-5, 3e-5), (1e-5, -3e-5))]
    lon, lat = np.array([p[0] for p in near]), np.array([p[1] for p in near])
    off_edge = shapely.distance(penjiang.boundary, shapely.points(lon, lat)) > 1e-9
    lon, lat = lon[off_edge], lat[off_edge]
    truth = shapely.contains_xy(penjiang, lon, lat)
    assert truth.any() and not truth.all()
    got = city.locate_many(lon, lat).district_code == "440703"
    assert np.array_equal(got, truth)


def test_fine_cells_in_the_core_and_coarse_elsewhere(city: CityGeo) -> None:
    with np.load(default_data_dir() / "grid.npz") as z:
        fine, area = z["cell_fine"], z["cell_area_km2"]
    core_km2 = float(area[fine].sum())
    assert 100 < core_km2 < 150
    assert 0.015 < float(np.median(area[fine])) < 0.03  # ~150 m cells
    assert 0.5 < float(np.median(area[~fine])) < 2.0  # ~1.2 km cells
    core = city.locate(113.08, 22.58)
    rural = city.locate(112.30, 22.40)
    assert core is not None and rural is not None
    assert core["district_code"] == "440703" and rural["district_code"] in DISTRICTS


def test_locate_accepts_gcj02_and_bd09(city: CityGeo) -> None:
    wgs = city.locate(113.0815, 22.5790)
    assert wgs is not None
    for crs, convert in (("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)):
        lon, lat = convert(113.0815, 22.5790)
        row = city.locate(lon, lat, crs=crs)
        assert row is not None and row["grid_code"] == wgs["grid_code"]
        assert abs(row["lon"] - 113.0815) < 1e-7


def test_locate_many_marks_outside_with_empty_strings(city: CityGeo) -> None:
    batch = city.locate_many(np.array([113.0815, 0.0, np.nan, 112.79]), np.array([22.579, 0.0, 22.0, 22.25]))
    assert list(batch.district_code) == ["440703", "", "", "440781"]
    assert batch.grid_code[1] == "" and batch.town_code[2] == ""
    assert batch.row(3)["town_name"].endswith(("街道", "镇"))
    assert city.locate(0.0, 0.0) is None


def test_a_cells_units_are_what_locate_many_gives_its_points(city: CityGeo) -> None:
    rng = np.random.default_rng(30)
    lon, lat = rng.uniform(111.9, 113.4, 3000), rng.uniform(21.4, 22.9, 3000)  # the city and beyond
    batch = city.locate_many(lon, lat)
    cells = city.cell_ids(lon, lat).tolist()
    assert [city.cell_units(c) for c in cells] == list(zip(
        batch.grid_code.tolist(), batch.community_code.tolist(), batch.town_code.tolist(),
        batch.district_code.tolist(), strict=True))
    assert -1 in cells and city.cell_units(-1) == ("", "", "", "")
